"""word2vec text (`.vec`/`.txt`, a `count dim` header line) and GloVe text (no header): `word v1 v2 ...` lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from embcli.embeddings.core import Embeddings
from embcli.errors import FormatError

TEXT_BLOCK_ROWS = 1024  # rows formatted per kernel call when writing vectors.vec


def write_word2vec_text(path: Path, words: list[str] | None, vectors: np.ndarray, *, header: bool = True,
                        separator: bytes = b" ", on_rows: Callable[[int], object] | None = None) -> None:
    """word2vec text format with `%.9g` values, which read back as the same float32 (see `kernels.float_text`).

    Without `header` it is GloVe's text; with `words` None, bare rows (TensorBoard's tensors.tsv with a tab
    `separator`); `on_rows(n)` is told of each block written (a progress bar).
    """
    from embcli.kernels.float_text import format_rows  # numba: only writers pay for loading it, never readers

    matrix = vectors  # converted to float32 a block at a time
    with open(path, "wb") as handle:
        if header:
            handle.write(f"{matrix.shape[0]} {matrix.shape[1]}\n".encode())
        for start in range(0, matrix.shape[0], TEXT_BLOCK_ROWS):  # blocks bound the text buffer
            text, ends = format_rows(np.asarray(matrix[start : start + TEXT_BLOCK_ROWS], dtype=np.float32))
            data = text.tobytes() if separator == b" " else text.tobytes().replace(b" ", separator)
            lines, previous = [], 0
            for i, end in enumerate(ends.tolist()):
                prefix = b"" if words is None else words[start + i].encode("utf-8") + separator
                lines.append(prefix + data[previous:end] + b"\n")
                previous = end
            handle.write(b"".join(lines))
            if on_rows is not None:
                on_rows(len(ends))


def is_text(path: Path, head: bytes) -> bool:
    """Anything but a `.bin` file is tried as text (the reader says clearly when it is not)."""
    return path.suffix.lower() != ".bin"


def read_text_vectors(path: Path, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    words, matrix = read_word2vec_text(path)
    return Embeddings(words, matrix, source=str(path))


def read_word2vec_text(path: Path) -> tuple[list[str], np.ndarray]:
    """word2vec text (`count dim` header) or GloVe text (no header)."""
    try:
        with open(path, encoding="utf-8", errors="strict") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text at byte {exc.start}; is it a binary .bin file?") from None
    if not lines:
        raise FormatError(f"{path}: the file is empty")
    first = lines[0].split()
    start, expected_rows, dim = 0, None, None
    if len(first) == 2 and all(part.isdigit() for part in first):
        expected_rows, dim = int(first[0]), int(first[1])
        start = 1
    words: list[str] = []
    rows: list[np.ndarray] = []
    for line_number, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        parts = line.rstrip().split(" ")
        if dim is None:
            dim = len(parts) - 1
        if len(parts) != dim + 1:
            raise FormatError(f"{path}:{line_number}: expected a word and {dim} numbers, found {len(parts) - 1} fields")
        try:
            rows.append(np.array(parts[1:], dtype=np.float32))
        except ValueError:
            raise FormatError(f"{path}:{line_number}: a vector value is not a number") from None
        words.append(parts[0])
    if not words or not dim:
        raise FormatError(f"{path}: no vectors found")
    if expected_rows is not None and expected_rows != len(words):
        raise FormatError(f"{path}: header says {expected_rows} vectors but the file has {len(words)}")
    return words, np.vstack(rows)
