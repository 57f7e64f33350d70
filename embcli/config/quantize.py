"""`embcli quantize`: int8 and product-quantization codecs."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, seed_setting, setting


@dataclasses.dataclass(frozen=True)
class QuantizeConfig(Validated):
    method: Literal["int8", "pq"] = "int8"  # int8: symmetric scaled codes; pq: product quantization
    scale: Literal["row", "dim"] = "row"  # int8: one scale per word (row) or per dimension
    subspaces: int | None = setting(None, at_least=1)  # pq: M sub-spaces (must divide dim); None: sub-spaces of 4 dims (or the next divisor)
    centroids: int = setting(256, at_least=1, at_most=256)  # pq: k-means centroids per sub-space (codes are uint8, so at most 256)
    iterations: int = setting(20, at_least=1)  # pq: k-means iterations per sub-space
    train_rows: int = setting(100_000, at_least=1)  # pq: k-means is fitted on at most this many rows (a seeded sample), then all rows are coded
    workers: int = setting(default_factory=default_workers, at_least=1)  # k-means threads
    seed: int = seed_setting()  # pq: k-means initialisation and the training sample
