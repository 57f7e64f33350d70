"""`embcli eval`: analogy and similarity settings."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, setting


@dataclasses.dataclass(frozen=True)
class EvalConfig(Validated):
    restrict_vocab: int = setting(30000, at_least=1)  # analogy: only the N most frequent words are asked and answered (word2vec's compute-accuracy)
    similarity_restrict_vocab: int = setting(300000, at_least=1)  # similarity: pairs with a word beyond the N most frequent are not found (gensim's default)
    method: Literal["3cosadd", "3cosmul", "both"] = "both"  # analogy objective(s)
    workers: int = setting(default_factory=default_workers, at_least=1)  # threads for the analogy kernel

    @property
    def methods(self) -> tuple[str, ...]:
        return ("3cosadd", "3cosmul") if self.method == "both" else (self.method,)
