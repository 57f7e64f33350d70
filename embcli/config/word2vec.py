"""`embcli train --model skipgram|cbow|fasttext`: the word2vec family's options."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import default_workers

@dataclasses.dataclass(frozen=True)
class Word2VecFamilyConfig:
    """Options word2vec and fastText share: both are gensim's skip-gram/CBOW with negative sampling."""

    dim: int = 100  # vector size
    window: int = 5  # max distance between centre and context word (reduced at random per word)
    negative: int = 5  # negative samples per positive pair (0 disables negative sampling)
    hs: bool = False  # hierarchical softmax (as word2vec's -hs 1)
    sample: float = 1e-3  # subsampling threshold for frequent words (0 disables)
    epochs: int = 5
    alpha: float | None = None  # start learning rate; None: 0.025 skip-gram, 0.05 CBOW (word2vec's)
    min_alpha: float = 0.0001  # learning rate at the end of training (linear decay)
    workers: int = dataclasses.field(default_factory=default_workers)  # threads; 1 for reproducible runs
    seed: int = 1
    binary: bool = False  # also write word2vec binary vectors.bin
    resume: str | None = None  # a vectors directory of the same model to continue training from on a new corpus

    @property
    def trains_cbow(self) -> bool:
        raise NotImplementedError

    def resolved(self):  # type: ignore[no-untyped-def]
        """Fill the CBOW/skip-gram learning-rate default so the manifest records real values."""
        if self.alpha is None:
            return dataclasses.replace(self, alpha=0.05 if self.trains_cbow else 0.025)
        return self


@dataclasses.dataclass(frozen=True)
class Word2VecConfig(Word2VecFamilyConfig):
    model: Literal["skipgram", "cbow"] = "skipgram"
    engine: Literal["embcli", "gensim", "spark-mllib"] = "embcli"  # training implementation (spark-mllib: skip-gram with --hs only)
    deterministic: bool = False  # embcli engine: one thread, seeded, bit-identical vectors across runs
    mllib_partitions: int = 1  # spark-mllib engine: MLlib's numPartitions (faster, but accuracy falls as it grows)
    spark_master: str | None = None  # spark-mllib engine: Spark master; None: spark-submit's, else local[*]
    spark_conf: tuple[str, ...] = ()  # spark-mllib engine: Spark properties as key=value

    @property
    def trains_cbow(self) -> bool:
        return self.model == "cbow"


@dataclasses.dataclass(frozen=True)
class FastTextConfig(Word2VecFamilyConfig):
    model: Literal["fasttext"] = "fasttext"
    arch: Literal["skipgram", "cbow"] = "skipgram"  # the word2vec model trained underneath
    minn: int = 3  # shortest character n-gram (in characters, counting the < > word boundaries)
    maxn: int = 6  # longest character n-gram; maxn < minn disables subwords
    buckets: int = 2_000_000  # rows of the n-gram matrix that n-gram hashes are folded into

    @property
    def trains_cbow(self) -> bool:
        return self.arch == "cbow"
