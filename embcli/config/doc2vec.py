"""`embcli train --model doc2vec`: paragraph vectors' options and their checks."""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, default_workers, refuse, seed_setting, setting


@dataclasses.dataclass(frozen=True)
class Doc2VecConfig(Validated):
    """Paragraph vectors (Le & Mikolov 2014): one vector per input line, with negative sampling."""

    model: Literal["doc2vec"] = "doc2vec"
    dm: int = setting(0, at_least=0, at_most=1)  # 0: PV-DBOW (the document predicts its words); 1: PV-DM (averaged context)
    dbow_words: bool = False  # PV-DBOW: also train skip-gram word vectors, interleaved (gensim's dbow_words=1)
    tags: str | None = None  # a file with one tag per input line (default tag: the document number)
    dim: int = setting(100, at_least=1)  # vector size
    window: int = setting(5, at_least=1)  # PV-DM context / --dbow-words skip-gram window (reduced at random per word)
    negative: int = setting(5, at_least=1)  # negative samples per predicted word (doc2vec trains with negative sampling)
    sample: float = setting(1e-3, at_least=0)  # subsampling threshold for frequent words (0 disables)
    epochs: int = setting(10, at_least=1)  # passes over the corpus (gensim Doc2Vec's default)
    alpha: float = setting(0.025, above=0)  # start learning rate
    min_alpha: float = setting(0.0001, at_least=0)  # where the learning rate's decay line ends
    # epoch: the rate steps down once per epoch, to where the line is at the epoch's start; word: down the line word
    # by word (word2vec's). Per epoch, short documents' vectors keep learning in the last epochs (see BENCHMARKS.md)
    alpha_decay: Literal["epoch", "word"] = "epoch"
    infer_epochs: int | None = setting(None, at_least=1)  # epochs of `--pool infer` on new text; None: the training epochs
    workers: int = setting(default_factory=default_workers, at_least=1)  # threads
    seed: int = seed_setting()
    binary: bool = False  # also write word2vec binary vectors.bin

    def check(self) -> None:
        super().check()
        if self.dbow_words and self.dm == 1:
            raise refuse(self, "{dbow_words} applies only to {dm=0} (PV-DM trains word vectors already)")
        if self.min_alpha > self.alpha:
            raise refuse(self, "{min_alpha} is larger than {alpha}; the learning rate decays from alpha to min_alpha")

    def resolved(self):  # type: ignore[no-untyped-def]
        """Fill `infer_epochs` so the manifest records the value inference will use."""
        return self if self.infer_epochs is not None else dataclasses.replace(self, infer_epochs=self.epochs)
