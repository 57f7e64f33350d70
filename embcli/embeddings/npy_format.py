"""A bare `.npy` matrix with a `vocab.tsv` (beside it or given): the rows of `vectors.npy`, row i = word i.

`.npy` files are always read with `allow_pickle=False` (`embcli.artifacts.load_npy`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embcli.artifacts import load_npy
from embcli.corpus.word_table import WordTable
from embcli.embeddings.core import Embeddings
from embcli.errors import FormatError, InputError

NPY_MAGIC = b"\x93NUMPY"
VOCAB_NAME = "vocab.tsv"


def save_vectors_npy(path: Path, vectors: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def load_matrix(path: Path, *, mmap: bool) -> np.ndarray:
    """A 2-D float32 matrix from `.npy` (memory-mapped if asked and already float32)."""
    matrix = load_npy(path, mmap=mmap)
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise FormatError(f"{path}: expected a 2-D float matrix, found {matrix.ndim}-D {matrix.dtype}")
    if matrix.shape[1] == 0:
        raise FormatError(f"{path}: the vectors have shape {matrix.shape}; embcli needs at least one dimension")
    return matrix if matrix.dtype == np.float32 else matrix.astype(np.float32)


def is_npy(path: Path, head: bytes) -> bool:
    return head.startswith(NPY_MAGIC) or path.suffix.lower() == ".npy"


def read_npy_with_vocab(path: Path, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    vocab_file = Path(vocab_path) if vocab_path else path.with_name(VOCAB_NAME)
    if not vocab_file.exists():
        raise InputError(f"{path}: no vocabulary found; put vocab.tsv beside it or pass --vocab FILE")
    return Embeddings(WordTable(vocab_file), load_matrix(path, mmap=mmap), None, source=str(path))  # counts read when asked
