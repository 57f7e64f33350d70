"""embcli's own fastText engine: it learns, composes vectors as fastText does, reproduces, resumes, refuses bad options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import ANIMALS, VEHICLES, group_separation, run
from embcli.corpus.subword_ngrams import ngram_buckets
from embcli.embeddings import load_embeddings

SMALL = ["--dim", "16", "--epochs", "5", "--sample", "0", "--buckets", "5000", "--minn", "3", "--maxn", "5", "-q"]
UNSEEN = ["cats", "trucks", "zebra", "x", "naïve", "東京タワー"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, topic_corpus_dir) -> Path:
    out = tmp_path_factory.mktemp("ft-embcli") / "vectors"
    result = run("train", topic_corpus_dir, "--model", "fasttext", "-o", out, "--deterministic", *SMALL)
    assert result.exit_code == 0, result.output
    return out


def test_training_learns_and_records_its_settings(trained):
    embeddings = load_embeddings(trained)
    within, across = group_separation(list(embeddings.words), np.asarray(embeddings.vectors))
    assert within > across + 0.3, (within, across)
    manifest = json.loads((trained / "manifest.json").read_text())
    assert manifest["config"]["engine"] == "embcli" and manifest["config"]["alpha"] == 0.05  # fastText's lr
    assert manifest["engine"]["name"] == "embcli" and manifest["engine"]["threads"] == 1
    losses = [epoch["loss"] for epoch in manifest["epochs"]]
    assert len(losses) == 5 and losses[-1] < 0.8 * 6 * np.log(2)  # well below the loss of untrained (zero) outputs
    assert manifest["subwords"]["buckets"] == 5000 and manifest["subwords"]["hash"] == "fasttext-fnv1a-32"


def test_vectors_are_word_and_ngram_means(trained):
    embeddings = load_embeddings(trained)
    words = np.load(trained / "input_word_vectors.npy")
    ngrams = np.load(trained / "ngrams.npy")
    assert ngrams.shape == (5000, 16) and words.shape == (len(embeddings), 16)
    assert np.load(trained / "output_vectors.npy").shape == (len(embeddings), 16)
    for i, word in enumerate(embeddings.words):
        rows = np.vstack([words[i], ngrams[ngram_buckets(word, 3, 5, 5000)]])
        np.testing.assert_allclose(embeddings.vectors[i], rows.mean(axis=0), rtol=1e-5, atol=1e-6)
    for word in UNSEEN:
        vector, source = embeddings.lookup(word)
        assert source == "subwords"
        buckets = ngram_buckets(word, 3, 5, 5000)
        expected = ngrams[buckets].mean(axis=0) if len(buckets) else np.zeros(16, dtype=np.float32)
        np.testing.assert_allclose(vector, expected, rtol=1e-5, atol=1e-6)


def test_only_the_buckets_in_use_are_trained_the_others_keep_their_start(trained):
    """embcli trains the bucket rows its words use; every other row of ngrams.npy is its untouched initial row."""
    from embcli.training.subword_table import BLOCK_ROWS, SubwordTable

    embeddings = load_embeddings(trained)
    used = np.unique(np.concatenate([ngram_buckets(word, 3, 5, 5000) for word in embeddings.words]))
    ngrams = np.load(trained / "ngrams.npy")
    start = SubwordTable(used, buckets=5000, dim=16, seed=json.loads((trained / "manifest.json").read_text())
                         ["config"]["seed"]).initial_block(0)
    assert BLOCK_ROWS >= 5000 and start.shape == (5000, 16) and np.all(np.abs(start) < 1 / 16)
    unused = np.setdiff1d(np.arange(5000), used)
    assert 0 < len(used) < 5000 and np.array_equal(ngrams[unused], start[unused])
    moved = np.abs(ngrams[used] - start[used]).max(axis=1)
    assert np.mean(moved > 1e-3) > 0.9  # trained rows moved away from their start


def test_fasttext_composes_the_same_vectors_from_our_matrices(trained, topic_corpus_file, tmp_path):
    """Our rows put into a fastText model: fastText's own get_word_vector gives our vectors, seen words or unseen."""
    fasttext = pytest.importorskip("fasttext")
    model = fasttext.train_unsupervised(str(topic_corpus_file), dim=16, minn=3, maxn=5, bucket=5000, epoch=1,
                                        minCount=1, thread=1, verbose=0)
    embeddings = load_embeddings(trained)
    ours = np.load(trained / "input_word_vectors.npy")
    their_words = model.get_words()
    matrix = np.zeros((len(their_words) + 5000, 16), dtype=np.float32)
    for i, word in enumerate(their_words):
        if word in embeddings.index:
            matrix[i] = ours[embeddings.index[word]]
    matrix[len(their_words):] = np.load(trained / "ngrams.npy")
    model.set_matrices(matrix, model.get_output_matrix())
    for word in ANIMALS + VEHICLES:
        np.testing.assert_allclose(model.get_word_vector(word), embeddings.vectors[embeddings.index[word]],
                                   rtol=1e-5, atol=1e-6)
    for word in UNSEEN:
        np.testing.assert_allclose(model.get_word_vector(word), embeddings.lookup(word)[0], rtol=1e-5, atol=1e-6)


