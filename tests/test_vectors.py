"""Vector file formats: round trips, and one clear error per kind of bad file."""

from __future__ import annotations

import numpy as np
import pytest

from embcli.artifacts import staged_directory, write_manifest
from embcli.corpus.vocabulary import Vocabulary
from embcli.errors import FormatError, InputError
from embcli.embeddings import load_embeddings
from embcli.embeddings.binary_format import write_word2vec_binary
from embcli.embeddings.text_format import write_word2vec_text
from embcli.embeddings.vectors_dir import write_vectors_dir_files

WORDS = ["<unk>", "king", "queen", "été"]


@pytest.fixture
def matrix() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((len(WORDS), 7)).astype(np.float32)


def test_text_and_binary_round_trip_exactly(tmp_path, matrix):
    write_word2vec_text(tmp_path / "v.vec", WORDS, matrix)
    write_word2vec_binary(tmp_path / "v.bin", WORDS, matrix)
    for name in ("v.vec", "v.bin"):
        loaded = load_embeddings(tmp_path / name)
        assert loaded.words == WORDS
        np.testing.assert_array_equal(loaded.vectors, matrix)


def test_vec_text_is_percent_9g_and_reads_back_exactly(tmp_path):
    rng = np.random.default_rng(3)
    awkward = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, 9.9999997e-05, 1e8, 123456789.0, 1e9, 3.4028235e38,
                        1.17549435e-38, 1e-45, 100.0, 0.1, -0.3333333], dtype=np.float32)
    values = np.concatenate([awkward, (rng.standard_normal(4000) * 10.0 ** rng.integers(-30, 30, 4000)).astype(np.float32),
                             (rng.standard_normal(4000) * 0.1).astype(np.float32)])
    matrix = values[: len(values) // 8 * 8].reshape(-1, 8)
    words = [f"w{i}" for i in range(len(matrix))]
    write_word2vec_text(tmp_path / "v.vec", words, matrix)
    lines = (tmp_path / "v.vec").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{len(matrix)} 8"
    for word, row, line in zip(words, matrix, lines[1:]):
        assert line == word + " " + " ".join("%.9g" % value for value in row)
    np.testing.assert_array_equal(load_embeddings(tmp_path / "v.vec").vectors, matrix)


def test_glove_text_without_header(tmp_path, matrix):
    lines = [f"{w} " + " ".join(str(x) for x in row) for w, row in zip(WORDS, matrix.tolist())]
    (tmp_path / "glove.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_embeddings(tmp_path / "glove.txt")
    assert loaded.words == WORDS and loaded.dim == 7
    np.testing.assert_allclose(loaded.vectors, matrix, rtol=1e-6)


def test_directory_and_npy_with_vocab(tmp_path, matrix):
    vocab = Vocabulary(WORDS, np.array([0, 5, 4, 3]))
    with staged_directory(tmp_path / "vecs", force=False) as staging:
        write_vectors_dir_files(staging, vocab, matrix)
        write_manifest(staging, "vectors")
    from_dir = load_embeddings(tmp_path / "vecs")
    from_npy = load_embeddings(tmp_path / "vecs" / "vectors.npy")
    assert from_dir.words == from_npy.words == WORDS
    assert from_dir.counts.tolist() == [0, 5, 4, 3]
    np.testing.assert_array_equal(from_npy.vectors, matrix)
    np.testing.assert_allclose(np.linalg.norm(from_dir.unit_vectors, axis=1), 1.0, rtol=1e-6)


def test_malformed_vec_line_names_the_line(tmp_path):
    (tmp_path / "bad.vec").write_text("2 3\nking 1 2 3\nqueen 1 2\n")
    with pytest.raises(FormatError, match=r"bad.vec:3: expected a word and 3 numbers, found 2 fields"):
        load_embeddings(tmp_path / "bad.vec")
    (tmp_path / "nan.vec").write_text("1 2\nking 1 x\n")
    with pytest.raises(FormatError, match=r"nan.vec:2: a vector value is not a number"):
        load_embeddings(tmp_path / "nan.vec")
    (tmp_path / "count.vec").write_text("3 2\nking 1 2\n")
    with pytest.raises(FormatError, match="header says 3 vectors but the file has 1"):
        load_embeddings(tmp_path / "count.vec")


def test_truncated_binary(tmp_path, matrix):
    write_word2vec_binary(tmp_path / "v.bin", WORDS, matrix)
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="truncated"):
        load_embeddings(tmp_path / "cut.bin")


def test_vocabulary_and_matrix_size_mismatch(tmp_path, matrix):
    np.save(tmp_path / "vectors.npy", matrix[:3])
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\t{w}\t1\n" for i, w in enumerate(WORDS)))
    with pytest.raises(FormatError, match="3 vector rows for 4 words; the vocabulary and matrix do not match"):
        load_embeddings(tmp_path / "vectors.npy")


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "vectors.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n0\ta\t1\n")
    with pytest.raises(FormatError, match="not a readable .npy array"):
        load_embeddings(tmp_path / "vectors.npy")


def test_incomplete_directory_and_missing_vocab(tmp_path, matrix):
    (tmp_path / "half").mkdir()
    with pytest.raises(InputError, match="has no manifest.json"):
        load_embeddings(tmp_path / "half")
    np.save(tmp_path / "alone.npy", matrix)
    with pytest.raises(InputError, match="no vocabulary found; put vocab.tsv beside it or pass --vocab"):
        load_embeddings(tmp_path / "alone.npy")


def test_staged_directory_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_directory(tmp_path / "out", force=False) as staging:
            (staging / "partial.npy").write_bytes(b"x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
