"""`embcli eval`: analogy and similarity settings."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import default_workers

@dataclasses.dataclass(frozen=True)
class EvalConfig:
    restrict_vocab: int = 30000  # analogy: only the N most frequent words are asked and answered (word2vec's compute-accuracy)
    similarity_restrict_vocab: int = 300000  # similarity: pairs with a word beyond the N most frequent are not found (gensim's default)
    method: Literal["3cosadd", "3cosmul", "both"] = "both"  # analogy objective(s)
    workers: int = dataclasses.field(default_factory=default_workers)  # threads for the analogy kernel

    @property
    def methods(self) -> tuple[str, ...]:
        return ("3cosadd", "3cosmul") if self.method == "both" else (self.method,)
