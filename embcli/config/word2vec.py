"""`embcli train --model skipgram|cbow|fasttext`: the word2vec family's options and their checks."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, refuse, seed_setting, setting
from embcli.config.spark import SparkOptions


@dataclasses.dataclass(frozen=True)
class Word2VecFamilyConfig(Validated):
    """Options word2vec and fastText share: both are skip-gram/CBOW with negative sampling or hierarchical softmax."""

    dim: int = setting(100, at_least=1)  # vector size
    window: int = setting(5, at_least=1)  # max distance between centre and context word (reduced at random per word)
    negative: int = setting(5, at_least=0)  # negative samples per positive pair (0 disables negative sampling)
    hs: bool = False  # hierarchical softmax (as word2vec's -hs 1)
    sample: float = setting(1e-3, at_least=0)  # subsampling threshold for frequent words (0 disables)
    epochs: int = setting(5, at_least=1)
    alpha: float | None = setting(None, above=0)  # start learning rate; None: 0.025 skip-gram, 0.05 CBOW (word2vec's)
    min_alpha: float = setting(0.0001, at_least=0)  # learning rate at the end of training (linear decay)
    workers: int = setting(default_factory=default_workers, at_least=1)  # threads; 1 for reproducible runs
    seed: int = seed_setting()
    binary: bool = False  # also write word2vec binary vectors.bin
    resume: str | None = None  # a vectors directory of the same model to continue training from on a new corpus

    @property
    def trains_cbow(self) -> bool:
        raise NotImplementedError

    @property
    def always_hs(self) -> bool:
        """True for an engine that trains hierarchical softmax whatever is asked (then --negative 0 is fine)."""
        return False

    def check(self) -> None:
        super().check()
        if self.negative == 0 and not self.hs and not self.always_hs:
            raise refuse(self, "{negative} needs {hs=true}: with neither negative sampling nor hierarchical softmax "
                               "there is nothing to train")
        if self.alpha is not None and self.min_alpha > self.alpha:
            raise refuse(self, "{min_alpha} is larger than {alpha}; the learning rate decays from alpha to min_alpha")

    def resolved(self):  # type: ignore[no-untyped-def]
        """Fill the CBOW/skip-gram learning-rate default so the manifest records real values."""
        if self.alpha is None:
            return dataclasses.replace(self, alpha=0.05 if self.trains_cbow else 0.025)
        return self


@dataclasses.dataclass(frozen=True)
class Word2VecConfig(Word2VecFamilyConfig, SparkOptions):
    model: Literal["skipgram", "cbow"] = "skipgram"
    engine: Literal["embcli", "gensim", "spark-mllib"] = "embcli"  # training implementation (spark-mllib: skip-gram with --hs only)
    deterministic: bool = False  # embcli engine: one thread, seeded, bit-identical vectors across runs
    mllib_partitions: int = setting(1, at_least=1)  # spark-mllib engine: MLlib's numPartitions (faster, but accuracy falls as it grows)

    @property
    def trains_cbow(self) -> bool:
        return self.model == "cbow"

    @property
    def always_hs(self) -> bool:
        return self.engine == "spark-mllib"  # MLlib's Word2Vec has hierarchical softmax only

    def check(self) -> None:
        super().check()
        if self.deterministic and self.engine != "embcli":
            raise refuse(self, "{deterministic=true} needs {engine=embcli} (with another engine, train with one worker "
                               "and a fixed seed)")
        if self.engine != "spark-mllib":
            self.refuse_spark_options("{engine=spark-mllib}")
            if self.mllib_partitions != 1:
                raise refuse(self, "{mllib_partitions} applies only to {engine=spark-mllib}")


@dataclasses.dataclass(frozen=True)
class FastTextConfig(Word2VecFamilyConfig):
    model: Literal["fasttext"] = "fasttext"
    arch: Literal["skipgram", "cbow"] = "skipgram"  # the word2vec model trained underneath
    minn: int = setting(3, at_least=1)  # shortest character n-gram (in characters, counting the < > word boundaries)
    maxn: int = setting(6, at_least=0)  # longest character n-gram; maxn < minn disables subwords
    buckets: int = setting(2_000_000, at_least=0)  # rows of the n-gram matrix that n-gram hashes are folded into; 0: no subwords
    engine: Literal["embcli", "gensim"] = "embcli"  # training implementation
    deterministic: bool = False  # embcli engine: one thread, seeded, bit-identical vectors across runs

    @property
    def trains_cbow(self) -> bool:
        return self.arch == "cbow"

    def check(self) -> None:
        super().check()
        if self.deterministic and self.engine != "embcli":
            raise refuse(self, "{deterministic=true} needs {engine=embcli} (with gensim, train with one worker "
                               "and a fixed seed)")

    def resolved(self):  # type: ignore[no-untyped-def]
        """Learning-rate default: fastText's 0.05 on the embcli engine, word2vec's on gensim."""
        if self.alpha is None and self.engine == "embcli":
            return dataclasses.replace(self, alpha=0.05)
        return super().resolved()

    @property
    def uses_subwords(self) -> bool:
        """fastText's convention: `maxn` below `minn` (e.g. 0) or no buckets means whole words only."""
        return self.buckets > 0 and self.maxn >= self.minn
