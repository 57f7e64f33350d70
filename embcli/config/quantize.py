"""`embcli quantize`: int8 and product-quantization codecs."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import default_workers

@dataclasses.dataclass(frozen=True)
class QuantizeConfig:
    method: Literal["int8", "pq"] = "int8"  # int8: symmetric scaled codes; pq: product quantization
    scale: Literal["row", "dim"] = "row"  # int8: one scale per word (row) or per dimension
    subspaces: int | None = None  # pq: M sub-spaces (must divide dim); None: sub-spaces of 4 dims (or the next divisor)
    centroids: int = 256  # pq: k-means centroids per sub-space (codes are uint8, so at most 256)
    iterations: int = 20  # pq: k-means iterations per sub-space
    train_rows: int = 100_000  # pq: k-means is fitted on at most this many rows (a seeded sample), then all rows are coded
    workers: int = dataclasses.field(default_factory=default_workers)  # k-means threads
    seed: int = 1  # pq: k-means initialisation and the training sample
