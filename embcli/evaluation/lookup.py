"""Case-insensitive lookup of evaluation words among the most frequent rows.

Evaluation sets mix casings ("Paris", "paris") that a vocabulary may or may
not share. As gensim's evaluators do, each word is upper-cased and mapped to
the *first* row (the most frequent casing, vocabularies being sorted by
count) among the first `limit` rows; rows beyond `limit` do not exist for the
evaluation. Every row also knows its casing group (the row its upper-cased
form maps to), so "paris" can be excluded as an answer when "Paris" is asked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class CaseInsensitiveVocab:
    """The first `limit` words of a vocabulary, looked up by upper-cased form.

    >>> vocab = CaseInsensitiveVocab(["the", "Paris", "paris", "France"], limit=3)
    >>> vocab.row("PARIS"), vocab.row("france"), vocab.group.tolist()
    (1, -1, [0, 1, 1])
    """

    def __init__(self, words: Sequence[str], limit: int | None = None) -> None:
        self.size = len(words) if limit is None else max(0, min(int(limit), len(words)))
        self.rows: dict[str, int] = {}
        group = np.empty(self.size, dtype=np.int32)
        for i in range(self.size):
            group[i] = self.rows.setdefault(words[i].upper(), i)
        self.group = group  # (size,) row -> first row with the same upper-cased form

    def row(self, word: str) -> int:
        """The row of `word` (any casing), or -1 if it is not among the first `size` words."""
        return self.rows.get(word.upper(), -1)

    def rows_of(self, words: Sequence[str]) -> np.ndarray:
        """`row` for many words at once, as an int32 array."""
        rows = self.rows
        return np.fromiter((rows.get(word.upper(), -1) for word in words), dtype=np.int32, count=len(words))
