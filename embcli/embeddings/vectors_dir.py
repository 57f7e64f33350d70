"""The `vectors` artifact (what `embcli train` writes): `vectors.npy`, `vocab.tsv`, `vectors.vec` [+ `.bin`].

Besides the rows, the directory holds what unseen words and text need: a
fastText model's n-gram matrix (`subwords` section), a hashed corpus's bucket
layout (`hashing`), and the corpus's tokenizer (`tokenizer`, `stopwords.txt`).
Every file the manifest names is a plain file name inside the directory
(`embcli.artifacts.artifact_member`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import artifact_member
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.corpus.word_table import WordTable
from embcli.embeddings.binary_format import write_word2vec_binary
from embcli.embeddings.core import Embeddings, UnseenWordResolver
from embcli.embeddings.npy_format import VOCAB_NAME, load_matrix, save_vectors_npy
from embcli.embeddings.resolvers import hash_bucket_resolver, subword_resolver
from embcli.embeddings.text_format import write_word2vec_text
from embcli.embeddings.tokenizer_settings import read_tokenizer_spec
from embcli.errors import FormatError

VECTORS_KIND = "vectors"
VECTORS_NPY = "vectors.npy"
VECTORS_VEC = "vectors.vec"
VECTORS_BIN = "vectors.bin"


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


def member(directory: Path, manifest: dict[str, Any], key: str, default: str) -> Path:
    """The file the manifest's `files.<key>` names (default `default`), confined to `directory`."""
    files = manifest.get("files")
    name = files.get(key, default) if isinstance(files, dict) else default
    return artifact_member(directory, name, f"files.{key}")


def load_vectors_directory(directory: Path, manifest: dict[str, Any], mmap: bool) -> Embeddings:
    words = WordTable(member(directory, manifest, "vocab", VOCAB_NAME))  # read whole only when needed (not by a query)
    matrix = load_matrix(member(directory, manifest, "vectors", VECTORS_NPY), mmap=mmap)
    return Embeddings(words, matrix, None, manifest=manifest, source=str(directory),
                      resolver=manifest_resolver(directory, manifest, words, mmap=mmap),
                      tokenizer_spec=read_tokenizer_spec(directory, manifest))


def manifest_resolver(directory: Path, manifest: dict[str, Any], words: Sequence[str], *, mmap: bool
                      ) -> UnseenWordResolver | None:
    """The resolver a manifest describes: fastText n-grams (`subwords`) or hash buckets (`hashing`)."""
    subwords = subword_resolver(directory, manifest, mmap=mmap)
    hashed = hash_bucket_resolver(words, manifest)
    if subwords is not None and hashed is not None:
        raise FormatError(f"{directory}: the manifest has both subwords and hashing sections; re-create the vectors")
    return subwords or hashed
