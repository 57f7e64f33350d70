"""`embcli index` and `neighbors --approx`: answers match exact search, and an index is refused for other vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import run
from embcli.embeddings import Embeddings

pytest.importorskip("faiss")

from embcli.ann_index import IndexConfig, build_index, load_index, vectors_fingerprint  # noqa: E402


@pytest.fixture(scope="module")
def clustered(tmp_path_factory):
    """5,000 rows in 50 clusters, saved as a vectors .npy + vocab.tsv pair."""
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((50, 16)).astype(np.float32)
    rows = centers[rng.integers(0, 50, 5000)] + 0.5 * rng.standard_normal((5000, 16)).astype(np.float32)
    directory = tmp_path_factory.mktemp("ann")
    np.save(directory / "vectors.npy", rows.astype(np.float32))
    (directory / "vocab.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\tw{i}\t1\n" for i in range(5000)))
    return directory / "vectors.npy"


def test_approximate_neighbors_match_exact_search(clustered, tmp_path):
    assert run("index", clustered, "-o", tmp_path / "idx", "--probe", "8", "-q").exit_code == 0
    exact = json.loads(run("neighbors", clustered, "w1", "w2", "w3", "--json").stdout)
    approx = json.loads(run("neighbors", clustered, "w1", "w2", "w3", "--json", "--approx", tmp_path / "idx").stdout)
    for e, a in zip(exact, approx):
        exact_words = [n["word"] for n in e["neighbors"]]
        approx_words = [n["word"] for n in a["neighbors"]]
        assert len(approx_words) == 10 and e["query"] not in approx_words
        assert len(set(exact_words) & set(approx_words)) >= 8
        assert a["neighbors"][0]["score"] == pytest.approx(e["neighbors"][0]["score"], abs=1e-5)


def test_index_is_refused_for_other_vectors(clustered, tmp_path):
    from embcli.embeddings import load_embeddings

    build_index(clustered, tmp_path / "idx", IndexConfig(lists=20))
    embeddings = load_embeddings(clustered)
    other = Embeddings(embeddings.words, np.asarray(embeddings.vectors) * 1.001, source="other.npy")
    with pytest.raises(Exception, match="was built from other vectors"):
        load_index(tmp_path / "idx", other)
    same = Embeddings(embeddings.words, np.array(embeddings.vectors), source="copy.npy")  # same rows elsewhere: fine
    assert load_index(tmp_path / "idx", same).most_similar(same.vectors[0], 3)[0][0] == "w0"
    changed = tmp_path / "changed.npy"
    np.save(changed, np.asarray(embeddings.vectors)[::-1].copy())
    (tmp_path / "vocab.tsv").write_bytes((clustered.parent / "vocab.tsv").read_bytes())
    result = run("neighbors", changed, "w1", "--approx", tmp_path / "idx")
    assert result.exit_code == 1 and "was built from other vectors" in result.stderr
    assert vectors_fingerprint(same) == vectors_fingerprint(embeddings)


def test_approx_refuses_options_it_cannot_honour(clustered, tmp_path):
    build_index(clustered, tmp_path / "idx", IndexConfig(lists=20))
    result = run("neighbors", clustered, "w1", "--approx", tmp_path / "idx", "--cosmul")
    assert result.exit_code == 2 and "--approx answers cosine queries" in result.stderr
    result = run("index", clustered, "-o", tmp_path / "bad", "--lists", "6000")
    assert result.exit_code == 2 and "--lists must be between 1 and the number of rows (5000)" in result.stderr


def test_most_similar_takes_the_index_as_gensims_indexer(clustered, tmp_path):
    from embcli.embeddings import load_embeddings

    embeddings = load_embeddings(clustered)
    build_index(clustered, tmp_path / "idx", IndexConfig(lists=20, probe=20))
    index = load_index(tmp_path / "idx", embeddings)
    exact = embeddings.most_similar("w7", topn=5)
    approx = embeddings.most_similar("w7", topn=5, indexer=index)
    assert [word for word, _ in approx] == [word for word, _ in exact]  # probe = lists: every cell scanned
    assert approx[0][1] == pytest.approx(exact[0][1], abs=1e-5)


def test_missing_faiss_is_one_line(clustered, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "faiss", None)
    result = run("index", clustered, "-o", tmp_path / "idx")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: the approximate index needs faiss; install it with: pip install 'embcli[ann]'"
    assert not (tmp_path / "idx").exists()


def test_a_small_model_indexes_quietly_with_q(tmp_path):
    """faiss's own k-means warning (C++ stderr) never reaches the user: embcli says it, and -q silences it."""
    import subprocess
    import sys
    from pathlib import Path

    rows = np.random.default_rng(1).standard_normal((300, 8)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", rows)
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\tw{i}\t1\n" for i in range(300)))
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "embcli", "index", str(tmp_path / "vectors.npy"), "-o"]
    quiet = subprocess.run([*command, str(tmp_path / "q"), "-q"], env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == ""
    loud = subprocess.run([*command, str(tmp_path / "l")], env=env, capture_output=True, text=True, timeout=120)
    assert loud.returncode == 0 and "WARNING clustering" not in loud.stderr
    assert "fewer than 39 train each cell" in loud.stderr
