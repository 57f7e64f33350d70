"""GloVe training: it learns, resumes exactly, caches its co-occurrences safely, and fails cleanly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import group_separation, run
from embcli.embeddings import load_embeddings

SMALL = ["--dim", "16", "--x-max", "10", "--workers", "1", "-q"]


@pytest.fixture()
def corpus_dir(tmp_path: Path, topic_corpus_dir: Path) -> Path:
    """A private copy: training caches the co-occurrence matrix inside the corpus directory."""
    return Path(shutil.copytree(topic_corpus_dir, tmp_path / "corpus"))


def manifest_of(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text())


@pytest.mark.parametrize("workers", ["1", "2"])
def test_glove_learns_shared_contexts(corpus_dir: Path, tmp_path: Path, workers: str) -> None:
    out = tmp_path / "glove"
    result = run("train", corpus_dir, "--model", "glove", "-o", out, "--epochs", "40", *SMALL, "--workers", workers)
    assert result.exit_code == 0, result.output
    vectors = load_embeddings(out)
    within, across = group_separation(vectors.words, np.asarray(vectors.vectors))
    assert within > across + 0.3, (within, across)
    assert vectors.words[0] == "<unk>" and np.all(np.isfinite(vectors.vectors))  # <unk> has no co-occurrences
    manifest = manifest_of(out)
    costs = [epoch["cost"] for epoch in manifest["epochs"]]
    assert len(costs) == 40 and costs[-1] < costs[0] / 2
    assert manifest["model"] == "glove" and manifest["config"]["window"] == 10
    assert manifest["cooccurrence"]["kind"] == "cooccurrence" and manifest["cooccurrence"]["reused"] is False
    assert (out / "vectors.vec").exists()


def test_resumed_training_equals_uninterrupted(corpus_dir: Path, tmp_path: Path) -> None:
    first = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "half", "--epochs", "3",
                "--checkpoint-every", "3", *SMALL)
    assert first.exit_code == 0, first.output
    checkpoint = tmp_path / "half.checkpoint"
    assert manifest_of(checkpoint)["epochs_done"] == 3
    assert {p.name for p in checkpoint.iterdir()} >= {"word.npy", "context.npy", "gradsq_word.npy", "gradsq_context_bias.npy"}
    resumed = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "resumed", "--epochs", "6",
                  "--resume", checkpoint, *SMALL)
    assert resumed.exit_code == 0, resumed.output
    whole = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "whole", "--epochs", "6", *SMALL)
    assert whole.exit_code == 0, whole.output
    a = np.load(tmp_path / "resumed" / "vectors.npy")
    b = np.load(tmp_path / "whole" / "vectors.npy")
    assert np.array_equal(a, b)
    assert [e["cost"] for e in manifest_of(tmp_path / "resumed")["epochs"]] == [e["cost"] for e in manifest_of(tmp_path / "whole")["epochs"]]
    mismatched = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "bad", "--epochs", "6",
                     "--resume", checkpoint, "--dim", "8", "--x-max", "10", "--workers", "1", "-q")
    assert mismatched.exit_code == 2 and "cannot resume from" in mismatched.output and "dim=16" in mismatched.output


def test_vector_choices(corpus_dir: Path, tmp_path: Path) -> None:
    shapes = {}
    for choice in ("word", "word+context", "concat"):
        result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / choice, "--epochs", "2", "--vectors", choice, *SMALL)
        assert result.exit_code == 0, result.output
        shapes[choice] = np.load(tmp_path / choice / "vectors.npy")
    assert shapes["word"].shape[1] == shapes["word+context"].shape[1] == 16 and shapes["concat"].shape[1] == 32
    assert np.allclose(shapes["concat"][:, :16], shapes["word"]) and np.allclose(
        shapes["concat"][:, :16] + shapes["concat"][:, 16:], shapes["word+context"], atol=1e-6)


def test_cooccurrence_cache_is_reused_and_never_stale(corpus_dir: Path, tmp_path: Path) -> None:
    assert run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "one", "--epochs", "1", *SMALL).exit_code == 0
    assert (corpus_dir / "cooccur-w10-sym" / "manifest.json").exists()
    assert run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "two", "--epochs", "1", *SMALL).exit_code == 0
    assert manifest_of(tmp_path / "two")["cooccurrence"]["reused"] is True
    # the corpus changes under the cache: it is rebuilt
    manifest = manifest_of(corpus_dir)
    manifest["created"] = "a different run"
    (corpus_dir / "manifest.json").write_text(json.dumps(manifest))
    assert run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "three", "--epochs", "1", *SMALL).exit_code == 0
    assert manifest_of(tmp_path / "three")["cooccurrence"]["reused"] is False
    # a matrix the user names explicitly is refused rather than overwritten when it does not match
    refused = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "four", "--epochs", "1", "--window", "3",
                  "--cooccurrence", corpus_dir / "cooccur-w10-sym", *SMALL)
    assert refused.exit_code == 1 and "cannot be used: it was counted with window=10, not 3" in refused.output
    assert not (tmp_path / "four").exists()


def test_divergence_stops_with_a_clear_error_and_writes_nothing(corpus_dir: Path, tmp_path: Path) -> None:
    result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "nan", "--epochs", "3", "--eta", "1e30", *SMALL)
    assert result.exit_code == 1
    assert "Error: GloVe training diverged in epoch" in result.output and "lower --eta" in result.output
    assert not (tmp_path / "nan").exists()


def test_options_are_checked_per_model(corpus_dir: Path, tmp_path: Path) -> None:
    wrong = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "x", "--negative", "5", "-q")
    assert wrong.exit_code == 2 and "--negative does not apply to --model glove" in wrong.output
    wrong = run("train", corpus_dir, "--model", "skipgram", "-o", tmp_path / "x", "--x-max", "5", "-q")
    assert wrong.exit_code == 2 and "--x-max does not apply to --model skipgram" in wrong.output
    tiny = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "x", "--memory-mb", "0.0001", "-q")
    assert tiny.exit_code == 2 and "is too small" in tiny.output
    assert not (tmp_path / "x").exists()


def test_missing_corpus(tmp_path: Path) -> None:
    result = run("train", tmp_path / "nope", "--model", "glove", "-o", tmp_path / "x")
    assert result.exit_code == 1 and "does not exist" in result.output
