"""`embcli preprocess`: how raw text becomes a token-id corpus."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, refuse, setting


@dataclasses.dataclass(frozen=True)
class PreprocessConfig(Validated):
    tokenizer: Literal["regex", "whitespace", "char", "jieba"] = "regex"  # how lines become tokens
    token_pattern: str | None = None  # regex tokenizer only: custom pattern (e.g. "[a-z0-9']+")
    lowercase: bool = True  # str.lower() every token
    nfkc: bool = True  # Unicode NFKC normalisation (full-width forms, ligatures) before tokenizing
    stopwords: str | None = None  # None, "english" (scikit-learn's list) or a path to a file of words
    min_count: int = setting(5, at_least=1)  # tokens seen fewer times become out-of-vocabulary
    max_vocab: int | None = setting(None, at_least=1)  # keep at most this many most frequent tokens (besides <unk>)
    oov: Literal["unk", "drop"] = "unk"  # OOV tokens become <unk> (index 0) or are removed
    hash_buckets: int | None = setting(None, at_least=1)  # hashing trick: every token maps to one of N buckets (vocabulary = buckets)
    workers: int = setting(default_factory=default_workers, at_least=1)  # tokenizer processes

    def check(self) -> None:
        super().check()
        if self.token_pattern is not None and self.tokenizer != "regex":
            raise refuse(self, "{token_pattern!n} applies only to {tokenizer=regex}")
        if self.hash_buckets is not None and self.max_vocab is not None:
            raise refuse(self, "{hash_buckets} and {max_vocab} exclude each other: the buckets are the vocabulary")
