"""`embcli preprocess`: how raw text becomes a token-id corpus."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import default_workers

@dataclasses.dataclass(frozen=True)
class PreprocessConfig:
    tokenizer: Literal["regex", "whitespace", "char", "jieba"] = "regex"  # how lines become tokens
    token_pattern: str | None = None  # regex tokenizer only: custom pattern (e.g. "[a-z0-9']+")
    lowercase: bool = True  # str.lower() every token
    nfkc: bool = True  # Unicode NFKC normalisation (full-width forms, ligatures) before tokenizing
    stopwords: str | None = None  # None, "english" (scikit-learn's list) or a path to a file of words
    min_count: int = 5  # tokens seen fewer times become out-of-vocabulary
    max_vocab: int | None = None  # keep at most this many most frequent tokens (besides <unk>)
    oov: Literal["unk", "drop"] = "unk"  # OOV tokens become <unk> (index 0) or are removed
    hash_buckets: int | None = None  # hashing trick: every token maps to one of N buckets (vocabulary = buckets)
    workers: int = dataclasses.field(default_factory=default_workers)  # tokenizer processes
