"""`preprocess()`: the Python call that behaves as `embcli preprocess` (options checked first, local or Spark).

The backends are looked up by name, as the trainers are, so this stage does not
depend on the Spark layer above it: `embcli.spark.preprocess` is imported only
when `backend="spark"` is asked for.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from embcli.artifacts import check_output
from embcli.config import PYTHON, PreprocessBackendConfig, PreprocessConfig, Spelling, build_configs
from embcli.corpus.token_corpus import CORPUS_KIND
from embcli.progress import SILENT, Progress

BACKENDS = {"local": "embcli.preprocessing:preprocess_corpus", "spark": "embcli.spark.preprocess:preprocess_on_spark"}


def preprocess(inputs: str | Path | list[str | Path], output: str | Path, *, config_file: str | Path | None = None,
               force: bool = False, progress: Progress = SILENT, **options: Any) -> dict[str, Any]:
    """Tokenize `inputs` (files, directories, globs, "-" for stdin) into a corpus directory; return its manifest.

    Options are `embcli preprocess`'s as keywords (`min_count=1`, `tokenizer="char"`,
    `backend="spark"`, `spark_master=...`); a `[preprocess]` table of `config_file` is read
    if it has one. They are checked before any work:

    >>> preprocess("corpus.txt", "work/corpus", min_count=0)
    Traceback (most recent call last):
    embcli.errors.ConfigError: min_count=0: must be an integer of at least 1
    """
    return preprocess_as_given(inputs, output, config_file=config_file, options=options, spelling=PYTHON,
                               force=force, progress=progress)


def preprocess_as_given(inputs: str | Path | list[str | Path], output: str | Path, *, config_file: str | Path | None,
                        options: dict[str, Any], spelling: Spelling, force: bool, progress: Progress) -> dict[str, Any]:
    """`preprocess`, with the options spelled as their giver wrote them (the CLI passes `COMMAND_LINE`)."""
    config, backend = build_configs((PreprocessConfig, PreprocessBackendConfig), config_file=config_file,
                                    section="preprocess", overrides=options, spelling=spelling)
    if config_file is not None and os.path.exists(config_file):  # an input: never inside what --force replaces
        check_output(Path(output), force=force, kind=CORPUS_KIND, inputs=(config_file,))
    sources = [str(inputs)] if isinstance(inputs, (str, Path)) else [str(item) for item in inputs]
    run = _backend(backend.backend)
    if backend.on_spark:
        return run(sources, Path(output), config, backend.spark_settings(), force=force, progress=progress,
                   shard_tokens=backend.shard_tokens)
    return run(sources, Path(output), config, force=force, progress=progress)


def _backend(name: str) -> Any:
    module_name, function_name = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)
