"""Checks that live next to each config field, and messages that name the option as the user gave it.

A field declares its range with `setting(default, at_least=1)`; a `Literal`
annotation is its list of choices; every float must be finite (NaN and inf are
refused everywhere). A config class adds the checks that span fields in its
`check()` method. All of it runs when the dataclass is built, so the command
line, a TOML preset and a Python caller meet the same checks before any work.

A failed check raises `InvalidSetting`, whose message is written once with
`{field}` placeholders and rendered for whoever gave the value:

>>> problem = InvalidSetting("{alpha}: must be a finite number greater than 0", {"alpha": float("nan")})
>>> problem.render({"alpha": COMMAND_LINE}, COMMAND_LINE)
'--alpha nan: must be a finite number greater than 0'
>>> problem.render({"alpha": FileSpelling("my.toml")}, COMMAND_LINE)
'alpha = nan in my.toml: must be a finite number greater than 0'
>>> str(problem)
'alpha=nan: must be a finite number greater than 0'
"""

from __future__ import annotations

import dataclasses
import math
import os
import string
from typing import Any, Literal, get_args, get_origin, get_type_hints

from embcli.errors import ConfigError


def default_workers() -> int:
    """All cores this process may use (word2vec and GloVe scale to them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------
# how a field is spelled where the user gave it


class Spelling:
    """How one caller writes an option: its bare name, and the name with a value."""

    def name(self, field: str) -> str:
        return field

    def given(self, field: str, value: Any) -> str:
        return f"{field}={value!r}"

    def wanted(self, field: str, value: Any) -> str:
        """The setting the user should give, e.g. `hs=True`."""
        return f"{field}={value!r}"

    def unknown(self, field: str, known: list[str]) -> str:
        return f"unknown keyword argument {field!r} (known: {', '.join(known)})"


class OptionSpelling(Spelling):
    """The command line: `--min-alpha 0.5`, `--hs`/`--no-hs`."""

    def name(self, field: str) -> str:
        return "--" + field.replace("_", "-")

    def given(self, field: str, value: Any) -> str:
        if isinstance(value, bool):
            return self.name(field) if value else "--no-" + field.replace("_", "-")
        if isinstance(value, (list, tuple)):
            return " ".join(f"{self.name(field)} {_plain(item)}" for item in value) or self.name(field)
        return f"{self.name(field)} {_plain(value)}"

    def wanted(self, field: str, value: Any) -> str:
        return self.given(field, value)

    def unknown(self, field: str, known: list[str]) -> str:
        return f"{self.name(field)} is not an option of this command"


class FileSpelling(Spelling):
    """A TOML file: `alpha = nan in configs/x.toml`."""

    def __init__(self, path: Any) -> None:
        self.path = str(path)

    def given(self, field: str, value: Any) -> str:
        return f"{field} = {_toml(value)} in {self.path}"

    def wanted(self, field: str, value: Any) -> str:
        return f"{field} = {_toml(value)}"

    def unknown(self, field: str, known: list[str]) -> str:
        return f"{self.path}: unknown key '{field}' (known: {', '.join(known)})"


COMMAND_LINE = OptionSpelling()
PYTHON = Spelling()


def _bound(value: float) -> str:
    """A range's end as written: integers in full (4294967295, not 4.29497e+09)."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def _plain(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return _plain(value)


class InvalidSetting(ConfigError):
    """A value or a combination a config refuses; `template` names fields as `{field}` (see `render`)."""

    def __init__(self, template: str, values: dict[str, Any]) -> None:
        self.template, self.values = template, dict(values)
        super().__init__(self.render({field: PYTHON for field in values}, PYTHON))  # as built in Python

    def render(self, spellings: dict[str, Spelling], dialect: Spelling) -> str:
        """`{field}` as its giver wrote it (name and value); `{field!n}` by name; `{field=value}` as a suggestion.

        A field nobody gave is spelled in `dialect` (the caller's own spelling), by name.
        """
        out = []
        for literal, field, _, conversion in string.Formatter().parse(self.template):
            out.append(literal)
            if not field:
                continue
            name, _, wanted = field.partition("=")
            spelling = spellings.get(name)
            if wanted and spelling is not None and self.values.get(name) == _parse_wanted(wanted):
                out.append(spelling.given(name, self.values[name]))  # what the user gave, and where
            elif wanted:
                out.append((spelling or dialect).wanted(name, _parse_wanted(wanted)))
            elif spelling is None or conversion == "n":
                out.append((spelling or dialect).name(name))
            else:
                out.append(spelling.given(name, self.values[name]))
        return "".join(out)


