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
    except (ValueError, OSError, SyntaxError, TypeError, OverflowError) as exc:
        raise FormatError(f"{path}: not a readable .npy array ({_one_line(exc)})") from None
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


class NpyAppender:
    """A 1-D `.npy` file written by appending chunks, with ordinary writes.

    Never through a memory map: on a full disk a write fails with ENOSPC (a
    one-line error), where a mapped page would kill the process with SIGBUS.
    The header is reserved first and rewritten with the final length on
    `close`; `expected` elements, if given, are preallocated so a full disk is
    found before any work, with the bytes needed in the message.
    """

    HEADER_BYTES = 128

    def __init__(self, path: Path, dtype: Any, *, expected: int | None = None) -> None:
        import numpy as np

        self.path, self.dtype, self.length = Path(path), np.dtype(dtype), 0
        self.handle = open(self.path, "wb")
        self.handle.write(b"\0" * self.HEADER_BYTES)
        if expected:
            preallocate(self.handle, self.HEADER_BYTES + expected * self.dtype.itemsize, self.path)

    def append(self, values: Any) -> None:
        import numpy as np

        values = np.ascontiguousarray(values, dtype=self.dtype)
        self.handle.write(values.data)
        self.length += len(values)

    def close(self) -> None:
        import numpy as np

        header = repr({"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                       "shape": (self.length,)}).encode("latin1")
        preamble = b"\x93NUMPY\x01\x00" + (self.HEADER_BYTES - 10).to_bytes(2, "little")
        header = header.ljust(self.HEADER_BYTES - len(preamble) - 1) + b"\n"
        self.handle.truncate(self.HEADER_BYTES + self.length * self.dtype.itemsize)
        self.handle.seek(0)
        self.handle.write(preamble + header)
        self.handle.close()

    def __enter__(self) -> "NpyAppender":
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.handle.close()


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
