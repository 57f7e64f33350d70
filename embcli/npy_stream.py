"""Streamed `.npy` arrays: written block by block, read front to back, in memory that does not grow with them.

- `NpyStreamWriter`: NumPy's own writers need the whole array (or its final
  length) up front; a stream only learns its length at the end, so the header
  is written with a placeholder shape and rewritten on close. The header is
  padded to a fixed 128 bytes, so rewriting it never moves the data.
- `scan_blocks` / `release_pages`: a memory-mapped array read once, front to
  back, would otherwise keep every page it touched in this process's RSS.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np


class NpyStreamWriter:
    """A 1-D .npy file (format 1.0) appended to in blocks; the header's length is fixed up on close.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.npy"
    >>> writer = NpyStreamWriter(path, np.int32)
    >>> writer.write(np.arange(3)); writer.write(np.arange(2)); writer.close()
    >>> np.load(path).tolist()
    [0, 1, 2, 0, 1]
    """

    HEADER_BYTES = 128  # magic + version + length + padded header dict, a multiple of 64 as NumPy writes it

    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.length = 0
        self.handle = open(path, "wb")
        self.handle.write(self._header(0))

    def _header(self, length: int) -> bytes:
        text = repr({"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": (length,)})
        body_bytes = self.HEADER_BYTES - 10
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", body_bytes) + text.ljust(body_bytes - 1).encode("latin1") + b"\n"

    def write(self, array: np.ndarray) -> None:
        self.handle.write(memoryview(np.ascontiguousarray(array, dtype=self.dtype)))
        self.length += len(array)

    @property
    def nbytes(self) -> int:
        """Bytes the finished file takes."""
        return self.HEADER_BYTES + self.length * self.dtype.itemsize

    def close(self) -> None:
        if not self.handle.closed:
            try:
                self.handle.seek(0)
                self.handle.write(self._header(self.length))
            finally:
                self.handle.close()


def release_pages(array: np.ndarray, stop: int) -> None:
    """Let go of the resident pages of a memory-mapped array before item `stop` (no-op for in-memory arrays).

    The pages stay in the page cache; only this process stops holding them, so
    its RSS follows the block being read instead of the whole file.
    """
    mapping = getattr(array, "_mmap", None)
    if mapping is None or not hasattr(mapping, "madvise"):
        return
    end = array.offset % mmap.ALLOCATIONGRANULARITY + stop * array.itemsize  # numpy maps from an aligned offset
    end -= end % mmap.PAGESIZE
    if end > 0:
        mapping.madvise(mmap.MADV_DONTNEED, 0, end)


def scan_blocks(array: np.ndarray, block_items: int = 1 << 22) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (start, array[start:start + block_items]) front to back, releasing each block's pages after use.

    >>> [(start, block.tolist()) for start, block in scan_blocks(np.arange(5), 2)]
    [(0, [0, 1]), (2, [2, 3]), (4, [4])]
    """
    for start in range(0, len(array), block_items):
        stop = min(start + block_items, len(array))
        yield start, array[start:stop]
        release_pages(array, stop)
