"""The hashing trick (`embcli preprocess --hash-buckets N`): a vocabulary of N buckets.

Every token, seen in training or not, maps to bucket
`int.from_bytes(blake2b(token.encode("utf-8"), digest_size=8).digest(), "little") % N`
(BLAKE2b with an 8-byte digest read as a little-endian unsigned integer): stable
across runs, machines and Python versions, unlike Python's salted `hash`. The
model has one row per bucket, so memory is fixed by N however many distinct IDs
the data holds, and any ID at prediction time has a row.

Vocabulary layout (so that everything downstream works unchanged):

- index 0 stays `<unk>`, with count 0: no token is ever out of vocabulary;
- indices 1..N are the N buckets ordered by total count (descending, ties by bucket
  number), so "the K most frequent rows" still means what eval expects;
- a bucket's token column is its *representative*: the most frequent token that fell
  into it (ties by token), or `#bucket:k` for a bucket no token reached. Every token
  of a bucket is written as its representative in `corpus.txt`.

A representative hashes to its own bucket, so the bucket -> row table is rebuilt
from `vocab.tsv` alone (`bucket_rows`); a query word is normalised as preprocess
normalised tokens (NFKC, lowercase, per the recorded config), hashed, and looked up
(`embcli.embeddings.resolvers.HashBucketResolver`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from embcli.corpus.vocabulary import UNK, Vocabulary

HASH_NAME = "blake2b-64-le"
HASH_VERSION = 1
EMPTY_BUCKET_PREFIX = "#bucket:"


def token_bucket(token: str, buckets: int) -> int:
    """The bucket of a token: BLAKE2b-64 of its UTF-8 bytes, little-endian, modulo `buckets`.

    >>> token_bucket("user_42", 1000)
    689
    """
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % buckets


@dataclass
class HashedVocabulary:
    vocab: Vocabulary  # <unk> + N buckets, by count
    remap: np.ndarray  # uint32, provisional token id -> vocabulary index
    stats: dict[str, Any]  # the manifest's `hashing` section


def hash_vocabulary(tokens: Sequence[str], counts: np.ndarray, buckets: int, *, lowercase: bool, nfkc: bool
                    ) -> HashedVocabulary:
    """Fold counted tokens into `buckets` buckets and index them (see the module docstring).

    >>> hashed = hash_vocabulary(["a", "b"], np.array([3, 1]), 1, lowercase=True, nfkc=True)
    >>> hashed.vocab.tokens, hashed.vocab.counts.tolist(), hashed.remap.tolist()
    (['<unk>', 'a'], [0, 4], [1, 1])
    """
    counts = np.asarray(counts, dtype=np.int64)
    bucket_of = np.fromiter((token_bucket(token, buckets) for token in tokens), dtype=np.int64, count=len(tokens))
    bucket_counts = np.zeros(buckets, dtype=np.int64)
    np.add.at(bucket_counts, bucket_of, counts)
    names = [f"{EMPTY_BUCKET_PREFIX}{k}" for k in range(buckets)]
    representative = np.zeros(len(tokens), dtype=bool)
    for i in sorted(range(len(tokens)), key=lambda i: (bucket_of[i], -counts[i], tokens[i])):
        bucket = bucket_of[i]
        if names[bucket].startswith(EMPTY_BUCKET_PREFIX):
            names[bucket] = tokens[i]
            representative[i] = True
    order = np.lexsort((np.arange(buckets), -bucket_counts))  # count desc, then bucket number
    row_of_bucket = np.empty(buckets, dtype=np.int64)
    row_of_bucket[order] = np.arange(1, buckets + 1)
    vocab = Vocabulary([UNK] + [names[k] for k in order.tolist()],
                       np.concatenate([[0], bucket_counts[order]]).astype(np.int64))
    total = int(counts.sum())
    used = int(representative.sum())
    stats = {
        "buckets": buckets, "hash": HASH_NAME, "hash_version": HASH_VERSION,
        "normalize": {"nfkc": nfkc, "lowercase": lowercase},
        "types_seen": len(tokens), "buckets_used": used,
        # distinct tokens that share their bucket with a more frequent token, and their share of the text
        "colliding_types": len(tokens) - used,
        "type_collision_rate": round((len(tokens) - used) / len(tokens), 6) if len(tokens) else 0.0,
        "token_collision_rate": round(int(counts[~representative].sum()) / total, 6) if total else 0.0,
    }
    return HashedVocabulary(vocab, row_of_bucket[bucket_of].astype(np.uint32), stats)


def bucket_rows(words: Sequence[str], buckets: int) -> np.ndarray:
    """bucket -> vocabulary row of a hashed vocabulary, from its tokens alone (row 0, `<unk>`, is no bucket).

    >>> hashed = hash_vocabulary(["a", "b"], np.array([3, 1]), 1, lowercase=True, nfkc=True)
    >>> bucket_rows(hashed.vocab.tokens, 1).tolist()
    [1]
    """
    rows = np.zeros(buckets, dtype=np.int64)
    for row, word in enumerate(words):
        if row == 0:
            continue
        if word.startswith(EMPTY_BUCKET_PREFIX) and word[len(EMPTY_BUCKET_PREFIX):].isdigit():
            rows[int(word[len(EMPTY_BUCKET_PREFIX):])] = row
        else:
            rows[token_bucket(word, buckets)] = row
    return rows
