"""word2vec training through gensim: it learns, writes the documented artifacts, and resolves config."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import group_separation, run
from embcli.embeddings import load_embeddings

SMALL = ["--engine", "gensim", "--dim", "24", "--epochs", "8", "--workers", "1", "--sample", "0", "-q"]


@pytest.fixture(scope="module")
def skipgram_dir(tmp_path_factory, topic_corpus_dir) -> Path:
    out = tmp_path_factory.mktemp("sg") / "vectors"
    result = run("train", topic_corpus_dir, "--model", "skipgram", "-o", out, "--binary", *SMALL)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_training_learns_shared_contexts(tmp_path, topic_corpus_dir, model):
    out = tmp_path / model
    assert run("train", topic_corpus_dir, "--model", model, "-o", out, *SMALL).exit_code == 0
    vectors = load_embeddings(out)
    within, across = group_separation(vectors.words, np.asarray(vectors.vectors))
    assert within > across + 0.3, (within, across)


def test_artifacts_are_consistent_and_gensim_loadable(skipgram_dir):
    from gensim.models import KeyedVectors

    vocab_lines = (skipgram_dir / "vocab.tsv").read_text().splitlines()[1:]
    words = [line.split("\t")[1] for line in vocab_lines]
    matrix = np.load(skipgram_dir / "vectors.npy", allow_pickle=False)
    assert matrix.dtype == np.float32 and matrix.shape == (len(words), 24)
    text = KeyedVectors.load_word2vec_format(str(skipgram_dir / "vectors.vec"))
    binary = KeyedVectors.load_word2vec_format(str(skipgram_dir / "vectors.bin"), binary=True)
    assert text.index_to_key == words == binary.index_to_key
    np.testing.assert_array_equal(text.vectors, matrix)
    np.testing.assert_array_equal(binary.vectors, matrix)
    assert np.isfinite(matrix).all()


def test_manifest_records_effective_config_and_parent(skipgram_dir, topic_corpus_dir):
    manifest = json.loads((skipgram_dir / "manifest.json").read_text())
    assert manifest["kind"] == "vectors" and manifest["model"] == "skipgram"
    config = manifest["config"]
    assert config["alpha"] == 0.025 and config["window"] == 5 and config["dim"] == 24 and config["negative"] == 5
    assert manifest["inputs"]["corpus"]["path"] == str(topic_corpus_dir)
    assert len(manifest["inputs"]["corpus"]["manifest_sha256"]) == 64
    assert [epoch["epoch"] for epoch in manifest["epochs"]] == list(range(1, 9))
    assert all(epoch["words_per_second"] > 0 for epoch in manifest["epochs"])
    losses = [epoch["heldout_pair_loss"] for epoch in manifest["epochs"]]
    assert losses[-1] < losses[0]
    assert manifest["peak_rss_mb"] > 0 and manifest["timings"]["wall_seconds"] > 0


def test_cbow_default_alpha_and_presets(tmp_path, topic_corpus_dir):
    out = tmp_path / "cbow"
    assert run("train", topic_corpus_dir, "--config", "cbow", "-o", out, "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    config = json.loads((out / "manifest.json").read_text())["config"]
    assert config["model"] == "cbow" and config["alpha"] == 0.05 and config["dim"] == 8  # command line beats file
    out = tmp_path / "cbow2"
    assert run("train", topic_corpus_dir, "--model", "cbow", "-o", out, "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["config"]["alpha"] == 0.05


def test_same_seed_one_worker_is_reproducible(tmp_path, topic_corpus_dir):
    for name in ("a", "b"):
        assert run("train", topic_corpus_dir, "-o", tmp_path / name, "--dim", "8", "--epochs", "1", "--workers", "1",
                   "--seed", "7", "-q").exit_code == 0
    assert (tmp_path / "a" / "vectors.npy").read_bytes() == (tmp_path / "b" / "vectors.npy").read_bytes()


def test_unknown_config_key_is_a_usage_error(tmp_path, topic_corpus_dir):
    preset = tmp_path / "bad.toml"
    preset.write_text('model = "skipgram"\ndimm = 50\n')
    result = run("train", topic_corpus_dir, "--config", preset, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{preset}: unknown key 'dimm'" in result.output
    assert not (tmp_path / "out").exists()


def test_wrongly_typed_config_value(tmp_path, topic_corpus_dir):
    preset = tmp_path / "bad.toml"
    preset.write_text('dim = "big"\n')
    result = run("train", topic_corpus_dir, "--config", preset, "-o", tmp_path / "out")
    assert result.exit_code == 2 and f'dim = "big" in {preset}: must be an integer of at least 1' in result.output


def test_training_errors(tmp_path, topic_corpus_dir):
    result = run("train", tmp_path / "missing", "-o", tmp_path / "out")
    assert result.exit_code == 1 and f"Error: {tmp_path / 'missing'} does not exist" in result.output
    (tmp_path / "half").mkdir()
    result = run("train", tmp_path / "half", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "has no manifest.json: it is incomplete" in result.output
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", "--negative", "0")
    assert result.exit_code == 2 and "--negative 0 needs --hs" in result.output
    assert not (tmp_path / "out").exists()


def test_vectors_directory_is_not_a_corpus(tmp_path, skipgram_dir):
    result = run("train", skipgram_dir, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "holds a 'vectors' artifact, but a corpus directory is needed here" in result.output


def test_every_command_has_help():
    from embcli.cli import main

    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, name
