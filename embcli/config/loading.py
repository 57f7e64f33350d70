"""Presets and TOML files: defaults < config file < command line, unknown keys refused."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

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
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def _accepts(annotation: Any, value: Any) -> bool:
    """True if a TOML value fits a dataclass field annotation (ints pass for floats)."""
    origin = get_origin(annotation)
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


def validate_overrides(cls: type[C], values: dict[str, Any], source: str) -> dict[str, Any]:
    """Check keys and value types against `cls`; `source` names where they came from."""
    hints = get_type_hints(cls)
    known = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        if not _accepts(hints[key], value):
            raise ConfigError(f"{source}: '{key}' = {value!r} is not a valid {_describe(hints[key])}")
    return values


def _describe(annotation: Any) -> str:
    if get_origin(annotation) is Literal:
        return "choice (one of " + ", ".join(repr(a) for a in get_args(annotation)) + ")"
    return getattr(annotation, "__name__", str(annotation)).replace("NoneType", "none")


def build_config(
    cls: type[C],
    *,
    config_file: str | Path | None = None,
    section: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> C:
    """Defaults < config file (optionally one `[section]` of it) < `overrides` (None values ignored)."""
    values: dict[str, Any] = {}
    if config_file is not None:
        path = find_preset(config_file)
        data = read_toml(path)
        if section is not None and isinstance(data.get(section), dict):
            data = data[section]
        values.update(validate_overrides(cls, data, str(path)))
    cli_values = {key: value for key, value in (overrides or {}).items() if value is not None}
    values.update(validate_overrides(cls, cli_values, "command line"))
    return cls(**values)


def as_dict(config: Any) -> dict[str, Any]:
    """A config as a JSON-able dict, for manifests."""
    return dataclasses.asdict(config)