def test_deterministic_runs_are_bit_identical(trained, topic_corpus_dir, tmp_path):
    again = tmp_path / "again"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "-o", again, "--deterministic", *SMALL).exit_code == 0
    for name in ("vectors.npy", "ngrams.npy", "output_vectors.npy", "input_word_vectors.npy"):
        assert (trained / name).read_bytes() == (again / name).read_bytes(), name


def test_cbow_learns(tmp_path, topic_corpus_dir):
    out = tmp_path / "cbow"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "--arch", "cbow", "-o", out, "--workers", "2",
               *SMALL).exit_code == 0
    embeddings = load_embeddings(out)
    within, across = group_separation(list(embeddings.words), np.asarray(embeddings.vectors))
    assert within > across + 0.3, (within, across)
    assert json.loads((out / "manifest.json").read_text())["engine"]["scheme"] == "fasttext-cbow-bag"


def test_resume_grows_a_model_trained_by_either_engine(tmp_path, topic_corpus_dir):
    gensim_parent, child = tmp_path / "gensim", tmp_path / "child"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "--engine", "gensim", "-o", gensim_parent,
               "--workers", "1", *SMALL).exit_code == 0
    result = run("train", topic_corpus_dir, "--resume", gensim_parent, "--engine", "embcli", "-o", child,
                 "--epochs", "1", "--workers", "1", "-q")
    assert result.exit_code == 0, result.output
    before, after = load_embeddings(gensim_parent), load_embeddings(child)
    assert after.words == before.words
    manifest = json.loads((child / "manifest.json").read_text())
    assert manifest["config"]["engine"] == "embcli" and manifest["parents"][0]["path"] == str(gensim_parent)
    drift = [float(a @ b) for a, b in zip(np.asarray(before.unit_vectors)[1:], np.asarray(after.unit_vectors)[1:])]
    assert min(drift) > 0.5, drift  # continued, not retrained from scratch


@pytest.mark.parametrize(("arch", "negative"), [("skipgram", "0"), ("cbow", "0"), ("skipgram", "5")])
def test_hierarchical_softmax_learns_alone_or_beside_negative_sampling(tmp_path, topic_corpus_dir, arch, negative):
    out = tmp_path / "hs"
    result = run("train", topic_corpus_dir, "--model", "fasttext", "--arch", arch, "--hs", "--negative", negative,
                 "-o", out, "--deterministic", *SMALL)
    assert result.exit_code == 0, result.output
    embeddings = load_embeddings(out)
    within, across = group_separation(list(embeddings.words), np.asarray(embeddings.vectors))
    assert within > across + 0.3, (within, across)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["hierarchical_softmax"].startswith("fastText's Huffman tree")
    assert (manifest["engine"]["negative_sampling"] is None) == (negative == "0")
    assert (out / "output_vectors.npy").exists() == (negative != "0")  # only negative sampling's layer is kept
    losses = [epoch["loss"] for epoch in manifest["epochs"]]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses


