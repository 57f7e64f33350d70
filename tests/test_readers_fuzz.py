"""Every reader of user files, fed arbitrary bytes: a result or one of embcli's errors, never another exception.

Property-based (hypothesis): the examples are random bytes and mutations of
valid files (a real header with garbage after it reaches deeper code than
noise does). Kept small, so the whole file runs in seconds.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embcli.artifacts import load_npy, read_manifest, write_manifest
from embcli.config import PreprocessConfig
from embcli.corpus.vocabulary import read_vocabulary
from embcli.embeddings import load_embeddings
from embcli.errors import EmbcliError
from embcli.evaluation.datasets import read_analogy_questions, read_similarity_pairs
from embcli.preprocessing import preprocess_corpus

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_prefix(valid: bytes) -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, and a valid file's first part followed by arbitrary bytes, or with bytes flipped."""
    def flipped(data: tuple[int, int]) -> bytes:
        position, value = data
        mutable = bytearray(valid)
        mutable[position % len(mutable)] = value
        return bytes(mutable)

    return st.one_of(
        st.binary(max_size=300),
        st.tuples(st.integers(0, len(valid)), st.binary(max_size=100)).map(lambda cut: valid[: cut[0]] + cut[1]),
        st.tuples(st.integers(0, 10_000), st.integers(0, 255)).map(flipped),
    )


def read_bytes_with(reader, data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            reader(path)
        except EmbcliError:
            pass


VEC = b"3 2\nthe 0.1 0.2\ncat -1 2.5e-1\n\xc3\xa9t\xc3\xa9 3 4\n"
GLOVE = b"the 0.1 0.2 0.3\ncat 1 2 3\n"
VOCAB = b"index\ttoken\tcount\n0\t<unk>\t0\n1\tthe\t5\n2\tcat\t2\n"
SIMILARITY = b"# word1\tword2\tscore\ntiger\tcat\t7.35\nbook\tpaper\t7.46\n"
ANALOGY = b": capital-common-countries\nAthens Greece Baghdad Iraq\n: family\nboy girl brother sister\n"


def binary_vectors() -> bytes:
    rows = np.array([[0.5, -1.0], [2.0, 0.25]], dtype="<f4")
    return b"2 2\n" + b"".join(word + b" " + row.tobytes() + b"\n" for word, row in zip((b"the", b"cat"), rows))


def npy_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "x.npy", np.arange(6, dtype=np.float32).reshape(3, 2))
        return (Path(tmp) / "x.npy").read_bytes()


@FUZZ
@given(with_prefix(VEC))
def test_word2vec_text(data: bytes) -> None:
    read_bytes_with(load_embeddings, data, "vectors.vec")


@FUZZ
@given(with_prefix(GLOVE))
def test_glove_text(data: bytes) -> None:
    read_bytes_with(load_embeddings, data, "glove.txt")


@FUZZ
@given(with_prefix(binary_vectors()))
def test_word2vec_binary(data: bytes) -> None:
    read_bytes_with(load_embeddings, data, "vectors.bin")


@FUZZ
@given(with_prefix(VOCAB))
def test_vocabulary_tsv(data: bytes) -> None:
    read_bytes_with(read_vocabulary, data, "vocab.tsv")


@FUZZ
@given(with_prefix(npy_bytes()))
def test_npy_headers(data: bytes) -> None:
    read_bytes_with(load_npy, data, "x.npy")
    read_bytes_with(lambda path: load_npy(path, mmap=True), data, "x.npy")


@FUZZ
@given(with_prefix(SIMILARITY))
def test_similarity_files(data: bytes) -> None:
    read_bytes_with(read_similarity_pairs, data, "pairs.tsv")


@FUZZ
@given(with_prefix(ANALOGY))
def test_analogy_files(data: bytes) -> None:
    read_bytes_with(read_analogy_questions, data, "questions.txt")


def _vectors_directory_files() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        np.save(directory / "vectors.npy", np.ones((3, 2), dtype=np.float32))
        (directory / "vocab.tsv").write_bytes(VOCAB)
        write_manifest(directory, "vectors", files={"vectors": "vectors.npy", "vocab": "vocab.tsv"},
                       counts={"vocab_size": 3, "dim": 2})
        return {path.name: path.read_bytes() for path in directory.iterdir()}


VECTORS_DIRECTORY = _vectors_directory_files()


def vectors_directory(directory: Path) -> Path:
    for name, data in VECTORS_DIRECTORY.items():
        (directory / name).write_bytes(data)
    return directory


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**13) | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)
SECTIONS = st.sampled_from(["kind", "format_version", "files", "counts", "subwords", "hashing", "tokenizer",
                            "model", "quantization", "inputs"])


@FUZZ
@given(st.dictionaries(SECTIONS, JSON_VALUES, max_size=4), st.binary(max_size=80))
def test_manifests(changes: dict, noise: bytes) -> None:
    """A vectors manifest with sections replaced by arbitrary JSON, and raw bytes as a manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = vectors_directory(Path(tmp))
        manifest = json.loads((directory / "manifest.json").read_text())
        manifest.update(changes)
        (directory / "manifest.json").write_text(json.dumps(manifest))
        for attempt in (lambda: read_manifest(directory), lambda: load_embeddings(directory)):
            try:
                attempt()
            except EmbcliError:
                pass
        (directory / "manifest.json").write_bytes(noise)
        try:
            load_embeddings(directory)
        except EmbcliError:
            pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_corpus_input_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input.txt"
        source.write_bytes(data)
        try:
            manifest = preprocess_corpus([str(source)], Path(tmp) / "corpus", PreprocessConfig(min_count=1, workers=1))
        except EmbcliError:
            return
        assert manifest["counts"]["tokens"] >= 1
