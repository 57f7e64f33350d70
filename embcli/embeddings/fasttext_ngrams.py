"""fastText's word composition over many words at once: sums of each word's n-gram rows.

A fastText `.bin` file stores raw input rows (words, then n-gram buckets); a word's
vector is the mean of its own row and its n-gram rows. Hashing the n-grams of a
2M-word vocabulary in Python takes minutes, so this kernel walks the UTF-8 bytes
of every `<word>` once, hashes each n-gram incrementally (one FNV-1a step per byte,
as `embcli.subwords.fasttext_hash`) and adds the rows in fastText's own order and
precision (float32, word row first), so results match fastText's to the last bit
or nearly so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

EOS = "</s>"  # fastText's end-of-sentence token: its vector is its own row, never n-grams

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def wrapped_word_bytes(words: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """`<word>` of each word, concatenated (uint8) with row offsets (int64, len(words) + 1).

    >>> data, offsets = wrapped_word_bytes([b"ab", b"c"])
    >>> bytes(data[offsets[1]:offsets[2]])
    b'<c>'
    """
    joined = b"".join(b"<" + word + b">" for word in words)
    lengths = np.fromiter((len(word) + 2 for word in words), dtype=np.int64, count=len(words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(joined, dtype=np.uint8), offsets


@njit(cache=True, nogil=True)
def _hash_step(h: int, byte: int) -> int:
    value = byte | 0xFFFFFF00 if byte >= 0x80 else byte  # int8 -> uint32 sign extension
    return ((h ^ value) * _FNV_PRIME) & 0xFFFFFFFF


@njit(cache=True, nogil=True)
def sum_subword_rows(matrix, ngram_base, data, offsets, minn, maxn, buckets, word_rows, skip, out, counts):
    """out[w] += the rows making up word w; counts[w] = how many were added.

    matrix: (rows, dim) float32; n-gram bucket b is row `ngram_base + b`.
    word_rows: if True, word w's own row `matrix[w]` is added first (fastText's order).
    skip: (n,) bool, words whose n-grams are not added (fastText's `</s>`).
    """
    for w in range(offsets.shape[0] - 1):
        start, end = offsets[w], offsets[w + 1]
        added = 0
        if word_rows:
            out[w] += matrix[w]
            added = 1
        if not skip[w] and buckets > 0:
            for i in range(start, end):
                if data[i] & 0xC0 == 0x80:
                    continue
                j, chars, h = i, 1, _FNV_OFFSET
                while j < end and chars <= maxn:
                    h = _hash_step(h, data[j])
                    j += 1
                    while j < end and data[j] & 0xC0 == 0x80:
                        h = _hash_step(h, data[j])
                        j += 1
                    if chars >= minn and not (chars == 1 and (i == start or j == end)):
                        out[w] += matrix[ngram_base + h % buckets]
                        added += 1
                    chars += 1
        counts[w] = added


def compose_word_vectors(matrix: np.ndarray, words: Sequence[bytes], minn: int, maxn: int, buckets: int) -> np.ndarray:
    """fastText's `get_word_vector` for every in-vocabulary word: mean of its row and n-gram rows, float32.

    `matrix` is fastText's input matrix: `len(words)` word rows, then `buckets` n-gram rows.
    """
    data, offsets = wrapped_word_bytes(words)
    out = np.zeros((len(words), matrix.shape[1]), dtype=np.float32)
    counts = np.zeros(len(words), dtype=np.int64)
    skip = np.array([word == EOS.encode() for word in words], dtype=np.bool_)
    sum_subword_rows(np.asarray(matrix), len(words), data, offsets, minn, maxn, buckets, True, skip, out, counts)
    out *= (1.0 / counts).astype(np.float32)[:, None]  # fastText's Vector::mul(1.0 / n), in float32
    return out


def ngram_sums(ngrams: np.ndarray, words: Sequence[bytes], minn: int, maxn: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each word's n-gram rows (float64) and their number, as fastText would compose it."""
    data, offsets = wrapped_word_bytes(words)
    sums = np.zeros((len(words), ngrams.shape[1]), dtype=np.float64)
    counts = np.zeros(len(words), dtype=np.int64)
    skip = np.array([word == EOS.encode() for word in words], dtype=np.bool_)
    sum_subword_rows(np.asarray(ngrams), 0, data, offsets, minn, maxn, ngrams.shape[0], False, skip, sums, counts)
    return sums, counts
