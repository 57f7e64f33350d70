"""Numbers and tables read from a manifest, checked for type and range before anything uses them.

A manifest is user input (a model someone else made): a `buckets` of `"2000"`,
`-5` or `10**30`, an `infer_epochs` of `10**12`, a `window` of NaN or a
`files` section that is a list must be refused with one line naming the field,
not reach a kernel or fail deep inside numpy.
"""

from __future__ import annotations

import math
from typing import Any

from embcli.errors import FormatError

_MISSING = object()


def manifest_table(manifest: dict[str, Any], key: str, where: object) -> dict[str, Any]:
    """The section `key` of a manifest as a dict (an absent or null section is empty).

    >>> manifest_table({"files": {"vocab": "vocab.tsv"}}, "files", "m.json")
    {'vocab': 'vocab.tsv'}
    >>> manifest_table({"files": ["vocab.tsv"]}, "files", "m.json")
    Traceback (most recent call last):
    embcli.errors.FormatError: m.json: the files section is a list, not a table; re-create the artifact with embcli
    """
    section = manifest.get(key)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise FormatError(f"{where}: the {key} section is a {type(section).__name__}, not a table; re-create the "
                          "artifact with embcli")
    return section


def manifest_int(section: dict[str, Any], key: str, where: object, *, at_least: int | None = None,
                 at_most: int | None = None, default: Any = _MISSING) -> int:
    """`section[key]` as an int within [at_least, at_most]; JSON true/false, strings and fractions are refused.

    >>> manifest_int({"buckets": 2000}, "buckets", "subwords", at_least=0)
    2000
    >>> manifest_int({"buckets": "2000"}, "buckets", "m.json: subwords", at_least=0)
    Traceback (most recent call last):
    embcli.errors.FormatError: m.json: subwords.buckets must be an integer, not '2000'; re-create the artifact with embcli
    """
    value = section.get(key, default)
    if value is _MISSING:
        raise FormatError(f"{where}.{key} is missing; re-create the artifact with embcli")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"{where}.{key} must be an integer, not {value!r}; re-create the artifact with embcli")
    _check_range(value, key, where, at_least, at_most)
    return value


def manifest_float(section: dict[str, Any], key: str, where: object, *, at_least: float | None = None,
                   at_most: float | None = None, default: Any = _MISSING) -> float:
    """`section[key]` as a finite float within [at_least, at_most].

    >>> manifest_float({"alpha": float("nan")}, "alpha", "config", at_least=0)
    Traceback (most recent call last):
    embcli.errors.FormatError: config.alpha must be a finite number, not nan; re-create the artifact with embcli
    """
    value = section.get(key, default)
    if value is _MISSING:
        raise FormatError(f"{where}.{key} is missing; re-create the artifact with embcli")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise FormatError(f"{where}.{key} must be a finite number, not {value!r}; re-create the artifact with embcli")
    _check_range(float(value), key, where, at_least, at_most)
    return float(value)


def _check_range(value: float, key: str, where: object, at_least: float | None, at_most: float | None) -> None:
    if (at_least is not None and value < at_least) or (at_most is not None and value > at_most):
        low = "" if at_least is None else f"at least {at_least:,}"
        high = "" if at_most is None else f"at most {at_most:,}"
        bounds = " and ".join(part for part in (low, high) if part)
        raise FormatError(f"{where}.{key} is {value:,}; it must be {bounds} (re-create the artifact with embcli)")
