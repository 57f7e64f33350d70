"""fastText (skip-gram or CBOW with character n-grams) on gensim's `corpus_file` path.

Same vocabulary, progress, loss probe and manifest as the word2vec trainer
(whose pieces it reuses). On top of the word2vec files the artifact holds:

- `ngrams.npy`: the n-gram bucket matrix (float32, buckets x dim), with the
  hashing parameters in the manifest's `subwords` section, so that
  `embcli.embeddings.resolvers.SubwordResolver` builds out-of-vocabulary vectors without gensim or pickle;
- `input_word_vectors.npy` and `output_vectors.npy`: what `--resume` needs.

`vectors.npy` holds gensim's (and fastText's) word vectors: the mean of the
word's own row and its n-gram rows.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.config import FastTextConfig
from embcli.corpus.token_corpus import TokenCorpus
from embcli.progress import SILENT, Progress
from embcli.corpus.subword_ngrams import NGRAMS_NPY, subwords_section
from embcli.training.common import require_trainable, staged_vectors_directory
from embcli.training.resume import INPUT_WORD_VECTORS_NPY, load_parent
from embcli.training.word2vec_gensim import (
    gensim_options,
    gensim_to_vocab_order,
    progress_reporting,
    train_gensim_model,
    write_gensim_artifact,
)


def uses_subwords(config: FastTextConfig) -> bool:
    return config.uses_subwords


def train_fasttext(corpus: TokenCorpus, output: Path, config: FastTextConfig, *, force: bool = False,
                   progress: Progress = SILENT) -> dict[str, Any]:
    """Train fastText with gensim (continuing `config.resume` if set) and write the vectors artifact."""
    config = config.resolved()
    require_trainable(corpus)
    parent = load_parent(config, corpus)
    started = time.perf_counter()
    from gensim.models import FastText

    with staged_vectors_directory(output, corpus, force=force, inputs=(config.resume or "-",)) as staging:
        model = progress_reporting(FastText)(**gensim_options(config), min_n=config.minn,
                                             max_n=config.maxn, bucket=config.buckets if uses_subwords(config) else 0)
        run = train_gensim_model(model, corpus, config, progress, parent, input_vectors=ComposedInputRows)
        files = {"input_word_vectors": INPUT_WORD_VECTORS_NPY}
        np.save(staging / INPUT_WORD_VECTORS_NPY,
                gensim_to_vocab_order(run.corpus, model.wv.key_to_index, model.wv.vectors_vocab), allow_pickle=False)
        subwords = None
        if uses_subwords(config):
            np.save(staging / NGRAMS_NPY, np.ascontiguousarray(model.wv.vectors_ngrams, dtype=np.float32),
                    allow_pickle=False)
            files["ngrams"] = NGRAMS_NPY
            subwords = subwords_section(config.minn, config.maxn, config.buckets)
        return write_gensim_artifact(staging, run, config, started=started, extra_files=files, engine="gensim",
                                     subwords=subwords)


class ComposedInputRows:
    """fastText's current word vectors, composed on demand for the rows the loss probe asks for.

    gensim only refreshes `wv.vectors` after training; the probe needs them after every epoch.
    """

    def __init__(self, model: Any) -> None:
        self.wv = model.wv

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        wv = self.wv
        unique, inverse = np.unique(np.asarray(rows), return_inverse=True)
        composed = np.empty((len(unique), wv.vector_size), dtype=np.float32)
        for i, row in enumerate(unique.tolist()):
            buckets = wv.buckets_word[row]
            composed[i] = (wv.vectors_vocab[row] + wv.vectors_ngrams[buckets].sum(axis=0)) / (len(buckets) + 1)
        return composed[inverse]
