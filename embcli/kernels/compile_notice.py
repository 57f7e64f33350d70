"""Telling the user when numba compiles a kernel, which happens once per install.

A kernel's first call on a new install spends several seconds in LLVM (`cache=True` keeps the
result for later runs). Without a word the first `embcli train` looks hung, so trainers call
`announce_compilation` before a kernel's first use: it looks for numba's cache index of that
function and, when there is none, prints one status line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from embcli.progress import Progress


def cache_directories(source: Path) -> list[Path]:
    """Where numba keeps the cache of functions defined in `source` (beside it, or NUMBA_CACHE_DIR)."""
    places = [source.parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        places.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    return places


def is_compiled(kernel: Any) -> bool:
    """True if numba has a cached compilation of `kernel` (a `@njit(cache=True)` dispatcher).

    >>> import numba
    >>> is_compiled(numba.njit(lambda x: x))  # not cached: compiled in memory on first call
    False
    """
    function = getattr(kernel, "py_func", None)
    if function is None or not getattr(kernel, "_cache", None) or function.__name__ == "<lambda>":
        return False
    source = Path(function.__code__.co_filename)
    stem = f"{source.stem}.{function.__qualname__}-{function.__code__.co_firstlineno}.py{sys.version_info[0]}{sys.version_info[1]}"
    return any((place / f"{stem}.nbi").exists() for place in cache_directories(source))


def announce_compilation(progress: Progress, kernels: Iterable[Any], what: str) -> None:
    """One status line if any of `kernels` has never been compiled on this install."""
    if not all(is_compiled(kernel) for kernel in kernels):
        progress.note(f"compiling embcli's {what} kernels for this machine (first use only, about 10-30 s)...")
