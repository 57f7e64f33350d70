"""`embcli export`: each format read back equals the vectors; padding, top, normalize, dtype; clean failures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run
from embcli.artifacts import read_manifest
from embcli.corpus.vocabulary import read_vocabulary
from embcli.exporting import export_embeddings
from embcli.embeddings import load_embeddings


def test_safetensors_round_trip(trained_skipgram, tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    out = tmp_path / "st"
    assert run("export", trained_skipgram, "-o", out, "--format", "safetensors", "-q").exit_code == 0
    embeddings = load_embeddings(trained_skipgram)
    tensors = safetensors_numpy.load_file(str(out / "embeddings.safetensors"))
    assert list(tensors) == ["embeddings"] and tensors["embeddings"].dtype == np.float32
    np.testing.assert_array_equal(tensors["embeddings"], embeddings.vectors)
    with safe_open(str(out / "embeddings.safetensors"), "np") as handle:
        metadata = handle.metadata()
    assert json.loads(metadata["vocab"]) == embeddings.words and metadata["unk_idx"] == "0"
    assert read_vocabulary(out / "vocab.tsv").tokens == embeddings.words
    manifest = read_manifest(out, "export")
    assert manifest["files"] == {"embeddings": "embeddings.safetensors", "vocab": "vocab.tsv"}
    assert manifest["config"]["format"] == "safetensors"


def test_safetensors_loads_in_torch(trained_skipgram, tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    out = tmp_path / "st"
    assert run("export", trained_skipgram, "-o", out, "--format", "safetensors", "--padding", "-q").exit_code == 0
    weights = load_file(str(out / "embeddings.safetensors"))["embeddings"]
    layer = torch.nn.Embedding.from_pretrained(weights, freeze=True, padding_idx=0)
    assert layer(torch.tensor([0])).abs().sum().item() == 0


def test_padding_shifts_every_row_by_exactly_one(trained_skipgram, tmp_path):
    embeddings = load_embeddings(trained_skipgram)
    result = export_embeddings(trained_skipgram, tmp_path / "npy", "npy", padding=True)
    matrix = np.load(tmp_path / "npy" / "vectors.npy")
    vocab = read_vocabulary(tmp_path / "npy" / "vocab.tsv")
    assert result.rows == len(embeddings) + 1 and matrix.shape == (len(embeddings) + 1, embeddings.dim)
    assert not matrix[0].any()
    np.testing.assert_array_equal(matrix[1:], embeddings.vectors)
    assert vocab.tokens == ["<pad>"] + embeddings.words
    assert vocab.counts.tolist() == [0] + embeddings.counts.tolist()
    assert load_embeddings(tmp_path / "npy" / "vectors.npy").words[1] == "<unk>"


def test_projector_files_read_back(trained_skipgram, tmp_path):
    embeddings = load_embeddings(trained_skipgram)
    out = tmp_path / "projector"
    assert run("export", trained_skipgram, "-o", out, "--format", "projector", "--top", "20", "-q").exit_code == 0
    tensors = np.loadtxt(out / "tensors.tsv", delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(tensors, embeddings.vectors[:20])
    lines = (out / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word\tcount" and len(lines) == 21
    assert [line.split("\t") for line in lines[1:]] == [[w, str(c)] for w, c in zip(embeddings.words[:20],
                                                                                  embeddings.counts[:20].tolist())]
    config = (out / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "tensors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config


def test_projector_keeps_10000_rows_by_default(tmp_path):
    from embcli.embeddings import Embeddings

    words = [f"w{i}" for i in range(10_050)]
    toy = Embeddings(words, np.ones((len(words), 2), dtype=np.float32))
    assert export_embeddings(toy, tmp_path / "p", "projector").rows == 10_000


@pytest.mark.parametrize("fmt, name", [("word2vec", "v.vec"), ("word2vec-binary", "v.bin"), ("glove", "v.txt")])
def test_single_file_formats_read_back(trained_skipgram, tmp_path, fmt, name):
    embeddings = load_embeddings(trained_skipgram)
    assert run("export", trained_skipgram, "-o", tmp_path / name, "--format", fmt, "-q").exit_code == 0
    again = load_embeddings(tmp_path / name)
    assert again.words == embeddings.words
    np.testing.assert_array_equal(again.vectors, embeddings.vectors)
    if fmt == "glove":
        assert len((tmp_path / name).read_text(encoding="utf-8").split("\n", 1)[0].split()) == embeddings.dim + 1


def test_normalize_top_and_float16(trained_skipgram, tmp_path):
    embeddings = load_embeddings(trained_skipgram)
    export_embeddings(trained_skipgram, tmp_path / "n", "npy", top=10, normalize=True, dtype="float16")
    matrix = np.load(tmp_path / "n" / "vectors.npy")
    assert matrix.dtype == np.float16 and matrix.shape == (10, embeddings.dim)
    unit = embeddings.vectors[:10] / np.linalg.norm(embeddings.vectors[:10], axis=1, keepdims=True)
    np.testing.assert_allclose(matrix[1:], unit[1:], atol=1e-3)  # row 0 (<unk>) may be all zeros
    np.testing.assert_allclose(np.linalg.norm(matrix[1:].astype(np.float32), axis=1), 1, atol=2e-3)


def test_errors_are_one_line_and_leave_nothing(trained_skipgram, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    result = run("export", trained_skipgram, "-o", out, "--format", "npy")
    assert result.exit_code == 1 and "already exists; pass --force" in result.stderr
    result = run("export", trained_skipgram, "-o", tmp_path / "x.bin", "--format", "word2vec-binary", "--dtype", "float16")
    assert result.exit_code == 2 and "--dtype float16 does not apply to word2vec-binary" in result.stderr
    result = run("export", tmp_path / "missing", "-o", tmp_path / "y", "--format", "npy")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    monkeypatch.setitem(__import__("sys").modules, "safetensors.numpy", None)
    result = run("export", trained_skipgram, "-o", tmp_path / "st", "--format", "safetensors")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("install it with: pip install 'embcli[export]'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
