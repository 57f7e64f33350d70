"""Vectors for new text from a trained doc2vec model (`embed --pool infer`, `eval --classify --pool infer`).

Word rows and the output layer stay frozen; each text gets a fresh document
row trained for `infer_epochs` epochs (the manifest's; the training epochs by
default) with the model's window, negatives, subsampling and learning rates.
Unlike gensim's `infer_vector`, the result is deterministic: every text
starts from the same seeded generator state, so the same text, model and seed
give the same vector on every call, in any batch, on any number of threads.

Unknown tokens are skipped, as they are in training with `--oov drop`; a text
with no known token gets a zero row (counted as empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pathlib import Path

from embcli.artifacts import artifact_member, load_npy
from embcli.artifacts.manifest_values import manifest_float, manifest_int, manifest_table
from embcli.config import default_workers
from embcli.errors import ConfigError, InputError
from embcli.training.doc2vec import OUTPUT_VECTORS_NPY
from embcli.training.word2vec_embcli import negative_sampling_table
from embcli.training.word2vec_gensim import subsampling_keep_probability
from embcli.embeddings import Embeddings

DEFAULT_INFER_SEED = 1


@dataclass
class Doc2VecModel:
    """What inference needs: frozen word rows and output rows, and the sampling tables of training."""

    embeddings: Embeddings
    output_vectors: np.ndarray  # float32 (vocab, dim)
    keep_prob: np.ndarray  # float32 subsampling keep-probability per word
    alias_probability: np.ndarray
    alias_word: np.ndarray
    config: dict[str, Any]  # the training config from the manifest


def load_doc2vec(embeddings: Embeddings) -> Doc2VecModel:
    """The doc2vec model behind vectors loaded from a directory made by `train --model doc2vec`."""
    manifest = embeddings.manifest or {}
    if manifest.get("model") != "doc2vec":
        found = manifest.get("model") or "a bare vectors file"
        raise ConfigError(f"--pool infer needs a model made by 'embcli train --model doc2vec'; {embeddings.source} is "
                          f"{found}: use --pool mean or sif")
    where = f"{embeddings.source}/manifest.json"
    config = checked_inference_config(manifest_table(manifest, "config", where), f"{where}: config")
    name = manifest_table(manifest, "files", where).get("output_vectors", OUTPUT_VECTORS_NPY)
    path = artifact_member(Path(embeddings.source), name, "files.output_vectors")
    output_vectors = np.asarray(load_npy(path, mmap=False, remedy="re-train the doc2vec model"), dtype=np.float32)
    if output_vectors.shape != (len(embeddings), embeddings.dim):
        raise InputError(f"{path}: {output_vectors.shape} output rows for {len(embeddings)} words x {embeddings.dim} dims")
    counts = np.asarray(embeddings.counts if embeddings.counts is not None else np.ones(len(embeddings)), np.int64).copy()
    if not manifest_table(manifest, "documents", where).get("unk_in_text", True) and len(counts):
        counts[0] = 0  # <unk> was not a token of the training text (--oov drop)
    alias_probability, alias_word = negative_sampling_table(counts)
    keep_prob = subsampling_keep_probability(counts, config["sample"]).astype(np.float32)
    return Doc2VecModel(embeddings, output_vectors, keep_prob, alias_probability, alias_word, config)


MAX_INFER_EPOCHS = 10_000  # a model's own inference settings are bounded: it may come from anyone
MAX_WINDOW = 10_000
MAX_NEGATIVE = 1_000
WORDS_PER_CALL = 1 << 22  # word updates per kernel call: Ctrl-C and SIGTERM are seen between calls


def checked_inference_config(config: dict[str, Any], where: str) -> dict[str, Any]:
    """The training settings inference uses, type- and range-checked (a manifest is user input)."""
    checked = dict(config)
    checked["window"] = manifest_int(config, "window", where, at_least=1, at_most=MAX_WINDOW, default=5)
    checked["negative"] = manifest_int(config, "negative", where, at_least=1, at_most=MAX_NEGATIVE, default=5)
    checked["dm"] = manifest_int(config, "dm", where, at_least=0, at_most=1, default=0)
    checked["sample"] = manifest_float(config, "sample", where, at_least=0, default=1e-3)
    checked["alpha"] = manifest_float(config, "alpha", where, at_least=0, at_most=10, default=0.025)
    checked["min_alpha"] = manifest_float(config, "min_alpha", where, at_least=0, at_most=10, default=0.0001)
    epochs = manifest_int(config, "epochs", where, at_least=1, at_most=MAX_INFER_EPOCHS, default=10)
    if config.get("infer_epochs") is not None:
        epochs = manifest_int(config, "infer_epochs", where, at_least=1, at_most=MAX_INFER_EPOCHS)
    checked["infer_epochs"] = epochs
    return checked


def work_slices(doc_offsets: np.ndarray, epochs: int, budget: int = WORDS_PER_CALL) -> list[tuple[int, int]]:
    """Runs of texts [first, end) holding about `budget` word updates (tokens x epochs) each, at least one text.

    Each text's vector depends only on its words and the seed, so slicing changes no result.

    >>> work_slices(np.array([0, 3, 6, 9, 10]), epochs=2, budget=12)
    [(0, 2), (2, 4)]
    """
    slices, first = [], 0
    n_docs = len(doc_offsets) - 1
    while first < n_docs:
        limit = doc_offsets[first] + max(1, budget // max(1, epochs))
        end = max(first + 1, int(np.searchsorted(doc_offsets, limit, side="right")) - 1)
        end = min(end, n_docs)
        slices.append((first, end))
        first = end
    return slices


def infer_token_lists(model: Doc2VecModel, token_lists: list[list[str]], *, seed: int = DEFAULT_INFER_SEED,
                      epochs: int | None = None, workers: int | None = None) -> tuple[np.ndarray, int, int]:
    """(rows float32 (texts, dim), unknown tokens, empty rows): one inferred vector per token list."""
    import numba

    from embcli.kernels import doc2vec_kernels, word2vec_kernels

    epochs = int(epochs or model.config.get("infer_epochs") or model.config.get("epochs", 10))
    if not 1 <= epochs <= MAX_INFER_EPOCHS:
        raise ConfigError(f"inference epochs must be between 1 and {MAX_INFER_EPOCHS:,}, got {epochs}")
    index = model.embeddings.index
    ids: list[int] = []
    offsets = [0]
    unknown = 0
    for tokens in token_lists:
        for token in tokens:
            row = index.get(token)
            if row is None:
                unknown += 1
            else:
                ids.append(row)
        offsets.append(len(ids))
    doc_offsets = np.asarray(offsets, dtype=np.int64)
    sigmoid_table, log_sigmoid_table = word2vec_kernels.sigmoid_tables()
    numba.set_num_threads(max(1, min(workers or default_workers(), numba.config.NUMBA_NUM_THREADS)))
    word_vectors = np.ascontiguousarray(model.embeddings.vectors, dtype=np.float32)
    ids_array = np.asarray(ids, dtype=np.uint32)
    rows = np.empty((len(token_lists), model.embeddings.dim), dtype=np.float32)
    for first, end in work_slices(doc_offsets, epochs, WORDS_PER_CALL):  # signals are handled between calls
        rows[first:end] = doc2vec_kernels.infer_documents(
            word_vectors, model.output_vectors, ids_array, doc_offsets[first : end + 1], model.keep_prob,
            model.alias_probability, model.alias_word, sigmoid_table, log_sigmoid_table,
            int(model.config.get("window", 5)), int(model.config.get("negative", 5)),
            float(model.config.get("alpha", 0.025)), float(model.config.get("min_alpha", 0.0001)), epochs,
            np.uint64(seed if seed > 0 else DEFAULT_INFER_SEED), int(model.config.get("dm", 0)) == 1)
    return rows, unknown, int(np.count_nonzero(np.diff(doc_offsets) == 0))
