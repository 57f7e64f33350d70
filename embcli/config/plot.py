"""`embcli plot`: a 2-D map of word vectors."""

from __future__ import annotations

import dataclasses
from typing import Literal

@dataclasses.dataclass(frozen=True)
class PlotConfig:
    method: Literal["pca", "tsne"] = "pca"  # 2-D projection
    top: int = 50  # words plotted when none are named: the N most frequent (<unk> excluded)
    perplexity: float = 30.0  # t-SNE: capped below the number of words
    seed: int = 1  # t-SNE initialisation
