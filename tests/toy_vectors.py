"""Hand-made vectors directories for the tests of the stages that read vectors (quantize, embed, plot)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embcli.artifacts import manifest_reference, read_manifest, write_manifest
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.embeddings.npy_format import save_vectors_npy
from embcli.embeddings.tokenizer_settings import record_tokenizer
from embcli.embeddings.vectors_dir import VECTORS_KIND


def write_vectors_dir(directory: Path, words: list[str], vectors: np.ndarray, counts: list[int] | None = None,
                      corpus: Path | None = None, **sections: object) -> Path:
    """A `vectors` artifact as `embcli train` lays it out; `corpus`: a preprocess directory it was trained on."""
    directory.mkdir(parents=True)
    matrix = np.asarray(vectors, dtype=np.float32)
    save_vectors_npy(directory / "vectors.npy", matrix)
    write_vocabulary(directory / "vocab.tsv",
                     Vocabulary(list(words), np.asarray(counts or [1] * len(words), dtype=np.int64)))
    inputs = {"corpus": manifest_reference(corpus)} if corpus is not None else {}
    if corpus is not None:  # as training does: the corpus's tokenizer is recorded in the vectors artifact
        section, _ = record_tokenizer(corpus, read_manifest(corpus), directory)
        sections = {"tokenizer": section, **sections}
    write_manifest(directory, VECTORS_KIND, model="toy", inputs=inputs,
                   counts={"vocab_size": len(words), "dim": int(matrix.shape[1])}, **sections)
    return directory


def clustered_vectors(n_words: int = 300, dim: int = 24, clusters: int = 6, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Words w0..wN in `clusters` tight groups (w{i} belongs to group i % clusters), float32."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[np.arange(n_words) % clusters] + 0.3 * rng.normal(size=(n_words, dim))
    return [f"w{i}" for i in range(n_words)], vectors.astype(np.float32)