def test_hierarchical_softmax_separates_topics_as_fasttext_does(tmp_path, topic_corpus_dir, topic_corpus_file):
    """fastText's own `-loss hs` on the same text and settings: embcli's vectors separate the topics as well."""
    fasttext = pytest.importorskip("fasttext")
    out = tmp_path / "hs"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "--hs", "--negative", "0", "-o", out,
               "--deterministic", *SMALL).exit_code == 0
    embeddings = load_embeddings(out)
    model = fasttext.train_unsupervised(str(topic_corpus_file), loss="hs", dim=16, epoch=5, t=1.0, minn=3, maxn=5,
                                        bucket=5000, minCount=1, thread=1, lr=0.05, verbose=0)
    theirs = np.vstack([model.get_word_vector(word) for word in embeddings.words])
    ours_gap, theirs_gap = (within - across for within, across in (
        group_separation(list(embeddings.words), np.asarray(embeddings.vectors)),
        group_separation(list(embeddings.words), theirs)))
    assert ours_gap > 0.8 * theirs_gap > 0, (ours_gap, theirs_gap)


def test_a_hierarchical_softmax_model_exports_as_fasttext_loss_hs(tmp_path, topic_corpus_dir):
    fasttext = pytest.importorskip("fasttext")
    out, exported = tmp_path / "hs", tmp_path / "hs.bin"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "--hs", "--negative", "0", "-o", out,
               "--workers", "1", *SMALL).exit_code == 0
    assert run("export", out, "-o", exported, "--format", "fasttext-bin", "-q").exit_code == 0
    loaded, embeddings = fasttext.load_model(str(exported)), load_embeddings(out)
    assert loaded.f.getArgs().loss.name == "hs"
    np.testing.assert_allclose(np.vstack([loaded.get_word_vector(word) for word in embeddings.words]),
                               embeddings.vectors, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("options", "message"), [
    (["--negative", "0"], "needs --hs"),
    (["--engine", "gensim", "--deterministic"], "needs --engine embcli"),
    (["--engine", "spark-mllib"], "engine"),
])
def test_bad_options_fail_cleanly(tmp_path, topic_corpus_dir, options, message):
    out = tmp_path / "out"
    result = run("train", topic_corpus_dir, "--model", "fasttext", "-o", out, *SMALL, *options)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("method", ["int8", "pq"])
def test_quantized_fasttext_models_answer_unseen_words(trained, tmp_path, method):
    out = tmp_path / f"q-{method}"
    result = run("quantize", trained, "-o", out, "--method", method, "--no-eval", "--subspaces", "4")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    section = manifest["subwords"]
    assert section["quantized"]["method"] == method and (section["minn"], section["maxn"]) == (3, 5)
    assert manifest["sizes"]["source_bytes"] == sum((trained / name).stat().st_size for name in ("vectors.npy", "ngrams.npy"))
    # at 16 dims a row's int8 scale adds a quarter to its codes, and PQ codebooks weigh on a 5,000-row table
    assert manifest["sizes"]["ratio"] > (3 if method == "int8" else 5)
    original, quantized = load_embeddings(trained), load_embeddings(out)
    for word in UNSEEN[:-1]:  # the last has no n-gram of 3 to 5 characters that any word trained
        vector, source = quantized.lookup(word)
        expected = original.lookup(word)[0]
        assert source == "subwords"
        cosine = float(vector @ expected / (np.linalg.norm(vector) * np.linalg.norm(expected)))
        assert cosine > (0.999 if method == "int8" else 0.7), (word, cosine)
    printed = run("vectors", out, "zebra")
    assert printed.exit_code == 0 and "character n-grams" in printed.stderr, printed.output
