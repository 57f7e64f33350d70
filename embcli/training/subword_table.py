"""The n-gram bucket rows a fastText vocabulary uses, trained as one compact matrix.

fastText allocates and trains all `buckets` rows (2M x 100 float32 is 800 MB),
but training only ever reads or writes the rows of buckets that some
vocabulary word's n-grams hash to: on the 4.6M-token benchmark corpus
(34k words) about a tenth of them. embcli trains the word rows followed by
those used bucket rows only; `ngrams.npy` is still the full table, written
block by block: each block's rows start from the same initial values as
they would have (uniform in (-1/dim, 1/dim), or the `--resume` parent's
rows), and the trained rows replace the used ones. The result is the table
fastText's training gives, in a fraction of the memory and with the rows
that are trained close together in the cache.

>>> table = SubwordTable(np.array([7, 2, 2, 9]), buckets=10, dim=2, seed=1)
>>> table.used.tolist(), table.compact(np.array([9, 2, 7])).tolist()
([2, 7, 9], [2, 0, 1])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BLOCK_ROWS = 1 << 16  # bucket rows generated (and written) at a time: 26 MB at dim 100


class SubwordTable:
    """The sorted bucket ids in use (`used`), their compact row numbers, and the full table's initial rows.

    `parent_rows` (the `--resume` parent's full (buckets, dim) table, memory-mapped) replaces the random start.
    """

    def __init__(self, word_buckets: np.ndarray, *, buckets: int, dim: int, seed: int,
                 parent_rows: np.ndarray | None = None) -> None:
        self.used = np.unique(np.asarray(word_buckets, dtype=np.int64))
        self.buckets, self.dim, self.seed = buckets, dim, seed
        self.parent_rows = parent_rows

    def compact(self, bucket_ids: np.ndarray) -> np.ndarray:
        """Row numbers within the used rows of each bucket id (every id must be in use)."""
        return np.searchsorted(self.used, bucket_ids).astype(np.int64)

    def initial_block(self, start: int) -> np.ndarray:
        """Initial rows of buckets [start, start + BLOCK_ROWS): the parent's, or uniform in (-1/dim, 1/dim).

        Each block has its own generator, so a row's start does not depend on which rows are in use.
        """
        end = min(self.buckets, start + BLOCK_ROWS)
        if self.parent_rows is not None:
            return np.array(self.parent_rows[start:end], dtype=np.float32)
        rng = np.random.default_rng([self.seed, start // BLOCK_ROWS])
        block = rng.random((end - start, self.dim), dtype=np.float32)
        block -= np.float32(0.5)
        block *= np.float32(2.0 / self.dim)
        return block

    def fill_initial(self, rows: np.ndarray) -> None:
        """rows[i] = the initial row of bucket used[i]."""
        for start, block in self._used_blocks():
            rows[block] = self.initial_block(start)[self.used[block] - start]

    def write_full(self, path: Path, trained: np.ndarray) -> None:
        """ngrams.npy: all `buckets` rows, the used ones from `trained` (one row per used bucket), in blocks."""
        starts = {start: block for start, block in self._used_blocks()}
        with open(path, "wb") as handle:
            np.lib.format.write_array_header_1_0(
                handle, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                         "shape": (self.buckets, self.dim)})
            for start in range(0, self.buckets, BLOCK_ROWS):
                block = self.initial_block(start)
                used = starts.get(start)
                if used is not None:
                    block[self.used[used] - start] = trained[used]
                handle.write(memoryview(block))

    def _used_blocks(self):
        """(block start, slice of `used` inside that block) for each block holding a used bucket."""
        block_of = self.used // BLOCK_ROWS
        for b in np.unique(block_of).tolist():
            lo, hi = np.searchsorted(block_of, [b, b + 1])
            yield b * BLOCK_ROWS, slice(int(lo), int(hi))
