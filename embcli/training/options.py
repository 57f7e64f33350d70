"""From what a user gave to one checked training config: the same rules for `embcli train` and Python.

Precedence, lowest first: the model's defaults < the resumed model's options
(`resume=` a vectors directory of the same model) < a preset (`config_file=`)
< the options given here. The model is the one given, else the resumed model's,
else the preset's `model`, else skip-gram. An option the chosen model does not
have is refused rather than ignored. Every message names an option the way its
giver wrote it: `--alpha` on the command line, `alpha = ... in FILE` for a preset,
`alpha=...` for a Python keyword.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from embcli.artifacts import check_output
from embcli.config import PYTHON, FileSpelling, Spelling, config_from_layers, file_layer, find_preset, read_toml
from embcli.errors import ConfigError
from embcli.progress import SILENT, Progress
from embcli.training.factory import TRAINERS, config_class, train_model
from embcli.training.resume import RESUMABLE_MODELS, inherited_options

DEFAULT_MODEL = "skipgram"


def train(corpus_dir: str | Path, output: str | Path, model: str | None = None, *, config_file: str | Path | None = None,
          force: bool = False, progress: Progress = SILENT, **options: Any) -> dict[str, Any]:
    """Train `model` on a corpus made by `preprocess` and write a vectors directory; return its manifest.

    Options are `embcli train`'s, as keywords (`dim=300`, `hs=True`, `resume="work/sg"`);
    they are checked before any work, and nothing is written when one is wrong:

    >>> train("work/corpus", "work/glove", model="glove", hs=True)
    Traceback (most recent call last):
    embcli.errors.ConfigError: hs does not apply to model='glove'
    """
    return train_as_given(corpus_dir, output, model, config_file=config_file, options=options, spelling=PYTHON,
                          force=force, progress=progress)


def train_as_given(corpus_dir: str | Path, output: str | Path, model: str | None, *, config_file: str | Path | None,
                   options: dict[str, Any], spelling: Spelling, force: bool, progress: Progress) -> dict[str, Any]:
    """`train`, with the options spelled as their giver wrote them (the CLI passes `COMMAND_LINE`)."""
    config = resolve_training_config(model, config_file=config_file, options=options, spelling=spelling)
    files = [path for path in (config_file, getattr(config, "tags", None)) if path is not None and os.path.exists(path)]
    check_output(Path(output), force=force, kind="vectors",
                 inputs=(Path(corpus_dir), getattr(config, "resume", None) or "-", *files))
    return train_model(Path(corpus_dir), Path(output), config, force=force, progress=progress)


def resolve_training_config(model: str | None = None, *, config_file: str | Path | None = None,
                            options: dict[str, Any] | None = None, spelling: Spelling = PYTHON) -> Any:
    """The checked, resolved config `train` would use (options that are None count as not given)."""
    given = {key: value for key, value in (options or {}).items() if value is not None}
    layers = []
    resume = given.get("resume")
    if resume and model in (None, *RESUMABLE_MODELS):
        parent_model, inherited = inherited_options(Path(resume))
        model = model or parent_model
        if inherited and model == parent_model:
            layers.append((inherited, FileSpelling(Path(resume) / "manifest.json")))
    model_spelling = spelling
    if model is None and config_file is not None:
        path = find_preset(config_file)
        preset_model = read_toml(path).get("model")
        model, model_spelling = (preset_model, FileSpelling(path)) if preset_model is not None else (None, spelling)
    model = model or DEFAULT_MODEL
    cls = config_class(model, model_spelling)
    reject_inapplicable(cls, model, given, spelling)
    layers = [({key: value for key, value in data.items() if key in _field_names(cls)}, source)
              for data, source in layers]  # a parent's options this model no longer has are not the user's
    if config_file is not None:
        layers.append(file_layer(config_file))
    layers.append(({**given, "model": model}, spelling))
    config = config_from_layers(cls, layers, spelling)
    return config.resolved() if hasattr(config, "resolved") else config


def reject_inapplicable(cls: type, model: str, given: dict[str, Any], spelling: Spelling) -> None:
    """An option the chosen model ignores is a mistake worth telling the user about."""
    known = _field_names(cls)
    every_option = set().union(*(_field_names(config_class(other)) for other in TRAINERS))
    for key in given:
        if key in known:
            continue
        if key not in every_option:
            raise ConfigError(spelling.unknown(key, sorted(every_option)))
        raise ConfigError(f"{spelling.name(key)} does not apply to {spelling.wanted('model', model)}")


def _field_names(cls: type) -> set[str]:
    return {field.name for field in dataclasses.fields(cls)}
