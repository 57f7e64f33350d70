"""The Embeddings object (words + float32 matrix) and its file formats.

Everything that consumes vectors (eval, neighbors, analogy, quantize, embed,
plot) goes through `load_embeddings`, which reads any of:

- an embcli vectors directory (`manifest.json`, `vocab.tsv`, `vectors.npy`);
- a `.npy` matrix with a `vocab.tsv` beside it (or given explicitly);
- word2vec text (`.vec`/`.txt`, header `count dim`), or GloVe text (no header);
- word2vec binary (`.bin`).

`.npy` files are always loaded with `allow_pickle=False`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import load_npy, read_manifest
from embcli.corpus.vocabulary import Vocabulary, read_vocabulary, write_vocabulary
from embcli.errors import FormatError, InputError

VECTORS_KIND = "vectors"
VECTORS_NPY = "vectors.npy"
VECTORS_VEC = "vectors.vec"
VECTORS_BIN = "vectors.bin"
VOCAB_NAME = "vocab.tsv"
TEXT_BLOCK_ROWS = 1024  # rows formatted per kernel call when writing vectors.vec


@dataclass
class Embeddings:
    """Query-only word vectors: row i of `vectors` belongs to `words[i]`."""

    words: list[str]
    vectors: np.ndarray  # (n, dim) float32, possibly memory-mapped
    counts: np.ndarray | None = None  # corpus counts when known (vocab.tsv)
    manifest: dict[str, Any] | None = None
    source: str = ""
    extras: dict[str, Any] = field(default_factory=dict)  # format-specific data (e.g. subword tables)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise FormatError(
                f"{self.source or 'vectors'}: {self.vectors.shape[0] if self.vectors.ndim == 2 else '?'} vector rows "
                f"for {len(self.words)} words; the vocabulary and matrix do not match"
            )

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row; the first (most frequent) row wins if a word repeats."""
        mapping: dict[str, int] = {}
        for i, word in enumerate(self.words):
            mapping.setdefault(word, i)
        return mapping

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (all-zero rows stay zero), float32."""
        matrix = np.asarray(self.vectors, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, np.finfo(np.float32).tiny)).astype(np.float32, copy=False)

    def vector(self, word: str) -> np.ndarray:
        try:
            return np.asarray(self.vectors[self.index[word]], dtype=np.float32)
        except KeyError:
            raise InputError(f"'{word}' is not in the vocabulary of {self.source or 'these vectors'}") from None

    def lookup(self, word: str) -> tuple[np.ndarray, str]:
        """The vector of any word and where it came from: "vocab", "hash-bucket" or "subwords".

        A model trained on a hashed corpus (`extras["hashing"]`) hashes the word to its
        bucket's row; a fastText model (`extras["subwords"]`) composes an unseen word
        from its character n-grams; otherwise an unseen word is an InputError.
        """
        if word in self.index:
            return self.vector(word), "vocab"
        if "hashing" in self.extras:
            return np.asarray(self.vectors[self.extras["hashing"].row(word)], dtype=np.float32), "hash-bucket"
        if "subwords" in self.extras:
            return self.extras["subwords"].vector(word), "subwords"
        raise InputError(f"'{word}' is not in the vocabulary of {self.source or 'these vectors'} and the model has no "
                         f"subword vectors; train with --model fasttext to get vectors for unseen words")


# ---------------------------------------------------------------------------
# writing


def save_vectors_npy(path: Path, vectors: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)


def write_word2vec_text(path: Path, words: list[str], vectors: np.ndarray) -> None:
    """word2vec text format with `%.9g` values, which read back as the same float32 (see `kernels.float_text`)."""
    from embcli.kernels.float_text import format_rows

    matrix = np.asarray(vectors, dtype=np.float32)
    with open(path, "wb") as handle:
        handle.write(f"{matrix.shape[0]} {matrix.shape[1]}\n".encode())
        for start in range(0, matrix.shape[0], TEXT_BLOCK_ROWS):  # blocks bound the text buffer
            text, ends = format_rows(matrix[start : start + TEXT_BLOCK_ROWS])
            data = text.tobytes()
            lines, previous = [], 0
            for word, end in zip(words[start : start + TEXT_BLOCK_ROWS], ends.tolist()):
                lines.append(word.encode("utf-8") + b" " + data[previous:end] + b"\n")
                previous = end
            handle.write(b"".join(lines))


def write_word2vec_binary(path: Path, words: list[str], vectors: np.ndarray) -> None:
    """word2vec binary format (as the C tool writes it: little-endian float32 rows)."""
    matrix = np.ascontiguousarray(vectors, dtype="<f4")
    with open(path, "wb") as handle:
        handle.write(f"{matrix.shape[0]} {matrix.shape[1]}\n".encode())
        for word, row in zip(words, matrix):
            handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")


def write_vectors_dir_files(directory: Path, vocab: Vocabulary, vectors: np.ndarray, *, binary: bool = False) -> dict[str, str]:
    """Write the standard vector files into an (already staged) directory."""
    directory = Path(directory)
    save_vectors_npy(directory / VECTORS_NPY, vectors)
    write_vocabulary(directory / VOCAB_NAME, vocab)
    write_word2vec_text(directory / VECTORS_VEC, vocab.tokens, vectors)
    files = {"vectors": VECTORS_NPY, "vocab": VOCAB_NAME, "word2vec_text": VECTORS_VEC}
    if binary:
        write_word2vec_binary(directory / VECTORS_BIN, vocab.tokens, vectors)
        files["word2vec_binary"] = VECTORS_BIN
    return files


# ---------------------------------------------------------------------------
# reading


def load_embeddings(path: Path | str, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    """Load vectors from any supported location (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        return _load_directory(path, mmap=mmap)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        vocab_file = vocab_path or path.with_name(VOCAB_NAME)
        if not vocab_file.exists():
            raise InputError(f"{path}: no vocabulary found; put vocab.tsv beside it or pass --vocab FILE")
        vocab = read_vocabulary(vocab_file)
        return Embeddings(vocab.tokens, load_matrix(path, mmap=mmap), vocab.counts, source=str(path))
    if _is_fasttext_model(path):
        return load_fasttext_bin(path)
    if suffix == ".bin":
        words, matrix = read_word2vec_binary(path)
    else:
        words, matrix = read_word2vec_text(path)
    return Embeddings(words, matrix, source=str(path))


def _is_fasttext_model(path: Path) -> bool:
    from embcli.embeddings.fasttext_bin import is_fasttext_bin

    return is_fasttext_bin(path)


def load_fasttext_bin(path: Path) -> Embeddings:
    """A fastText `.bin` model: its word vectors, and its n-gram rows for unseen words."""
    from embcli.embeddings.fasttext_bin import read_fasttext_bin
    from embcli.subwords import SubwordTable

    model = read_fasttext_bin(path)
    embeddings = Embeddings(model.words, model.word_vectors(), model.counts, source=str(path))
    if model.has_subwords:
        embeddings.extras["subwords"] = SubwordTable(model.ngram_rows, model.args.minn, model.args.maxn)
    return embeddings


def _load_directory(directory: Path, *, mmap: bool) -> Embeddings:
    manifest = read_manifest(directory)
    loader = DIRECTORY_LOADERS.get(manifest["kind"])
    if loader is None:
        raise InputError(
            f"{directory} holds a '{manifest['kind']}' artifact, not vectors; pass a directory made by embcli train"
        )
    return loader(directory, manifest, mmap)


def _load_vectors_directory(directory: Path, manifest: dict[str, Any], mmap: bool) -> Embeddings:
    vocab = read_vocabulary(directory / VOCAB_NAME)
    matrix = load_matrix(directory / VECTORS_NPY, mmap=mmap)
    embeddings = Embeddings(vocab.tokens, matrix, vocab.counts, manifest=manifest, source=str(directory))
    _attach_oov_tables(embeddings, directory, manifest, mmap)
    return embeddings


def _attach_oov_tables(embeddings: Embeddings, directory: Path, manifest: dict[str, Any], mmap: bool) -> None:
    """What `Embeddings.lookup` needs for unseen words: fastText's n-gram table, a hashed corpus's bucket map."""
    from embcli.corpus.hashing import HashedLookup
    from embcli.subwords import load_subword_table

    subwords = load_subword_table(directory, manifest, mmap=mmap)
    if subwords is not None:
        embeddings.extras["subwords"] = subwords
    if manifest.get("hashing"):
        embeddings.extras["hashing"] = HashedLookup(embeddings.words, manifest["hashing"])


def _load_quantized_directory(directory: Path, manifest: dict[str, Any], mmap: bool) -> Embeddings:
    from embcli.quantization import load_quantized_directory  # imported here: embcli.quantization imports this module

    return load_quantized_directory(directory, manifest, mmap)


# kind -> loader(directory, manifest, mmap); other artifact kinds register here.
DIRECTORY_LOADERS: dict[str, Any] = {VECTORS_KIND: _load_vectors_directory, "quantized": _load_quantized_directory}


def load_matrix(path: Path, *, mmap: bool) -> np.ndarray:
    """A 2-D float32 matrix from `.npy` (memory-mapped if asked and already float32)."""
    matrix = load_npy(path, mmap=mmap)
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise FormatError(f"{path}: expected a 2-D float matrix, found {matrix.ndim}-D {matrix.dtype}")
    return matrix if matrix.dtype == np.float32 else matrix.astype(np.float32)


def read_word2vec_text(path: Path) -> tuple[list[str], np.ndarray]:
    """word2vec text (`count dim` header) or GloVe text (no header)."""
    try:
        handle = open(path, encoding="utf-8", errors="strict")
        lines = handle.read().splitlines()
        handle.close()
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


def read_word2vec_binary(path: Path) -> tuple[list[str], np.ndarray]:
    data = Path(path).read_bytes()
    newline = data.find(b"\n")
    header = data[:newline].split() if newline > 0 else []
    if len(header) != 2 or not all(part.isdigit() for part in header):
        raise FormatError(f"{path}:1: expected a word2vec binary header 'count dim'")
    rows, dim = int(header[0]), int(header[1])
    row_bytes = 4 * dim
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
