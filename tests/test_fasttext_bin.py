"""fastText `.bin` files: read as fastText reads them, written so fastText loads embcli's vectors."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from conftest import run, topic_sentences
from embcli.embeddings.fasttext_bin import FASTTEXT_MAGIC, read_fasttext_bin
from embcli.embeddings import load_embeddings
from embcli.embeddings.binary_format import write_word2vec_binary

fasttext = pytest.importorskip("fasttext")

UNSEEN = ["cats", "trucks", "zebra", "x", "naïf", "東京タワー", "horsedrawn"]


@pytest.fixture(scope="module")
def fasttext_model(tmp_path_factory) -> tuple[Path, object]:
    """A tiny skip-gram model trained by the fasttext package itself, saved as .bin."""
    directory = tmp_path_factory.mktemp("fasttext-bin")
    corpus = directory / "corpus.txt"
    corpus.write_text("\n".join(topic_sentences(400) + ["naïve 東京 café", "naïve café"] * 5) + "\n", encoding="utf-8")
    model = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=12, minCount=1, epoch=2, bucket=5000,
                                        minn=2, maxn=5, thread=1, verbose=0)
    path = directory / "model.bin"
    model.save_model(str(path))
    return path, model


def test_reads_fasttext_word_and_unseen_word_vectors(fasttext_model):
    path, model = fasttext_model
    embeddings = load_embeddings(path)
    assert embeddings.words == model.words
    assert isinstance(read_fasttext_bin(path).input_matrix, np.memmap)  # the big matrix stays on disk
    expected = np.vstack([model.get_word_vector(word) for word in model.words])
    np.testing.assert_allclose(embeddings.vectors, expected, atol=1e-6, rtol=0)
    for word in UNSEEN:
        vector, source = embeddings.lookup(word)
        assert source == "subwords"
        np.testing.assert_allclose(vector, model.get_word_vector(word), atol=1e-6, rtol=0)
    assert embeddings.counts.tolist() == model.get_words(include_freq=True)[1].tolist()


def test_every_command_reads_fasttext_bin(fasttext_model, tmp_path):
    path, model = fasttext_model
    result = run("neighbors", path, "cats", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    result = run("vectors", path, "zebra")
    assert result.exit_code == 0
    values = np.array(result.stdout.split()[1:], dtype=np.float32)
    np.testing.assert_allclose(values, model.get_word_vector("zebra"), atol=1e-6)


def test_word2vec_binary_bin_still_loads(tmp_path):
    path = tmp_path / "w2v.bin"
    write_word2vec_binary(path, ["a", "b"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    assert load_embeddings(path).vectors.tolist() == [[1, 2], [3, 4]]


def _patched(source: Path, target: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(source.read_bytes())
    struct.pack_into(fmt, data, offset, value)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("offset, fmt, value, message", [
    (4, "<i", 13, "fastText file version 13; embcli reads versions 11 and 12"),
    (8 + 7 * 4, "<i", 3, "a supervised (classifier) fastText model"),
])
def test_unreadable_fasttext_files_get_one_line(fasttext_model, tmp_path, offset, fmt, value, message):
    path = _patched(fasttext_model[0], tmp_path / "bad.bin", offset, fmt, value)
    result = run("neighbors", path, "cat")
    assert result.exit_code == 1
    assert f"Error: {path}: {message}" in result.stderr
    assert "Traceback" not in result.output


def test_quantized_and_truncated_files_are_refused(fasttext_model, tmp_path):
    path, model = fasttext_model
    quant_flag = read_fasttext_bin(path).input_matrix.offset - 17  # bool quant_input, then int64 rows and dim
    quantized = tmp_path / "model.ftz"
    data = bytearray(path.read_bytes())
    data[quant_flag] = 1
    quantized.write_bytes(bytes(data))
    assert "a quantized fastText model (.ftz)" in run("vectors", quantized, "cat").stderr
    truncated = tmp_path / "cut.bin"
    truncated.write_bytes(path.read_bytes()[:-4000])
    assert "truncated fastText model" in run("vectors", truncated, "cat").stderr
    assert struct.unpack("<i", path.read_bytes()[:4])[0] == FASTTEXT_MAGIC


def test_export_fasttext_bin_loads_in_fasttext_with_embcli_vectors(trained_fasttext, tmp_path):
    out = tmp_path / "model.bin"
    result = run("export", trained_fasttext, "-o", out, "--format", "fasttext-bin", "-q")
    assert result.exit_code == 0, result.output
    embeddings = load_embeddings(trained_fasttext)
    loaded = fasttext.load_model(str(out))
    assert loaded.words == embeddings.words
    assert loaded.get_dimension() == embeddings.dim
    expected = np.vstack([loaded.get_word_vector(word) for word in embeddings.words])
    np.testing.assert_allclose(expected, embeddings.vectors, atol=1e-5, rtol=0)
    for word in UNSEEN:
        np.testing.assert_allclose(loaded.get_word_vector(word), embeddings.lookup(word)[0], atol=1e-5, rtol=0)
    # the trained output rows travel too
    np.testing.assert_array_equal(loaded.get_output_matrix(), np.load(trained_fasttext / "output_vectors.npy"))
    again = load_embeddings(out)  # and embcli reads its own export back
    np.testing.assert_allclose(again.vectors, embeddings.vectors, atol=1e-5, rtol=0)


def test_export_fasttext_bin_refuses_models_without_subwords(trained_skipgram, tmp_path):
    result = run("export", trained_skipgram, "-o", tmp_path / "m.bin", "--format", "fasttext-bin")
    assert result.exit_code == 1
    assert "has no subword (character n-gram) vectors" in result.stderr
    assert not (tmp_path / "m.bin").exists()
    assert list(tmp_path.iterdir()) == []
