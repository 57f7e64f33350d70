"""fastText's character n-grams and their hashes: which n-gram rows make up a word.

A fastText model (`embcli train --model fasttext`) saves its n-gram bucket
matrix as `ngrams.npy` (float32, buckets x dim) and the hashing parameters in
the manifest's `subwords` section. The trainers, the kernels and the reader
(`embcli.embeddings.resolvers.SubwordResolver`) share these functions, so the
rows a word is made of are the same everywhere, and as in fastText (and
gensim's `FastTextKeyedVectors`):

- the word is wrapped as `<word>` and encoded as UTF-8;
- its n-grams are the substrings of `minn`..`maxn` *characters* (never
  splitting a multi-byte character), except the lone boundary markers `<`
  and `>`; the whole `<word>` is itself an n-gram when short enough;
- each n-gram's bucket is `fasttext_hash(ngram_bytes) % buckets`, where
  `fasttext_hash` is fastText's 32-bit FNV-1a variant that XORs each byte
  *sign-extended* (bytes >= 0x80 as 0xFFFFFFxx), kept for compatibility;
- an out-of-vocabulary word's vector is the mean of its n-grams' rows (the
  zero vector when it has none). In-vocabulary words keep their trained rows
  in `vectors.npy` (which already are fastText's word+n-gram means).
"""

from __future__ import annotations

from typing import Any

import numpy as np

NGRAMS_NPY = "ngrams.npy"
HASH_NAME = "fasttext-fnv1a-32"  # fastText's dictionary.cc hash (sign-extended bytes); gensim's ft_hash_bytes
HASH_VERSION = 1

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_UTF8_CONTINUATION_MASK, _UTF8_CONTINUATION = 0xC0, 0x80


def fasttext_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a over sign-extended bytes.

    >>> fasttext_hash(b"<ca")
    1066916747
    """
    h = _FNV_OFFSET
    for byte in data:
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte  # int8 -> uint32 sign extension
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def character_ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """The UTF-8 n-grams of `<word>` of `minn`..`maxn` characters, in fastText's order.

    >>> [g.decode() for g in character_ngrams("ab", 1, 2)]
    ['<a', 'a', 'ab', 'b', 'b>']
    """
    data = f"<{word}>".encode("utf-8")
    size = len(data)
    ngrams: list[bytes] = []
    for start in range(size):
        if data[start] & _UTF8_CONTINUATION_MASK == _UTF8_CONTINUATION:
            continue
        end, chars = start, 1
        while end < size and chars <= maxn:
            end += 1
            while end < size and data[end] & _UTF8_CONTINUATION_MASK == _UTF8_CONTINUATION:
                end += 1
            if chars >= minn and not (chars == 1 and (start == 0 or end == size)):
                ngrams.append(data[start:end])
            chars += 1
    return ngrams


def ngram_buckets(word: str, minn: int, maxn: int, buckets: int) -> np.ndarray:
    """Rows of the n-gram matrix that make up `word` (one per n-gram, repeats kept), int64."""
    return np.array([fasttext_hash(ngram) % buckets for ngram in character_ngrams(word, minn, maxn)], dtype=np.int64)


def subwords_section(minn: int, maxn: int, buckets: int) -> dict[str, Any]:
    """The manifest's `subwords` section: what a reader needs to rebuild OOV vectors."""
    return {"file": NGRAMS_NPY, "minn": minn, "maxn": maxn, "buckets": buckets, "hash": HASH_NAME,
            "hash_version": HASH_VERSION, "ngram_unit": "utf-8 characters of '<word>'", "composition": "mean"}
