"""Word-similarity evaluation: rank correlation of cosines with human scores.

Semantics are those of gensim's `KeyedVectors.evaluate_word_pairs` (defaults:
case-insensitive, pairs outside the 300,000 most frequent words skipped), so
the numbers are the ones published results use. Pairs with an unknown word
are left out of the correlation and reported as lost coverage, never hidden.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from embcli.evaluation.datasets import SimilarityDataset
from embcli.evaluation.lookup import CaseInsensitiveVocab
from embcli.embeddings import Embeddings


@dataclass
class SimilarityResult:
    name: str
    path: str
    pairs: int  # well-formed pairs in the file
    found: int  # pairs whose two words are both in the (restricted) vocabulary
    spearman: float | None  # None when fewer than two pairs were found (or scores are constant)
    pearson: float | None
    restrict_vocab: int
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)
    details: list[dict[str, Any]] | None = None  # per pair (with `details=True`): words, human score, cosine

    @property
    def coverage(self) -> float:
        return self.found / self.pairs if self.pairs else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "path": self.path, "pairs": self.pairs, "found": self.found,
            "coverage": self.coverage, "spearman": self.spearman, "pearson": self.pearson,
            "restrict_vocab": self.restrict_vocab,
            "malformed_lines": self.malformed, "malformed_line_numbers": self.malformed_lines,
            **({"details": self.details} if self.details is not None else {}),
        }


def evaluate_similarity(
    embeddings: Embeddings, dataset: SimilarityDataset, *, restrict_vocab: int = 300_000,
    vocab: CaseInsensitiveVocab | None = None, details: bool = False,
) -> SimilarityResult:
    """Spearman ρ and Pearson r between cosine similarity and the dataset's scores.

    `vocab` may be passed to share one lookup table between several datasets;
    `details` keeps every pair's cosine (None for a pair with an unknown word) for error analysis.
    """
    vocab = vocab or CaseInsensitiveVocab(embeddings.words, restrict_vocab)
    first = vocab.rows_of([a for a, _, _ in dataset.pairs])
    second = vocab.rows_of([b for _, b, _ in dataset.pairs])
    found = (first >= 0) & (second >= 0)
    gold = np.array([score for _, _, score in dataset.pairs], dtype=np.float64)[found]
    unit = embeddings.unit_vectors
    cosines = np.einsum("ij,ij->i", unit[first[found]], unit[second[found]]).astype(np.float64)
    spearman = pearson = None
    if len(gold) >= 2:
        with warnings.catch_warnings():  # constant scores: reported as None, not as a warning
            warnings.simplefilter("ignore")
            spearman = _finite_or_none(stats.spearmanr(gold, cosines)[0])
            pearson = _finite_or_none(stats.pearsonr(gold, cosines)[0])
    return SimilarityResult(
        dataset.name, dataset.path, len(dataset.pairs), int(found.sum()), spearman, pearson,
        vocab.size, dataset.malformed, list(dataset.malformed_lines),
        _pair_details(dataset, found, cosines) if details else None,
    )


def _pair_details(dataset: SimilarityDataset, found: np.ndarray, cosines: np.ndarray) -> list[dict[str, Any]]:
    cosine_of = dict(zip(np.flatnonzero(found).tolist(), cosines.tolist()))
    return [{"word1": a, "word2": b, "score": score, "cosine": cosine_of.get(i)}
            for i, (a, b, score) in enumerate(dataset.pairs)]


def _finite_or_none(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
