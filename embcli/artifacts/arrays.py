"""`.npy` reading that never unpickles and checks the header against the file first."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from embcli.artifacts.sizes import array_bytes, check_allocation, format_bytes
from embcli.errors import FormatError, InputError, ResourceError


def read_npy_header(path: Path) -> tuple[tuple[int, ...], Any, bool, int]:
    """(shape, dtype, fortran_order, data offset) of a `.npy` file, checked against its size.

    A header claiming more bytes than the file holds, or an object dtype
    (which would need unpickling), is a FormatError.
    """
    import numpy as np

    path = Path(path)
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle, max_header_size=1 << 16)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle, max_header_size=1 << 16)
            offset = handle.tell()
    except Exception as exc:  # NumPy parses the header with tokenize/literal_eval, which raise a zoo of types
        raise FormatError(f"{path}: not a readable .npy array ({type(exc).__name__}: {_one_line(exc)})") from None
    if dtype.hasobject:
        raise FormatError(f"{path}: not a readable .npy array (it holds Python objects; embcli never unpickles user files)")
    needed = array_bytes(shape, dtype.itemsize)
    available = path.stat().st_size - offset
    if needed > available:
        raise FormatError(f"{path}: header claims shape {shape} of {dtype} ({format_bytes(needed)}), but the file holds "
                          f"only {format_bytes(available)} of data; it is truncated or corrupt")
    return shape, dtype, fortran, offset


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def load_npy(path: Path, *, mmap: bool = False, remedy: str | None = None) -> Any:
    """`np.load` that never unpickles; a missing, unreadable or inconsistent file is a one-line error ending with `remedy`."""
    import numpy as np

    path = Path(path)
    hint = f"; {remedy}" if remedy else ""
    if not path.exists():
        raise InputError(f"{path} is missing{hint}")
    try:
        shape, dtype, _, _ = read_npy_header(path)
    except FormatError as exc:
        raise FormatError(f"{exc}{hint}") from None
    if not mmap:
        check_allocation(shape, dtype.itemsize, f"reading {path}")
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FormatError(f"{path}: not a readable .npy array ({_one_line(exc)}){hint}") from None


def preallocate(handle: Any, nbytes: int, path: Path) -> None:
    """Reserve `nbytes` for the open file `handle`: a full disk is found now, with the size in the message."""
    try:
        os.posix_fallocate(handle.fileno(), 0, nbytes)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ResourceError(f"no space left on the device for {path}: it needs {format_bytes(nbytes)}; "
                                "free space or choose another output path") from None
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise


def require_usable_matrix(matrix: Any, source: object, purpose: str, *, block_rows: int = 1 << 16) -> None:
    """Refuse a vector matrix a stage cannot use: no columns, or NaN/infinite values (checked block by block).

    >>> import numpy as np
    >>> require_usable_matrix(np.array([[1.0, np.nan]]), "v.npy", "quantize")
    Traceback (most recent call last):
    embcli.errors.FormatError: v.npy: row 0 has NaN or infinite values, which quantize cannot use; fix or retrain the vectors
    """
    import numpy as np

    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise FormatError(f"{source}: the vectors have shape {tuple(matrix.shape)}; {purpose} needs at least one "
                          "dimension")
    for start in range(0, matrix.shape[0], block_rows):
        block = np.asarray(matrix[start : start + block_rows])
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            row = start + int(np.argmin(finite))
            raise FormatError(f"{source}: row {row} has NaN or infinite values, which {purpose} cannot use; "
                              "fix or retrain the vectors")
