"""`embcli phrases`: collocation detection's options and their checks."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, refuse, setting


@dataclasses.dataclass(frozen=True)
class PhrasesConfig(Validated):
    """Collocation detection (word2vec's word2phrase, gensim's Phrases) on a corpus directory."""

    scoring: Literal["word2phrase", "npmi"] = "word2phrase"  # (c(ab) - min_count) / (c(a) c(b)) * N, or NPMI
    threshold: float | None = None  # join when score > threshold; None: 100 (word2phrase), 0.5 (npmi)
    min_count: int = setting(5, at_least=1)  # candidates (and their words) seen fewer times are never joined
    connector_words: str | None = None  # "english" (gensim's ENGLISH_CONNECTOR_WORDS) or a file of words
    passes: int = setting(1, at_least=1)  # passes K: each can join the previous pass's phrases into longer ones
    memory_mb: float = setting(256.0, above=0)  # cap on counting's memory; rare candidates are pruned to fit

    def check(self) -> None:
        super().check()
        if self.scoring == "npmi" and not -1.0 <= self.resolved_threshold <= 1.0:
            raise refuse(self, "{threshold}: NPMI scores lie in [-1, 1]; give e.g. --threshold 0.5")

    @property
    def resolved_threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        return 100.0 if self.scoring == "word2phrase" else 0.5
