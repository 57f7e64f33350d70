"""Quick inspection: nearest neighbours of a word, and one analogy, by cosine.

Words are looked up as given first; if that exact form is not in the
vocabulary, its most frequent casing is used (as the evaluators do), and a
word in neither form is an error naming it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embcli.embeddings import Embeddings
from embcli.errors import InputError, UnknownWordError
from embcli.evaluation.lookup import CaseInsensitiveVocab

Neighbors = list[tuple[str, float]]  # (word, cosine), best first


def resolve_rows(embeddings: Embeddings, words: Sequence[str]) -> list[int]:
    """Row of each word (exact form first, then any casing); InputError lists the unknown ones."""
    index = embeddings.index
    rows = [index.get(word, -1) for word in words]
    if min(rows, default=0) < 0:
        any_case = CaseInsensitiveVocab(embeddings.words)
        rows = [row if row >= 0 else any_case.row(word) for word, row in zip(words, rows)]
    missing = [word for word, row in zip(words, rows) if row < 0]
    if missing:
        listed = ", ".join(f"'{word}'" for word in missing)
        raise InputError(f"{listed} not in the vocabulary of {embeddings.source or 'these vectors'} "
                         f"({len(embeddings)} words); check the spelling")
    return rows


def query_vectors(embeddings: Embeddings, words: Sequence[str]) -> tuple[np.ndarray, list[int]]:
    """Unit query vector per word and the rows to exclude from its answers.

    Vocabulary words (any casing) use their own row. Words outside it get a vector
    from the model's subwords (fastText) or hash bucket when the model has them;
    otherwise `resolve_rows` raises the usual error naming them.
    """
    unit = embeddings.unit_vectors
    any_case = CaseInsensitiveVocab(embeddings.words)
    queries, rows = [], []
    for word in words:
        row = embeddings.index.get(word, -1)
        row = row if row >= 0 else any_case.row(word)
        if row >= 0:
            queries.append(unit[row])
            rows.append(row)
            continue
        try:
            queries.append(embeddings.get_vector(word, norm=True))
        except UnknownWordError:
            resolve_rows(embeddings, words)  # raises, listing every unknown word
            raise
        rows.append(-1)
    return np.vstack(queries).astype(np.float32), rows


def nearest_neighbors(embeddings: Embeddings, words: Sequence[str], k: int = 10) -> dict[str, Neighbors]:
    """The k words with the highest cosine to each of `words` (the word itself excluded).

    Unseen words work on models with subwords or hash buckets.

    >>> nearest_neighbors(embeddings, ["paris"], k=2)  # doctest: +SKIP
    {'paris': [('london', 0.81), ('berlin', 0.79)]}
    """
    queries, rows = query_vectors(embeddings, words)
    scores = queries @ embeddings.unit_vectors.T  # (len(words), vocab)
    return {word: _top_k(embeddings, scores[i], k, exclude=[row] if row >= 0 else [])
            for i, (word, row) in enumerate(zip(words, rows))}


def solve_analogy(embeddings: Embeddings, a: str, b: str, c: str, k: int = 10) -> Neighbors:
    """a is to b as c is to ?: the k words nearest to b̂ - â + ĉ (3CosAdd), a, b, c excluded."""
    queries, rows = query_vectors(embeddings, [a, b, c])
    target = queries[1] - queries[0] + queries[2]
    target /= max(float(np.linalg.norm(target)), np.finfo(np.float32).tiny)
    return _top_k(embeddings, embeddings.unit_vectors @ target, k, exclude=[row for row in rows if row >= 0])


def _top_k(embeddings: Embeddings, scores: np.ndarray, k: int, exclude: Sequence[int]) -> Neighbors:
    scores = np.array(scores, dtype=np.float32)
    scores[list(exclude)] = -np.inf
    k = min(k, len(scores) - len(set(exclude)))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(embeddings.words[i], float(scores[i])) for i in top]
