"""Presets and TOML files: defaults < config file < command line, unknown keys refused."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from embcli.config.fields import COMMAND_LINE, FileSpelling, InvalidSetting, Spelling, check_field, field_types
from embcli.errors import ConfigError

PRESETS_DIR_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "presets",  # installed wheel
    Path(__file__).resolve().parents[2] / "configs",  # source checkout
)

C = TypeVar("C")


def find_preset(name_or_path: str | Path) -> Path:
    """A config path as given, or the name of a bundled preset (`skipgram`, `cbow.toml`)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    stem = path.name if path.suffix == ".toml" else f"{path.name}.toml"
    if path.parent == Path("."):
        for directory in PRESETS_DIR_CANDIDATES:
            if (directory / stem).exists():
                return directory / stem
    raise ConfigError(f"config file {name_or_path} not found (give a path or a preset name from configs/)")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({' '.join(str(exc).split())})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text at byte {exc.start}; a TOML file is UTF-8") from None


def _accepts(annotation: Any, value: Any) -> bool:
    """True if a TOML value fits a dataclass field annotation (ints pass for floats; None if it is optional)."""
    origin = get_origin(annotation)
    if value is None:
        return type(None) in get_args(annotation)
    if origin is tuple:  # tuple[X, ...]: a TOML array or a repeated option
        return isinstance(value, (list, tuple)) and all(_accepts(get_args(annotation)[0], item) for item in value)
    if origin is Literal:
        return value in get_args(annotation)
    if origin is not None and type(None) in get_args(annotation):  # X | None
        return any(_accepts(arg, value) for arg in get_args(annotation) if arg is not type(None))
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return any(_accepts(arg, value) for arg in get_args(annotation))


def _describe(annotation: Any) -> str:
    """What a value of `annotation` is, in a user's words."""
    options = [arg for arg in get_args(annotation) if arg is not type(None)] or [annotation]
    if get_origin(annotation) is tuple:
        return "a list of " + _describe(get_args(annotation)[0]).removeprefix("a ") + "s"
    names = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}
    return " or ".join(names.get(arg, getattr(arg, "__name__", str(arg))) for arg in options)


Layer = tuple[dict[str, Any], Spelling]  # values, and how their giver spells them


def config_from_layers(cls: type[C], layers: list[Layer], dialect: Spelling = COMMAND_LINE) -> C:
    """Defaults < each layer in turn; every key, type, range and combination checked, errors in the giver's words.

    `dialect` names the fields nobody gave (the caller's own spelling).
    """
    hints = field_types(cls)
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    spellings: dict[str, Spelling] = {}
    for data, spelling in layers:
        for key, value in data.items():
            if key not in fields:
                raise ConfigError(spelling.unknown(key, sorted(fields)))
            if dataclasses.is_dataclass(hints[key]) and isinstance(value, dict):  # a nested section
                value = config_from_layers(hints[key], [(value, spelling)], dialect)
            elif not _accepts(hints[key], value):
                try:
                    check_field(cls, fields[key], value)  # numbers and choices: the range check's own words
                except InvalidSetting as exc:
                    raise ConfigError(exc.render({key: spelling}, dialect)) from None
                raise ConfigError(f"{spelling.given(key, value)}: must be {_describe(hints[key])}")
            values[key] = tuple(value) if isinstance(value, list) else value
            spellings[key] = spelling
    try:
        return cls(**values)
    except InvalidSetting as exc:
        raise ConfigError(exc.render(spellings, dialect)) from None


def file_layer(config_file: str | Path, section: str | None = None) -> Layer:
    """A preset's values (optionally its `[section]` table) and their spelling (`key = value in FILE`)."""
    path = find_preset(config_file)
    data = read_toml(path)
    if section is not None and isinstance(data.get(section), dict):
        data = data[section]
    return data, FileSpelling(path)


def build_config(
    cls: type[C],
    *,
    config_file: str | Path | None = None,
    section: str | None = None,
    overrides: dict[str, Any] | None = None,
    spelling: Spelling = COMMAND_LINE,
) -> C:
    """Defaults < config file (optionally one `[section]` of it) < `overrides` (None values ignored).

    `spelling` is how the overrides were given: `COMMAND_LINE` (`--alpha`) or `PYTHON` (`alpha=`).

    >>> from embcli.config.fields import PYTHON
    >>> from embcli.config.word2vec import Word2VecConfig
    >>> build_config(Word2VecConfig, overrides={"window": 0}, spelling=PYTHON)
    Traceback (most recent call last):
    embcli.errors.ConfigError: window=0: must be an integer of at least 1
    """
    layers = [file_layer(config_file, section)] if config_file is not None else []
    layers.append(({key: value for key, value in (overrides or {}).items() if value is not None}, spelling))
    return config_from_layers(cls, layers, spelling)


def build_configs(
    classes: tuple[type, ...],
    *,
    config_file: str | Path | None = None,
    section: str | None = None,
    overrides: dict[str, Any] | None = None,
    spelling: Spelling = COMMAND_LINE,
) -> tuple[Any, ...]:
    """`build_config` for a stage whose options fill several configs (e.g. what it computes, and where it runs).

    Each key goes to every class that has that field; a key none has is refused.
    """
    layers = [file_layer(config_file, section)] if config_file is not None else []
    layers.append(({key: value for key, value in (overrides or {}).items() if value is not None}, spelling))
    known = sorted(set().union(*(field_types(cls) for cls in classes)))
    for data, source in layers:
        for key in data:
            if key not in known:
                raise ConfigError(source.unknown(key, known))
    return tuple(config_from_layers(cls, [({key: value for key, value in data.items() if key in field_types(cls)}, source)
                                          for data, source in layers], spelling) for cls in classes)


def as_dict(config: Any) -> dict[str, Any]:
    """A config as a JSON-able dict, for manifests."""
    return dataclasses.asdict(config)