def _parse_wanted(text: str) -> Any:
    """`{hs=true}` in a template suggests the value True; `{engine=embcli}` the string 'embcli'."""
    return {"true": True, "false": False}.get(text, text)


def _template_fields(template: str) -> list[str]:
    return [field.partition("=")[0] for _, field, _, _ in string.Formatter().parse(template) if field]


def refuse(config: Any, template: str) -> InvalidSetting:
    """An InvalidSetting for `template`, its fields' values read from `config`."""
    return InvalidSetting(template, {field: getattr(config, field) for field in _template_fields(template)})


# ---------------------------------------------------------------------------
# per-field checks


@dataclasses.dataclass(frozen=True)
class Bounds:
    """The range of a numeric field (None: unbounded on that side)."""

    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None

    def describe(self, integer: bool) -> str:
        """What a valid value is, e.g. 'an integer of at least 1'.

        >>> Bounds(above=0).describe(integer=False)
        'a finite number greater than 0'
        """
        if self.at_least is not None and self.at_most is not None:
            limit = f" from {_bound(self.at_least)} to {_bound(self.at_most)}"
        else:
            limits = [(self.at_least, "of at least"), (self.above, "greater than"), (self.at_most, "at most")]
            limit = " and".join(f" {words} {_bound(bound)}" for bound, words in limits if bound is not None)
        return ("an integer" if integer else "a finite number") + limit

    def admits(self, value: float) -> bool:
        return ((self.at_least is None or value >= self.at_least) and (self.above is None or value > self.above)
                and (self.at_most is None or value <= self.at_most))


def setting(default: Any = dataclasses.MISSING, *, default_factory: Any = dataclasses.MISSING,
            at_least: float | None = None, above: float | None = None, at_most: float | None = None) -> Any:
    """A dataclass field with its range beside it: `window: int = setting(5, at_least=1)`."""
    metadata = {"bounds": Bounds(at_least, above, at_most)}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


MAX_SEED = 2**32 - 1  # numpy's and the kernels' seeds are unsigned 32-bit


def seed_setting(default: int = 1) -> Any:
    """A random seed: an integer in [0, 2**32 - 1], so every generator accepts it."""
    return setting(default, at_least=0, at_most=MAX_SEED)


_HINTS: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """A config class's resolved annotations (cached: configs are built often in tests)."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _numeric(annotation: Any) -> type | None:
    """int or float for `int`, `float`, `int | None`, `float | None`; else None."""
    options = [arg for arg in get_args(annotation) if arg is not type(None)] or [annotation]
    return options[0] if len(options) == 1 and options[0] in (int, float) else None


def check_field(cls: type, field: dataclasses.Field, value: Any) -> None:
    """Choice, type, finiteness and range of one field's value."""
    annotation = field_types(cls)[field.name]
    placeholder = "{" + field.name + "}"
    optional = type(None) in get_args(annotation)
    if value is None and optional:
        return
    choices = [arg for arg in get_args(annotation) if get_origin(annotation) is Literal]
    if choices and value not in choices:
        raise InvalidSetting(placeholder + ": must be one of " + ", ".join(str(c) for c in choices), {field.name: value})
    kind = _numeric(annotation)
    if kind is None:
        return
    bounds = field.metadata.get("bounds", Bounds())
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or isinstance(value, int))
    if not is_number or not math.isfinite(value) or not bounds.admits(value):
        raise InvalidSetting(f"{placeholder}: must be {bounds.describe(kind is int)}", {field.name: value})


class Validated:
    """Base of every stage config: checks each field, then the class's `check()`, when it is built."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            check_field(type(self), field, getattr(self, field.name))
        self.check()

    def check(self) -> None:
        """Checks that span fields; raise `refuse(self, "{a} ... {b}")`."""
