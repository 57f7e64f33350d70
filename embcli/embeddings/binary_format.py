"""word2vec binary (`.bin`): an ASCII `count dim` line, then `word<space>` + dim little-endian float32 per row."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embcli.artifacts.sizes import check_header_size
from embcli.embeddings.core import Embeddings
from embcli.errors import FormatError

FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")  # fastText's own .bin, a different format


def write_word2vec_binary(path: Path, words: list[str], vectors: np.ndarray) -> None:
    """word2vec binary format (as the C tool writes it: little-endian float32 rows)."""
    matrix = np.ascontiguousarray(vectors, dtype="<f4")
    with open(path, "wb") as handle:
        handle.write(f"{matrix.shape[0]} {matrix.shape[1]}\n".encode())
        for word, row in zip(words, matrix):
            handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")


def is_word2vec_binary(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".bin" and not head.startswith(FASTTEXT_MAGIC)


def read_binary_vectors(path: Path, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    words, matrix = read_word2vec_binary(path)
    return Embeddings(words, matrix, source=str(path))


def read_word2vec_binary(path: Path) -> tuple[list[str], np.ndarray]:
    data = Path(path).read_bytes()
    newline = data.find(b"\n")
    header = data[:newline].split() if newline > 0 else []
    if len(header) != 2 or not all(part.isdigit() for part in header):
        raise FormatError(f"{path}:1: expected a word2vec binary header 'count dim'")
    rows, dim = int(header[0]), int(header[1])
    row_bytes = 4 * dim
    check_header_size(path, rows, dim, claimed_bytes=rows * (row_bytes + 1), file_bytes=len(data))
    words: list[str] = []
    matrix = np.empty((rows, dim), dtype=np.float32)
    position = newline + 1
    for i in range(rows):
        while position < len(data) and data[position : position + 1] in (b"\n", b" "):
            position += 1
        space = data.find(b" ", position)
        if space < 0 or space + 1 + row_bytes > len(data):
            raise FormatError(f"{path}: truncated at vector {i + 1} of {rows}")
        words.append(data[position:space].decode("utf-8", errors="replace"))
        matrix[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        position = space + 1 + row_bytes
    return words, matrix
