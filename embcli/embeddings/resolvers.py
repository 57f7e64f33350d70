"""Unseen-word resolvers: fastText's character n-grams and a hashed corpus's buckets.

Each is built from what an artifact holds (a manifest section, and for subwords
the n-gram matrix) and plugged into `Embeddings.resolver`; consumers never see
which one answers. The hashing itself lives in the corpus layer
(`embcli.corpus.subword_ngrams`, `embcli.corpus.hashing`), shared with the
trainers and preprocess.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from embcli.artifacts import artifact_member
from embcli.artifacts.manifest_values import manifest_int
from embcli.corpus import hashing, subword_ngrams
from embcli.embeddings.core import UnseenWordResolver
from embcli.embeddings.npy_format import load_matrix
from embcli.errors import FormatError


MAX_BUCKETS = 1 << 31  # fastText's bucket count is an int32
MAX_NGRAM_CHARS = 1000  # minn/maxn beyond this are no n-gram length anyone trains with


class SubwordResolver(UnseenWordResolver):
    """fastText: an unseen word's vector is the mean of its character n-grams' rows (zeros if none)."""

    kind: ClassVar[str] = "subwords"
    description: ClassVar[str] = "its character n-grams"
    composes_vectors: ClassVar[bool] = True

    def __init__(self, ngrams: np.ndarray, minn: int, maxn: int) -> None:
        self.ngrams = ngrams  # (buckets, dim) float32, possibly memory-mapped
        self.minn, self.maxn = int(minn), int(maxn)

    @property
    def buckets(self) -> int:
        return int(self.ngrams.shape[0])

    @property
    def dim(self) -> int:
        return int(self.ngrams.shape[1])

    def vector(self, token: str) -> np.ndarray:
        rows = subword_ngrams.ngram_buckets(token, self.minn, self.maxn, self.buckets)
        if len(rows) == 0:
            return np.zeros(self.ngrams.shape[1], dtype=np.float32)
        return np.asarray(self.ngrams[rows], dtype=np.float32).mean(axis=0, dtype=np.float64).astype(np.float32)

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        """`vector` for each word, stacked (len(words), dim)."""
        out = np.zeros((len(words), self.ngrams.shape[1]), dtype=np.float32)
        for i, word in enumerate(words):
            out[i] = self.vector(word)
        return out


class HashBucketResolver(UnseenWordResolver):
    """A hashed corpus (`preprocess --hash-buckets N`): any token maps to its bucket's row."""

    kind: ClassVar[str] = "hash-bucket"
    description: ClassVar[str] = "the hash bucket it shares with other tokens"
    composes_vectors: ClassVar[bool] = False

    def __init__(self, words: Sequence[str], section: dict[str, Any]) -> None:
        if section.get("hash") != hashing.HASH_NAME or _version(section) > hashing.HASH_VERSION:
            raise FormatError(f"unknown token hash {section.get('hash')!r} (version {section.get('hash_version')}); "
                              f"upgrade embcli")
        self.buckets = manifest_int(section, "buckets", "the manifest's hashing", at_least=0)
        if self.buckets != len(words) - 1:  # the vocabulary is <unk> and one row per bucket
            raise FormatError(f"the manifest's hashing section says {self.buckets} buckets for a vocabulary of "
                              f"{len(words)} rows (<unk> + one per bucket); re-create the vectors")
        self.words = words
        self.section = section
        normalize = section.get("normalize") if isinstance(section.get("normalize"), dict) else {}
        self.nfkc, self.lowercase = bool(normalize.get("nfkc")), bool(normalize.get("lowercase"))

    @cached_property
    def row_of_bucket(self) -> np.ndarray:
        return hashing.bucket_rows(self.words, self.buckets)

    def normalize(self, word: str) -> str:
        if self.nfkc:
            word = unicodedata.normalize("NFKC", word)
        return word.lower() if self.lowercase else word

    def row(self, token: str) -> int:
        return int(self.row_of_bucket[hashing.token_bucket(self.normalize(token), self.buckets)])

    def vector(self, token: str) -> None:
        return None  # every token has a row

    def manifest_sections(self) -> dict[str, Any]:
        return {"hashing": self.section}


def subword_resolver(directory: Path, manifest: dict[str, Any], *, mmap: bool = True) -> SubwordResolver | None:
    """The resolver of a vectors directory whose manifest has a `subwords` section, else None."""
    section = manifest.get("subwords")
    if not section:
        return None
    if not isinstance(section, dict) or section.get("hash") != subword_ngrams.HASH_NAME \
            or _version(section) > subword_ngrams.HASH_VERSION:
        found = section.get("hash") if isinstance(section, dict) else section
        raise FormatError(f"{directory}: unknown subword hash {found!r} "
                          f"(version {section.get('hash_version') if isinstance(section, dict) else None}); "
                          f"upgrade embcli")
    buckets, minn, maxn = subword_layout(section, f"{directory / 'manifest.json'}: subwords")
    path = artifact_member(directory, section.get("file", subword_ngrams.NGRAMS_NPY), "subwords.file")
    ngrams = load_matrix(path, mmap=mmap)
    if ngrams.shape[0] != buckets:
        raise FormatError(f"{path}: expected {buckets} rows (the manifest's buckets), found {ngrams.shape[0]}")
    return SubwordResolver(ngrams, minn, maxn)


def subword_layout(section: dict[str, Any], where: str) -> tuple[int, int, int]:
    """(buckets, minn, maxn) of a manifest's subwords section, checked (n-gram lengths up to MAX_NGRAM_CHARS)."""
    return (manifest_int(section, "buckets", where, at_least=0, at_most=MAX_BUCKETS),
            manifest_int(section, "minn", where, at_least=0, at_most=MAX_NGRAM_CHARS),
            manifest_int(section, "maxn", where, at_least=0, at_most=MAX_NGRAM_CHARS))


def hash_bucket_resolver(words: Sequence[str], manifest: dict[str, Any]) -> HashBucketResolver | None:
    """The resolver of a model trained on a hashed corpus (manifest section `hashing`), else None."""
    section = manifest.get("hashing")
    if not section:
        return None
    if not isinstance(section, dict):
        raise FormatError("the manifest's hashing section is not a table; re-create the vectors")
    return HashBucketResolver(words, section)


def _version(section: dict[str, Any]) -> int:
    version = section.get("hash_version", 0)
    return version if isinstance(version, int) else 1 << 30  # not a number: treat as unknown (newer)
