"""`embcli cooccur` and `embcli train --model glove`: co-occurrence counting and GloVe."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, seed_setting, setting

MAX_WINDOW = 10_000  # longer windows only grow the weight table and the kernels' history buffer


@dataclasses.dataclass(frozen=True)
class CooccurConfig(Validated):
    window: int = setting(10, at_least=1, at_most=MAX_WINDOW)  # max distance between two counted words; a pair at distance d adds 1/d
    asymmetric: bool = False  # count each pair once as (left word, right word), as Stanford's -symmetric 0
    keep_unk: bool = False  # count <unk> (id 0) as a word instead of removing OOV tokens before windows form
    memory_mb: float = setting(384.0, above=0)  # cap on counting buffers + in-memory runs; past it sorted runs spill to disk
    workers: int = setting(default_factory=default_workers, at_least=1)  # counting threads


@dataclasses.dataclass(frozen=True)
class GloVeConfig(CooccurConfig):
    """GloVe training on the co-occurrences counted with the inherited `CooccurConfig` fields.

    The counting fields (`window`, `asymmetric`, `keep_unk`, `memory_mb`,
    `workers`) keep their flat names in presets and on the command line;
    `workers` is also the number of Hogwild training threads (1 for reproducible runs).
    """

    model: Literal["glove"] = "glove"
    dim: int = setting(100, at_least=1)  # vector size
    x_max: float = setting(100.0, above=0)  # weighting f(x) = min(1, (x / x_max) ** alpha)
    alpha: float = setting(0.75, above=0)  # exponent of the weighting function
    eta: float = setting(0.05, above=0)  # AdaGrad initial learning rate
    grad_clip: float = setting(100.0, above=0)  # each gradient component is clipped to +-grad_clip (as Stanford's glove)
    epochs: int = setting(15, at_least=1)  # passes over the nonzero co-occurrences
    vectors: Literal["word", "word+context", "concat"] = "word+context"  # output W, W + W~, or [W, W~]
    seed: int = seed_setting()  # initialisation and shuffling
    cooccurrence: str | None = None  # matrix dir to use or create; default: <corpus>/cooccur-w10-sym (a cache)
    checkpoint_every: int = setting(0, at_least=0)  # save parameters and AdaGrad state every K epochs (0: never)
    checkpoint_dir: str | None = None  # where checkpoints go; default: <output>.checkpoint beside the output
    resume: str | None = None  # a checkpoint directory to continue training from
    binary: bool = False  # also write word2vec binary vectors.bin

    @property
    def counting(self) -> CooccurConfig:
        """Only the counting settings, as the co-occurrence artifact records them.

        >>> GloVeConfig(window=5, dim=50, workers=2).counting
        CooccurConfig(window=5, asymmetric=False, keep_unk=False, memory_mb=384.0, workers=2)
        """
        return CooccurConfig(**{field.name: getattr(self, field.name) for field in dataclasses.fields(CooccurConfig)})
