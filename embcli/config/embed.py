"""`embcli embed`: lines of text to pooled vectors."""

from __future__ import annotations

import dataclasses
from typing import Literal

@dataclasses.dataclass(frozen=True)
class EmbedConfig:
    pool: Literal["mean", "sum", "sif"] = "mean"  # how a line's word vectors become one vector
    oov: Literal["skip", "unk"] = "skip"  # unknown tokens are skipped, or use the <unk> row
    sif_a: float = 1e-3  # SIF: word weight a / (a + p(w)), p from the vocabulary counts
    batch_lines: int = 8192  # lines tokenized and pooled at a time (bounds memory)
    sif_component: str | None = None  # SIF: remove the component saved in this sidecar (an earlier OUT.npy.json) instead of this input's own
