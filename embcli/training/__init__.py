"""Training: `train()` resolves options as `embcli train` does, then the factory picks the trainer.

Every trainer has the signature
`train(corpus: TokenCorpus, output: Path, config, *, force: bool, progress: Progress) -> dict`
(returning the manifest) and writes the same vectors artifact set, so
eval and everything downstream cannot tell models apart except by scores.
"""

from embcli.training.factory import ENGINE_TRAINERS, TRAINERS, config_class, make_config, train_model
from embcli.training.options import resolve_training_config, train

__all__ = ["ENGINE_TRAINERS", "TRAINERS", "config_class", "make_config", "resolve_training_config", "train", "train_model"]
