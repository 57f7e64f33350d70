"""`embcli embed`: lines of text to pooled vectors."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, refuse, seed_setting, setting


@dataclasses.dataclass(frozen=True)
class EmbedConfig(Validated):
    pool: Literal["mean", "sum", "sif", "infer"] = "mean"  # how a line's word vectors become one vector (infer: doc2vec)
    oov: Literal["skip", "unk"] = "skip"  # unknown tokens are skipped, or use the <unk> row
    sif_a: float = setting(1e-3, above=0)  # SIF: word weight a / (a + p(w)), p from the vocabulary counts
    batch_lines: int = setting(8192, at_least=1)  # lines tokenized and pooled at a time (bounds memory)
    sif_component: str | None = None  # SIF: remove the component saved in this sidecar (an earlier OUT.npy.json) instead of this input's own
    infer_epochs: int | None = setting(None, at_least=1)  # infer: epochs per text (None: the model's infer_epochs)
    seed: int = seed_setting()  # infer: seed of each text's fresh document row (same text + seed -> same vector)

    def check(self) -> None:
        super().check()
        if self.sif_component is not None and self.pool != "sif":
            raise refuse(self, "{sif_component!n} applies only to {pool=sif}")
        if self.infer_epochs is not None and self.pool != "infer":
            raise refuse(self, "{infer_epochs!n} applies only to {pool=infer}")
