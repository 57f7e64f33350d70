"""`embcli plot`: a 2-D map of word vectors."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, seed_setting, setting


@dataclasses.dataclass(frozen=True)
class PlotConfig(Validated):
    method: Literal["pca", "tsne"] = "pca"  # 2-D projection
    top: int = setting(50, at_least=1)  # words plotted when none are named: the N most frequent (<unk> excluded)
    perplexity: float = setting(30.0, at_least=1)  # t-SNE: capped below the number of words
    seed: int = seed_setting()  # t-SNE initialisation
