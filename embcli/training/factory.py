"""The trainer factory: which config class and which trainer a model (and engine) uses.

Every trainer has the signature
`train(corpus: TokenCorpus, output: Path, config, *, force: bool, progress: Progress) -> dict`
(returning the manifest) and writes the same vectors artifact set, so
eval and everything downstream cannot tell models apart except by scores.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import embcli.config as cfg
from embcli.artifacts import check_allocation
from embcli.corpus.token_corpus import load_token_corpus
from embcli.errors import ConfigError
from embcli.progress import SILENT, Progress

# model -> (config class name in embcli.config, trainer "module:function")
TRAINERS: dict[str, tuple[str, str]] = {
    "skipgram": ("Word2VecConfig", "embcli.training.word2vec_gensim:train_word2vec"),
    "cbow": ("Word2VecConfig", "embcli.training.word2vec_gensim:train_word2vec"),
    "glove": ("GloVeConfig", "embcli.training.glove:train_glove"),
    "fasttext": ("FastTextConfig", "embcli.training.fasttext_gensim:train_fasttext"),
    "doc2vec": ("Doc2VecConfig", "embcli.training.doc2vec:train_doc2vec"),
}


# (model, engine) pairs trained by another trainer than the model's own
ENGINE_TRAINERS: dict[tuple[str, str], str] = {
    ("skipgram", "embcli"): "embcli.training.word2vec_embcli:train_word2vec_embcli",
    ("cbow", "embcli"): "embcli.training.word2vec_embcli:train_word2vec_embcli",
    ("fasttext", "embcli"): "embcli.training.fasttext_embcli:train_fasttext_embcli",
    ("skipgram", "spark-mllib"): "embcli.spark.word2vec_mllib:train_mllib_word2vec",
    ("cbow", "spark-mllib"): "embcli.spark.word2vec_mllib:train_mllib_word2vec",  # refuses: MLlib has no CBOW
}


def config_class(model: str, spelling: cfg.Spelling = cfg.PYTHON) -> type:
    """The config dataclass of `model`; an unknown model is spelled as its giver wrote it."""
    if model not in TRAINERS:
        raise ConfigError(f"{spelling.given('model', model)}: must be one of {', '.join(TRAINERS)}")
    return getattr(cfg, TRAINERS[model][0])


def make_config(model: str, *, config_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Any:
    """Resolve a model's config from defaults, a TOML file and command-line values."""
    cls = config_class(model)
    values = dict(overrides or {})
    values["model"] = model
    config = cfg.build_config(cls, config_file=config_file, overrides=values)
    return config.resolved() if hasattr(config, "resolved") else config


def train_model(corpus_dir: Path, output: Path, config: Any, *, force: bool = False, progress: Progress = SILENT) -> dict[str, Any]:
    """Train a resolved config (its checks already ran when it was built); return the manifest."""
    target = ENGINE_TRAINERS.get((config.model, getattr(config, "engine", "")), TRAINERS[config.model][1])
    module_name, function_name = target.split(":")
    trainer = getattr(importlib.import_module(module_name), function_name)
    corpus = load_token_corpus(corpus_dir, check_ids=True)  # every engine: kernels and gensim index rows by id
    check_model_size(len(corpus.vocab), config)
    return trainer(corpus, Path(output), config, force=force, progress=progress)


def check_model_size(vocab_size: int, config: Any) -> None:
    """Refuse, before allocating, a model whose matrices cannot fit in memory (`--dim 1000000000`).

    Input and output rows for every word (and fastText's n-gram buckets), float32.
    """
    rows = vocab_size + (getattr(config, "buckets", 0) if getattr(config, "uses_subwords", False) else 0)
    check_allocation((rows, config.dim), 4, f"--dim {config.dim} for {vocab_size:,} words", copies=2)
