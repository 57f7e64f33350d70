"""fastText subword vectors without gensim: character n-grams, their hashes, OOV composition.

A fastText model (`embcli train --model fasttext`) saves its n-gram bucket
matrix as `ngrams.npy` (float32, buckets x dim) and the hashing parameters in
the manifest's `subwords` section. This module rebuilds, from those alone,
the vector fastText (and gensim's `FastTextKeyedVectors`) gives a word:

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.errors import FormatError

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


@dataclass
class SubwordTable:
    """The n-gram bucket matrix and the parameters that index it."""

    ngrams: np.ndarray  # (buckets, dim) float32, possibly memory-mapped
    minn: int
    maxn: int

    @property
    def buckets(self) -> int:
        return int(self.ngrams.shape[0])

    def vector(self, word: str) -> np.ndarray:
        """Mean of the word's n-gram rows (zeros if it has no n-gram), float32."""
        rows = ngram_buckets(word, self.minn, self.maxn, self.buckets)
        if len(rows) == 0:
            return np.zeros(self.ngrams.shape[1], dtype=np.float32)
        return np.asarray(self.ngrams[rows], dtype=np.float32).mean(axis=0, dtype=np.float64).astype(np.float32)

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        """`vector` for each word, stacked (len(words), dim)."""
        out = np.zeros((len(words), self.ngrams.shape[1]), dtype=np.float32)
        for i, word in enumerate(words):
            out[i] = self.vector(word)
        return out


def subwords_section(minn: int, maxn: int, buckets: int) -> dict[str, Any]:
    """The manifest's `subwords` section: what a reader needs to rebuild OOV vectors."""
    return {"file": NGRAMS_NPY, "minn": minn, "maxn": maxn, "buckets": buckets, "hash": HASH_NAME,
            "hash_version": HASH_VERSION, "ngram_unit": "utf-8 characters of '<word>'", "composition": "mean"}


def load_subword_table(directory: Path, manifest: dict[str, Any], *, mmap: bool = True) -> SubwordTable | None:
    """The table of a vectors directory whose manifest has a `subwords` section, else None."""
    section = manifest.get("subwords")
    if not section:
        return None
    if section.get("hash") != HASH_NAME or section.get("hash_version", 0) > HASH_VERSION:
        raise FormatError(f"{directory}: unknown subword hash {section.get('hash')!r} "
                          f"(version {section.get('hash_version')}); upgrade embcli")
    from embcli.vectors import load_matrix  # imported here: embcli.vectors imports this module when loading

    path = Path(directory) / section.get("file", NGRAMS_NPY)
    ngrams = load_matrix(path, mmap=mmap)
    if ngrams.shape[0] != section["buckets"]:
        raise FormatError(f"{path}: expected {section['buckets']} rows (the manifest's buckets), found {ngrams.shape[0]}")
    return SubwordTable(ngrams, int(section["minn"]), int(section["maxn"]))


def with_subword_rows(embeddings: Any, words: Iterable[str], limit: int | None = None) -> Any:
    """The first `limit` rows of a fastText model plus a row for each of `words` they lack, or None.

    Lets an evaluator score with unseen words filled in: a word counts as present
    if its upper-cased form is among the first `limit` words (as the evaluators
    match words); a missing one gets `Embeddings.lookup`'s vector (its trained row
    if it is further down the vocabulary, else its character n-gram mean).
    Returns None for models without subword vectors.
    """
    if "subwords" not in embeddings.extras:
        return None
    size = len(embeddings) if limit is None else min(int(limit), len(embeddings))
    present = {word.upper() for word in embeddings.words[:size]}
    missing = [word for word in dict.fromkeys(words) if word.upper() not in present]
    rows = np.zeros((len(missing), embeddings.dim), dtype=np.float32)
    for i, word in enumerate(missing):
        rows[i] = embeddings.lookup(word)[0]
    return type(embeddings)(list(embeddings.words[:size]) + missing,
                            np.vstack([np.asarray(embeddings.vectors[:size], dtype=np.float32), rows]),
                            source=embeddings.source, manifest=embeddings.manifest, extras=embeddings.extras)
