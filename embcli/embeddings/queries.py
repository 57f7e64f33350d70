"""gensim's `KeyedVectors` queries on embcli's vectors, in blocked matrix products.

`VectorQueries` is a mixin: the class it is mixed into provides `vectors`
((n, dim) float32, possibly memory-mapped), `index_to_key`, `key_to_index`
and `get_vector(key)` (which may build vectors for unseen words through the
model's resolver, else raises KeyError), and gets `most_similar`,
`most_similar_cosmul`, `similarity`, `doesnt_match`, ... with gensim's
arguments and results (the same words, scores within float32 rounding; see
tests/test_queries_gensim.py).

How it stays fast and small on big vocabularies: the matrix is never copied
or normalised as a whole. Rows are read `BLOCK_BYTES` at a time, straight
from the (memory-mapped) file; each block is multiplied by all pending
queries at once (one BLAS product), scaled by the rows' inverse norms, and
only each query's best candidates in the block are kept. Inverse norms are
computed in the first pass that reads a row and kept (4 bytes a row). One
query on a 1M x 100 model therefore reads the 400 MB of rows once and
allocates a few MB; 1,000 queries cost about as much as 20 single ones,
because a product of a block with many queries is compute-bound instead of
memory-bound.

Differences from gensim, on purpose: `most_similar_cosmul(restrict_vocab=N)`
honours N (gensim 4 accepts and ignores it); an all-zero row scores 0
instead of NaN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from numbers import Integral
from typing import Any

import numpy as np

BLOCK_BYTES = 32 << 20  # score block (queries x rows, float32) and row block are each bounded by this
ONE_THREAD_QUERIES = 64  # fewer queries than this are scanned with one BLAS thread (see `blas_threads_for`)
MIN_BLOCK_ROWS = 1024  # fewer rows per product would spend more time in Python than in BLAS
COSMUL_EPSILON = 1e-6  # Levy & Goldberg's ε, as gensim's most_similar_cosmul
KEY_TYPES = (str, int, np.integer)

Scored = list[tuple[str, float]]  # (key, score), best first
BlockScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rows, inverse norms) -> (queries, rows) scores


class VectorQueries:
    """gensim-compatible similarity queries for a class holding `vectors`, `index_to_key` and `key_to_index`."""

    vectors: np.ndarray
    index_to_key: list[str]
    key_to_index: dict[str, int]

    def get_vector(self, key: Any, norm: bool = False) -> np.ndarray:  # pragma: no cover - provided by the host
        raise NotImplementedError

    # -----------------------------------------------------------------------
    # norms and blocked scans

    def inverse_norms(self, stop: int | None = None) -> np.ndarray:
        """1 / |row| for the first `stop` rows (0 for an all-zero row), computed once, blockwise."""
        stop = len(self.vectors) if stop is None else min(int(stop), len(self.vectors))
        self._extend_inverse_norms(0, stop)
        return self._inverse_norm_cache()[:stop]

    def _inverse_norm_cache(self) -> np.ndarray:
        cache = self.__dict__.get("_inverse_norms")
        if cache is None:
            cache = self.__dict__["_inverse_norms"] = np.empty(len(self.vectors), dtype=np.float32)
            self.__dict__["_normed_rows"] = 0
        return cache

    def _extend_inverse_norms(self, start: int, stop: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Inverse norms of rows [start, stop), computing those not known yet (`rows` = that block, if read)."""
        cache = self._inverse_norm_cache()
        done = self.__dict__["_normed_rows"]
        if stop > done:
            if start > done:  # keep the known part a prefix
                self._extend_inverse_norms(done, start)
                done = start
            step = block_rows(self.vectors.shape[1])
            for first in range(done, stop, step):
                last = min(first + step, stop)
                block = rows[first - start : last - start] if rows is not None else self.vectors[first:last]
                cache[first:last] = inverse_row_norms(block)
            self.__dict__["_normed_rows"] = stop
        return cache[start:stop]

    def _inverse_norm_of(self, row: int) -> np.float32:
        """1 / |row|: known, or of that row alone (a word's unit vector does not norm every row before it)."""
        if row < self.__dict__.get("_normed_rows", 0):
            return self._inverse_norm_cache()[row]
        return inverse_row_norms(self.vectors[row : row + 1])[0]

    def scan_top(self, scorer: BlockScorer, n_queries: int, topn: int, *, stop: int | None = None,
                 exclude: Sequence[Sequence[int]] = ()) -> list[list[tuple[int, float]]]:
        """The `topn` best (row, score) of each query over rows [0, stop), rows in `exclude[q]` left out.

        `scorer(rows, inverse_norms)` returns the (n_queries, len(rows)) scores of one block.
        """
        stop = len(self.vectors) if stop is None else min(int(stop), len(self.vectors))
        if n_queries == 0 or topn <= 0 or stop <= 0:
            return [[] for _ in range(n_queries)]
        step = max(1, min(block_rows(self.vectors.shape[1]), BLOCK_BYTES // (4 * n_queries)))
        kept_rows, kept_scores = [], []
        with blas_threads_for(n_queries):
            for start in range(0, stop, step):
                end = min(start + step, stop)
                rows = np.asarray(self.vectors[start:end], dtype=np.float32)
                scores = np.asarray(scorer(rows, self._extend_inverse_norms(start, end, rows)), dtype=np.float32)
                for q, excluded in enumerate(exclude):
                    local = [row - start for row in excluded if start <= row < end]
                    scores[q, local] = -np.inf
                best = _top_columns(scores, topn)
                kept_rows.append(best + start)
                kept_scores.append(np.take_along_axis(scores, best, axis=1))
        rows_all, scores_all = np.hstack(kept_rows), np.hstack(kept_scores)
        order = np.argsort(-scores_all, axis=1, kind="stable")[:, :topn]
        results = []
        for q in range(n_queries):
            picked = [(int(rows_all[q, i]), float(scores_all[q, i])) for i in order[q]]
            results.append([(row, score) for row, score in picked if score != -np.inf])
        return results

    def scan_all(self, scorer: BlockScorer, n_queries: int, stop: int | None = None) -> np.ndarray:
        """Every score, (n_queries, stop) float32 (for `topn=None` and `distances`)."""
        stop = len(self.vectors) if stop is None else min(int(stop), len(self.vectors))
        out = np.empty((n_queries, stop), dtype=np.float32)
        step = max(1, min(block_rows(self.vectors.shape[1]), BLOCK_BYTES // (4 * max(n_queries, 1))))
        with blas_threads_for(n_queries):
            for start in range(0, stop, step):
                end = min(start + step, stop)
                rows = np.asarray(self.vectors[start:end], dtype=np.float32)
                out[:, start:end] = scorer(rows, self._extend_inverse_norms(start, end, rows))
        return out

    # -----------------------------------------------------------------------
    # vectors of keys

    def _row(self, key: Any) -> int:
        """Row of a vocabulary key (or an int index), -1 if the key has none."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return int(key) if 0 <= key < len(self.vectors) else -1
        return self.key_to_index.get(key, -1)

    def key_vector(self, key: Any, norm: bool = False) -> np.ndarray:
        """A key's float32 vector (unit length if `norm`); unseen keys through `get_vector`."""
        row = self._row(key)
        if row >= 0:
            vector = np.asarray(self.vectors[row], dtype=np.float32)
            return vector * self._inverse_norm_of(row) if norm else vector
        if isinstance(key, (int, np.integer)):
            raise KeyError(f"Key '{key}' not present")
        vector = np.asarray(self.get_vector(key), dtype=np.float32)
        return unit_vector(vector) if norm else vector

    def _known(self, key: Any) -> bool:
        return self._row(key) >= 0 or self.__contains__(key)  # type: ignore[operator]

    def get_mean_vector(self, keys: Sequence[Any] | np.ndarray, weights: Sequence[float] | np.ndarray | None = None,
                        pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> np.ndarray:
        """Weighted mean of keys' (unit, if `pre_normalize`) vectors and of vectors given as arrays, as gensim."""
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        weights = np.ones(len(keys), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        if len(keys) != weights.shape[0]:
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vectors.shape[1], dtype=np.float32)
        total_weight = 0.0
        for weight, key in zip(weights, keys):
            if isinstance(key, np.ndarray):
                mean += weight * key
            elif self._known(key):
                mean += weight * self.key_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                self.key_vector(key)  # raises the host's KeyError (embcli's says why and what to do)
                raise KeyError(f"Key '{key}' not present in vocabulary")
            else:
                continue
            total_weight += abs(float(weight))
        if total_weight > 0:
            mean = mean / np.float32(total_weight)
        return unit_vector(mean) if post_normalize else mean

    # -----------------------------------------------------------------------
    # gensim's queries

    def most_similar(self, positive: Any = None, negative: Any = None, topn: int | None = 10,
                     restrict_vocab: int | None = None, indexer: Any = None) -> Scored | np.ndarray:
        """Keys nearest (cosine) to the mean of the unit `positive` minus the `negative` keys or vectors.

        Keys may be words, row numbers, vectors, or (key, weight) pairs; the keys
        asked are never answered. `topn=None` returns every score. `indexer` (gensim's
        argument: an object with `most_similar(vector, n)`, e.g. `embcli.ann_index.load_index`'s)
        answers approximately instead of scanning every row.
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        keys, weights = _weighted_terms(positive, negative)
        mean = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
        asked = [key for key in keys if isinstance(key, KEY_TYPES)]
        if indexer is not None and topn:
            skipped = {self.index_to_key[row] for row in map(self._row, asked) if row >= 0}
            found = indexer.most_similar(mean, int(topn) + len(skipped))
            return [(key, score) for key, score in found if key not in skipped][: int(topn)]
        return self._nearest(mean, asked, topn, restrict_vocab)

    def _nearest(self, target: np.ndarray, asked: Sequence[Any], topn: int | None,
                 restrict_vocab: int | None) -> Scored | np.ndarray:
        scorer = cosine_scorer(target[None, :])
        if not topn:
            return self.scan_all(scorer, 1, restrict_vocab)[0]
        excluded = [row for row in map(self._row, asked) if row >= 0]
        found = self.scan_top(scorer, 1, int(topn), stop=restrict_vocab, exclude=[excluded])[0]
        return [(self.index_to_key[row], score) for row, score in found]

    def most_similar_cosmul(self, positive: Any = None, negative: Any = None, topn: int | None = 10,
                            restrict_vocab: int | None = None) -> Scored | np.ndarray:
        """Levy & Goldberg's 3CosMul: prod((1 + cos(x, p)) / 2) / (prod((1 + cos(x, n)) / 2) + ε), as gensim."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        asked = [key for key in positive + negative if not isinstance(key, np.ndarray)]
        terms = np.vstack([np.asarray(key, dtype=np.float32) if isinstance(key, np.ndarray) else
                           self.key_vector(key, norm=True) for key in positive + negative])
        scorer = cosmul_scorer(terms, [list(range(len(positive)))],
                               [list(range(len(positive), len(terms)))])
        if not topn:
            return self.scan_all(scorer, 1, restrict_vocab)[0]
        excluded = [row for row in map(self._row, asked) if row >= 0]
        found = self.scan_top(scorer, 1, int(topn), stop=restrict_vocab, exclude=[excluded])[0]
        return [(self.index_to_key[row], score) for row, score in found]

    def similar_by_word(self, word: Any, topn: int | None = 10, restrict_vocab: int | None = None) -> Any:
        """`most_similar([word])`."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None) -> Any:
        """Keys nearest (cosine) to `vector`; no key is left out."""
        return self.most_similar(positive=[np.asarray(vector, dtype=np.float32)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def similarity(self, w1: Any, w2: Any) -> float:
        """Cosine of two keys' vectors."""
        return float(np.dot(unit_vector(self.key_vector(w1)), unit_vector(self.key_vector(w2))))

    def n_similarity(self, ws1: Sequence[Any], ws2: Sequence[Any]) -> float:
        """Cosine of the means of two sets of keys (raw vectors averaged, as gensim)."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False, ignore_missing=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False, ignore_missing=False)
        return float(np.dot(unit_vector(mean1), unit_vector(mean2)))

    def distance(self, w1: Any, w2: Any) -> float:
        """1 - cosine."""
        return 1.0 - self.similarity(w1, w2)

    def distances(self, word_or_vector: Any, other_words: Sequence[Any] = ()) -> np.ndarray:
        """1 - cosine of a key or vector with `other_words`' vectors, or with every row."""
        target = self.key_vector(word_or_vector) if isinstance(word_or_vector, KEY_TYPES) else word_or_vector
        target = unit_vector(np.asarray(target, dtype=np.float32))
        if not other_words:
            return 1 - self.scan_all(cosine_scorer(target[None, :]), 1)[0]
        others = np.vstack([unit_vector(self.key_vector(word)) for word in other_words])
        return 1 - others @ target

    def rank(self, key1: Any, key2: Any) -> int:
        """1 + how many keys (key1 aside) are strictly nearer to `key1` than `key2` is."""
        row1, row2 = self._row(key1), self._row(key2)
        if row2 < 0:
            raise KeyError(f"Key '{key2}' not present")
        cosines = 1 - self.distances(key1)
        closer = cosines > cosines[row2]
        if row1 >= 0:
            closer[row1] = False
        return int(np.count_nonzero(closer)) + 1

    def doesnt_match(self, words: Sequence[Any]) -> Any:
        """The key farthest from the mean of the others' unit vectors (unknown keys ignored, as gensim)."""
        used = [word for word in words if self._known(word)]
        if len(used) != len(words):
            import logging  # here, not at the top: a query process that warns of nothing skips its import

            logging.getLogger(__name__).warning(
                "vectors for words %s are not present in the model, ignoring these words", set(words) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        unit = np.vstack([self.key_vector(word, norm=True) for word in used])
        centre = unit_vector(unit.mean(axis=0, dtype=np.float32))
        return sorted(zip((unit @ centre).tolist(), used), reverse=True)[-1][1]

    def to_gensim(self) -> Any:
        """A real `gensim.models.KeyedVectors` with these keys and vectors (a copy in memory)."""
        from gensim.models import KeyedVectors

        keyed = KeyedVectors(vector_size=int(self.vectors.shape[1]), count=0, dtype=np.float32)
        keyed.add_vectors(list(self.index_to_key), np.asarray(self.vectors, dtype=np.float32))
        counts = getattr(self, "counts", None)
        if counts is not None and len(counts) == len(keyed):
            keyed.expandos["count"] = np.asarray(counts, dtype=np.int64)
        return keyed


# ---------------------------------------------------------------------------
# scorers and helpers (arrays in, arrays out)


@contextlib.contextmanager
def blas_threads_for(n_queries: int) -> Iterator[None]:
    """One BLAS thread while scanning for few queries.

    A block times a few query vectors is bound by memory, not arithmetic, so a
    second thread gains little; on a busy machine it loses a lot, since every
    product waits for a thread that is not running (a million-row scan took 5x
    the CPU time with two threads on two busy cores). Many queries (compute-bound
    products) keep every thread.
    """
    controller = _blas_controller() if n_queries < ONE_THREAD_QUERIES else None
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's view of the BLAS libraries loaded (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return None
    return ThreadpoolController()


def block_rows(dim: int) -> int:
    """Rows per block so that a block of the matrix holds about BLOCK_BYTES."""
    return max(MIN_BLOCK_ROWS, BLOCK_BYTES // (4 * max(int(dim), 1)))


def inverse_row_norms(rows: np.ndarray) -> np.ndarray:
    """1 / |row| per row, float32; 0 for all-zero rows."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    with np.errstate(divide="ignore"):
        inverse = np.where(norms > 0, 1 / norms, 0)
    return inverse.astype(np.float32)


def unit_vector(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to length 1 (a zero vector stays zero), float32."""
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector


def cosine_scorer(targets: np.ndarray) -> BlockScorer:
    """Scores = cosine of each row with each of the unit `targets` (m, dim)."""
    targets = np.ascontiguousarray(targets, dtype=np.float32)

    def score(rows: np.ndarray, inverse_norms: np.ndarray) -> np.ndarray:
        return (targets @ rows.T) * inverse_norms[None, :]

    return score


def cosmul_scorer(terms: np.ndarray, positive: Sequence[Sequence[int]],
                  negative: Sequence[Sequence[int]]) -> BlockScorer:
    """3CosMul scores of each query q from its `positive[q]` and `negative[q]` rows of `terms`."""
    cosine = cosine_scorer(terms)

    def score(rows: np.ndarray, inverse_norms: np.ndarray) -> np.ndarray:
        shifted = (1 + cosine(rows, inverse_norms)) / 2  # (terms, rows)
        out = np.empty((len(positive), rows.shape[0]), dtype=np.float32)
        for q, (up, down) in enumerate(zip(positive, negative)):
            denominator = np.prod(shifted[list(down)], axis=0) if down else np.float32(1)
            out[q] = np.prod(shifted[list(up)], axis=0) / (denominator + COSMUL_EPSILON)
        return out

    return score


def _top_columns(scores: np.ndarray, topn: int) -> np.ndarray:
    """Column indices of the (up to) `topn` highest scores of each row, unordered."""
    if topn >= scores.shape[1]:
        return np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    return np.argpartition(-scores, topn - 1, axis=1)[:, :topn]


def _as_list(value: Any) -> list[Any]:
    """A single key or vector as a one-item list, a matrix as its rows (gensim's `_ensure_list`)."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


def _weighted_terms(positive: Any, negative: Any) -> tuple[list[Any], np.ndarray]:
    """Keys/vectors and their weights: 1 for positive, -1 for negative, unless given as (key, weight)."""
    positive, negative = _as_list(positive), _as_list(negative)
    weights = np.concatenate((np.ones(len(positive)), -np.ones(len(negative))))
    keys = []
    for i, item in enumerate(positive + negative):
        if isinstance(item, (*KEY_TYPES, np.ndarray)):
            keys.append(item)
        else:
            keys.append(item[0])
            weights[i] = item[1]
    return keys, weights
