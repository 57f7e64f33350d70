"""Sizes checked by arithmetic before anything is allocated or written.

A dimension of 10^9, a vectors header claiming 10^12 rows or an inflated
`.npy` header must fail with the size it would need, before `numpy` tries
(and the kernel's OOM killer or a `MemoryError` says nothing useful).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

from embcli.errors import FormatError, ResourceError


def memory_limit_bytes() -> int:
    """Physical memory plus swap: no single allocation beyond this can succeed."""
    total = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(("MemTotal:", "SwapTotal:")):
                total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if total == 0:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return total


def format_bytes(nbytes: int | float) -> str:
    """Human-readable size with the exact figure.

    >>> format_bytes(4_000_000_000_000)
    '3.6 TiB (4,000,000,000,000 bytes)'
    """
    value, unit = float(nbytes), "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{int(nbytes):,} bytes"
    return f"{value:.1f} {unit} ({int(nbytes):,} bytes)"


def array_bytes(shape: tuple[int, ...], itemsize: int) -> int:
    """Bytes of an array of `shape` (exact integer arithmetic, no overflow).

    >>> array_bytes((10**12, 300), 4)
    1200000000000000
    """
    return math.prod(int(n) for n in shape) * int(itemsize)


def check_allocation(shape: tuple[int, ...], itemsize: int, what: str, *, copies: int = 1) -> int:
    """Raise ResourceError if `copies` arrays of `shape` cannot fit in this machine's memory; return their bytes.

    >>> check_allocation((3, 4), 4, "vectors")
    48
    """
    if any(int(n) < 0 for n in shape):
        raise ResourceError(f"{what}: negative size {tuple(shape)}")
    needed = array_bytes(shape, itemsize) * copies
    limit = memory_limit_bytes()
    if needed > limit:
        raise ResourceError(f"{what} would need {format_bytes(needed)} of memory for shape {tuple(int(n) for n in shape)}, "
                            f"more than this machine has ({format_bytes(limit)}); use smaller sizes")
    return needed


def ensure_free_space(path: Path, nbytes: int, what: str = "the output") -> None:
    """Raise ResourceError if the filesystem holding `path` has less than `nbytes` free."""
    probe = Path(os.path.abspath(path))
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if nbytes > free:
        raise ResourceError(f"not enough disk space for {what} at {path}: it needs {format_bytes(nbytes)}, "
                            f"{format_bytes(free)} free; free space or choose another output path")


def check_text_file_size(path: Path, limit: int, what: str) -> None:
    """Refuse a text file an artifact carries (stop words, phrases) that is larger than `limit` bytes.

    >>> check_text_file_size(Path("/dev/null"), 10, "stop-word list")
    """
    try:
        size = Path(path).stat().st_size
    except OSError:
        return  # the reader says it is missing or unreadable
    if size > limit:
        raise FormatError(f"{path}: the {what} is {format_bytes(size)}; embcli reads at most {format_bytes(limit)} of "
                          "it (is it the right file? re-create the artifact with embcli)")


def check_header_size(path: Path, rows: int, dim: int, *, claimed_bytes: int, file_bytes: int) -> None:
    """Refuse a vectors header whose `rows x dim` needs more bytes than the file holds (or than memory has).

    `claimed_bytes` is the least the rows would take in the file, e.g. `rows * (4 * dim + 1)` for word2vec binary.

    >>> check_header_size(Path("v.bin"), 10**12, 300, claimed_bytes=10**12 * 1202, file_bytes=20)
    Traceback (most recent call last):
    embcli.errors.FormatError: v.bin: the header claims 1,000,000,000,000 vectors of 300 dimensions (at least 1.1 PiB (1,202,000,000,000,000 bytes)), but the file has 20 bytes; it is truncated or not a vectors file
    """
    if claimed_bytes > file_bytes:
        raise FormatError(f"{path}: the header claims {rows:,} vectors of {dim:,} dimensions (at least "
                          f"{format_bytes(claimed_bytes)}), but the file has {format_bytes(file_bytes)}; it is "
                          "truncated or not a vectors file")
    check_allocation((rows, dim), 4, f"{path}: {rows:,} vectors of {dim:,} dimensions")
