"""`cooccur()`: the Python call that behaves as `embcli cooccur` (options checked first, local or Spark).

Backends are looked up by name (see `embcli.preprocessing_options`), so the
Spark engine is imported only when `backend="spark"` is asked for.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from embcli.artifacts import check_output
from embcli.config import PYTHON, BackendConfig, CooccurConfig, Spelling, build_configs
from embcli.cooccurrence.matrix import COOCCURRENCE_KIND
from embcli.corpus.token_corpus import load_token_corpus
from embcli.progress import SILENT, Progress

BACKENDS = {"local": "embcli.cooccurrence:count_cooccurrences", "spark": "embcli.spark.cooccur:cooccur_on_spark"}


def cooccur(corpus_dir: str | Path, output: str | Path, *, config_file: str | Path | None = None, force: bool = False,
            progress: Progress = SILENT, **options: Any) -> dict[str, Any]:
    """Count word co-occurrences of a corpus made by `preprocess` into a matrix directory; return its manifest.

    Options are `embcli cooccur`'s as keywords (`window=5`, `asymmetric=True`, `backend="spark"`);
    a `[cooccur]` table of `config_file` is read if it has one. They are checked before any work:

    >>> cooccur("work/corpus", "work/cooc", window=0)
    Traceback (most recent call last):
    embcli.errors.ConfigError: window=0: must be an integer from 1 to 10000
    """
    return cooccur_as_given(corpus_dir, output, config_file=config_file, options=options, spelling=PYTHON,
                            force=force, progress=progress)


def cooccur_as_given(corpus_dir: str | Path, output: str | Path, *, config_file: str | Path | None,
                     options: dict[str, Any], spelling: Spelling, force: bool, progress: Progress) -> dict[str, Any]:
    """`cooccur`, with the options spelled as their giver wrote them (the CLI passes `COMMAND_LINE`)."""
    config, backend = build_configs((CooccurConfig, BackendConfig), config_file=config_file, section="cooccur",
                                    overrides=options, spelling=spelling)
    if config_file is not None and os.path.exists(config_file):  # an input: never inside what --force replaces
        check_output(Path(output), force=force, kind=COOCCURRENCE_KIND, inputs=(config_file,))
    module_name, function_name = BACKENDS[backend.backend].split(":")
    run = getattr(importlib.import_module(module_name), function_name)
    corpus = load_token_corpus(Path(corpus_dir))
    if backend.on_spark:
        return run(corpus, Path(output), config, backend.spark_settings(), force=force, progress=progress)
    return run(corpus, Path(output), config, force=force, progress=progress)
