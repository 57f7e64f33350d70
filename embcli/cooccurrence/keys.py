"""How window pairs become integer cells: the key layout and exact weights every counting engine shares.

A window pair at distance d is one int64 *pair key* `(row * V + col) << bits | d`,
so a plain integer sort groups equal cells and keeps their distances; a *cell
key* is `row * V + col`. Weights are integers in units of 1/scale
(scale = lcm(1..window), so distance d adds exactly scale/d): sums are exact and
do not depend on how the corpus was chunked, on which machine, or in which
order runs were merged. The local engine and the Spark engine both count
through `CellLayout.count_run`, so their matrices are equal cell for cell.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from embcli.config import CooccurConfig
from embcli.errors import ConfigError
from embcli.kernels.cooccur_kernels import reduce_sorted_pairs, sentence_pair_counts, window_pair_keys

RECORD_BYTES = 16  # one buffered pair key or run cell: int64 key + int64 weight sum
EXACT_SCALE_LIMIT = 1 << 28  # above this lcm(1..window), weights are rounded to 1/2**28 units


def weight_units(window: int) -> tuple[int, np.ndarray]:
    """(scale, unit_weights): distance d adds unit_weights[d] = scale/d, exactly when scale = lcm(1..window).

    >>> scale, units = weight_units(4)
    >>> scale, units.tolist()
    (12, [0, 12, 6, 4, 3])
    """
    scale = 1
    for d in range(1, window + 1):  # stop early: lcm(1..n) grows like e**n
        scale = math.lcm(scale, d)
        if scale > EXACT_SCALE_LIMIT:
            scale = EXACT_SCALE_LIMIT
            break
    units = np.zeros(window + 1, dtype=np.int64)
    units[1:] = np.rint(scale / np.arange(1, window + 1))
    return scale, units


def distance_bits(window: int) -> int:
    """Low bits of a pair key that hold the distance."""
    return max(1, int(window).bit_length())


@dataclasses.dataclass(frozen=True)
class CellLayout:
    """What one counting setting makes of a corpus with `vocab_size` words (picklable, for Spark executors).

    >>> layout = CellLayout(window=2, symmetric=True, skip_unk=True, vocab_size=4)
    >>> ids, offsets = np.array([1, 2, 0, 3], np.uint32), np.array([0, 4])
    >>> keys, sums, pairs = layout.count_run(ids, offsets, 0, 1, *layout.buffers(8))
    >>> pairs, keys.tolist(), (sums / layout.scale).tolist()
    (6, [6, 7, 9, 11, 13, 14], [1.0, 0.5, 1.0, 1.0, 0.5, 1.0])
    """

    window: int
    symmetric: bool
    skip_unk: bool  # id 0 (<unk>) is removed before windows form
    vocab_size: int
    bits: int = dataclasses.field(init=False)
    scale: int = dataclasses.field(init=False)
    units: np.ndarray = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scale, units = weight_units(self.window)
        object.__setattr__(self, "bits", distance_bits(self.window))
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "units", units)

    @classmethod
    def of(cls, config: CooccurConfig, vocab_size: int) -> "CellLayout":
        """The layout of `config`, refusing a vocabulary whose pair keys would overflow int64."""
        layout = cls(int(config.window), not config.asymmetric, not config.keep_unk, int(vocab_size))
        if vocab_size * vocab_size >= (1 << (63 - layout.bits)):
            raise ConfigError(f"a vocabulary of {vocab_size} words is too large to count; raise --min-count in preprocess")
        return layout

    def sentence_pairs(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Window pairs each sentence of (ids, offsets) yields: int64[len(offsets) - 1]."""
        return sentence_pair_counts(ids, offsets, self.window, self.symmetric, self.skip_unk)

    def buffers(self, pairs: int) -> tuple[np.ndarray, np.ndarray]:
        """Scratch (keys, sums) arrays for `count_run` over at most `pairs` window pairs."""
        return np.empty(pairs, dtype=np.int64), np.empty(pairs, dtype=np.int64)

    def count_run(self, ids: np.ndarray, offsets: np.ndarray, first: int, stop: int, keys: np.ndarray,
                  sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """(cell keys, unit-weight sums, window pairs) of sentences [first, stop): one sorted run, copied out.

        `keys`/`sums` are scratch buffers that must hold the sentences' window pairs;
        every id must be below `vocab_size` (checked where the corpus is loaded).
        """
        n = window_pair_keys(ids, offsets, first, stop, self.window, self.symmetric, self.skip_unk,
                             self.vocab_size, self.bits, keys)
        keys[:n].sort()  # NumPy releases the GIL while sorting
        m = reduce_sorted_pairs(keys, n, self.bits, self.units, sums)
        return keys[:m].copy(), sums[:m].copy(), n

    def row_keys(self, rows: np.ndarray) -> np.ndarray:
        """The first cell key of each row in `rows` (bounds of key ranges)."""
        return np.asarray(rows, dtype=np.int64) * self.vocab_size
