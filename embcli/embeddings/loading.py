"""`load_embeddings`: open any vectors artifact or file embcli reads.

- an embcli artifact directory, by its manifest's kind: `vectors` (what
  `train` writes), `quantized` (what `quantize` writes), and any kind
  registered with `embcli.embeddings.registry.register_directory_kind`;
- a file, by sniffing its format: `.npy` with a `vocab.tsv` beside it (or
  given), a fastText `.bin` model (by its magic number), word2vec binary
  (`.bin`), word2vec text (`.vec`/`.txt`, header `count dim`) or GloVe text
  (no header), and any format registered with `register_file_format`.

The built-in readers are registered here; a new format registers in one line
(see `embcli.embeddings.registry`).
"""

from __future__ import annotations

from pathlib import Path

from embcli.artifacts import read_manifest
from embcli.embeddings.binary_format import is_word2vec_binary, read_binary_vectors
from embcli.embeddings.core import Embeddings
from embcli.embeddings.fasttext_bin import is_fasttext_bin, read_fasttext_embeddings
from embcli.embeddings.npy_format import is_npy, read_npy_with_vocab
from embcli.embeddings.quantized_dir import QUANTIZED_KIND, load_quantized_directory
from embcli.embeddings.registry import (
    FileFormat,
    directory_loader,
    file_format_of,
    register_directory_kind,
    register_file_format,
)
from embcli.embeddings.text_format import is_text, read_text_vectors
from embcli.embeddings.vectors_dir import VECTORS_KIND, load_vectors_directory
from embcli.errors import InputError

register_directory_kind(VECTORS_KIND, load_vectors_directory)
register_directory_kind(QUANTIZED_KIND, load_quantized_directory)
register_file_format(FileFormat("npy+vocab", matches=is_npy, read=read_npy_with_vocab))
register_file_format(FileFormat("fasttext-bin", matches=is_fasttext_bin, read=read_fasttext_embeddings))
register_file_format(FileFormat("word2vec-binary", matches=is_word2vec_binary, read=read_binary_vectors))
register_file_format(FileFormat("word2vec-text", matches=is_text, read=read_text_vectors))  # also GloVe text


def load_embeddings(path: Path | str, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    """Load vectors from any supported location (see the module docstring); rows memory-mapped where possible."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        manifest = read_manifest(path)
        return directory_loader(path, manifest["kind"])(path, manifest, mmap)
    return file_format_of(path).read(path, vocab_path=vocab_path, mmap=mmap)
