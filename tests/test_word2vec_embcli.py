"""embcli's own word2vec engine: it learns, its tables follow word2vec's formulas, its loss is honest,
`--deterministic` is bit-reproducible, and its errors are clear."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import group_separation, run
from embcli.config import PreprocessConfig, Word2VecConfig
from embcli.corpus.token_corpus import load_token_corpus
from embcli.errors import FormatError
from embcli.kernels import word2vec_kernels
from embcli.kernels.huffman import huffman_tree
from embcli.training.word2vec_embcli import initial_vectors, negative_sampling_table, train_word2vec_embcli
from embcli.training.word2vec_gensim import subsampling_keep_probability
from embcli.embeddings import load_embeddings

SMALL = ["--engine", "embcli", "--dim", "24", "--epochs", "8", "--sample", "0", "-q"]


def vectors_of(directory: Path) -> np.ndarray:
    return np.load(directory / "vectors.npy", allow_pickle=False)


LAYERS = {"negative sampling": [], "hierarchical softmax": ["--hs", "--negative", "0"], "both": ["--hs"]}


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("layers", list(LAYERS))
def test_learns_shared_contexts_and_loss_decreases(tmp_path, topic_corpus_dir, model, layers):
    out = tmp_path / model
    result = run("train", topic_corpus_dir, "--model", model, "-o", out, "--workers", "2", *SMALL, *LAYERS[layers])
    assert result.exit_code == 0, result.output
    embeddings = load_embeddings(out)
    within, across = group_separation(embeddings.words, np.asarray(embeddings.vectors))
    assert within > across + 0.3, (within, across)
    manifest = json.loads((out / "manifest.json").read_text())
    losses = [epoch["loss"] for epoch in manifest["epochs"]]
    assert len(losses) == 8 and all(np.isfinite(losses))
    assert losses[-1] < losses[0] - 0.1, losses
    if layers == "negative sampling":  # a fresh model's mean loss is (1 + negative) * log 2; training must go below
        assert losses[-1] < 6 * np.log(2)
    assert manifest["engine"]["name"] == "embcli" and manifest["engine"]["threads"] == 2
    assert manifest["epochs"][0]["examples"] > 0
    assert bool(manifest["engine"]["hierarchical_softmax"]) == (layers != "negative sampling")
    assert (out / "output_vectors.npy").exists() == (layers != "hierarchical softmax")  # what --resume needs


def test_deterministic_runs_are_bit_identical(tmp_path, topic_corpus_dir):
    for name in ("a", "b"):
        result = run("train", topic_corpus_dir, "-o", tmp_path / name, "--engine", "embcli", "--deterministic",
                     "--workers", "2", "--dim", "16", "--epochs", "2", "--seed", "7", "-q")
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "vectors.npy").read_bytes() == (tmp_path / "b" / "vectors.npy").read_bytes()
    assert (tmp_path / "a" / "vectors.vec").read_bytes() == (tmp_path / "b" / "vectors.vec").read_bytes()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["engine"]["threads"] == 1 and manifest["config"]["deterministic"] is True
    run("train", topic_corpus_dir, "-o", tmp_path / "c", "--engine", "embcli", "--deterministic", "--dim", "16",
        "--epochs", "2", "--seed", "8", "-q")
    assert not np.array_equal(vectors_of(tmp_path / "a"), vectors_of(tmp_path / "c"))


def test_vectors_load_in_gensim(tmp_path, topic_corpus_dir):
    from gensim.models import KeyedVectors

    out = tmp_path / "sg"
    assert run("train", topic_corpus_dir, "-o", out, "--binary", *SMALL).exit_code == 0
    matrix = vectors_of(out)
    text = KeyedVectors.load_word2vec_format(str(out / "vectors.vec"))
    binary = KeyedVectors.load_word2vec_format(str(out / "vectors.bin"), binary=True)
    words = load_token_corpus(topic_corpus_dir).vocab.tokens
    assert text.index_to_key == words == binary.index_to_key
    np.testing.assert_array_equal(text.vectors, matrix)
    np.testing.assert_array_equal(binary.vectors, matrix)


def test_word_that_never_occurs_keeps_its_initial_row(tmp_path, topic_corpus_file):
    from embcli.preprocessing import preprocess_corpus

    corpus_dir = tmp_path / "corpus"
    text = topic_corpus_file.read_text() + "zebra\n"  # one rare word: out of vocabulary at min-count 2, then dropped
    source = tmp_path / "text.txt"
    source.write_text(text)
    preprocess_corpus([str(source)], corpus_dir, PreprocessConfig(min_count=2, oov="drop", workers=1))
    corpus = load_token_corpus(corpus_dir)
    assert corpus.vocab.tokens[0] == "<unk>" and 0 not in np.asarray(corpus.ids)
    config = Word2VecConfig(engine="embcli", dim=8, epochs=2, deterministic=True)
    train_word2vec_embcli(corpus, tmp_path / "out", config)
    matrix = vectors_of(tmp_path / "out")
    assert np.isfinite(matrix).all()
    np.testing.assert_array_equal(matrix[0], initial_vectors(len(corpus.vocab), 8, config.seed)[0][0])
    assert not np.array_equal(matrix[1], initial_vectors(len(corpus.vocab), 8, config.seed)[0][1])


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize(("dim", "window", "negative"), [(1, 1, 1), (19, 12, 20)])
def test_odd_shapes_train_and_lower_the_loss(tmp_path, topic_corpus_dir, model, dim, window, negative):
    """Rows shorter than a cache line or a vector register, and buffers sized by a wide window and many negatives."""
    config = Word2VecConfig(engine="embcli", model=model, dim=dim, window=window, negative=negative, epochs=4,
                            sample=0.0, deterministic=True)
    manifest = train_word2vec_embcli(load_token_corpus(topic_corpus_dir), tmp_path / "out", config)
    assert vectors_of(tmp_path / "out").shape[1] == dim and np.isfinite(vectors_of(tmp_path / "out")).all()
    losses = [epoch["loss"] for epoch in manifest["epochs"]]
    assert losses[-1] < losses[0], losses


def test_default_engine_is_embcli_and_either_engine_resumes_its_models(tmp_path, topic_corpus_dir):
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    assert run("train", topic_corpus_dir, "-o", first, "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    assert json.loads((first / "manifest.json").read_text())["config"]["engine"] == "embcli"
    output_layer = np.load(first / "output_vectors.npy", allow_pickle=False)
    assert output_layer.shape == vectors_of(first).shape and np.abs(output_layer).sum() > 0
    for child, engine in ((second, "embcli"), (third, "gensim")):
        options = ["--engine", engine] if engine == "gensim" else []
        result = run("train", topic_corpus_dir, "-o", child, "--resume", first, "--epochs", "1", "-q", *options)
        assert result.exit_code == 0, result.output
        manifest = json.loads((child / "manifest.json").read_text())
        assert manifest["config"]["engine"] == engine and manifest["config"]["dim"] == 8  # dim inherited, engine not


# ---------------------------------------------------------------------------
# tables and sampling against word2vec's formulas


def alias_distribution(probability: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table draws from: slot i gives i w.p. probability[i], else alias[i]."""
    n = len(probability)
    distribution = probability.astype(np.float64) / n
    np.add.at(distribution, alias, (1.0 - probability.astype(np.float64)) / n)
    return distribution


def test_negative_sampling_follows_unigram_to_the_three_quarters():
    counts = np.array([0, 1000, 300, 40, 7, 1, 1, 123_456], dtype=np.int64)
    probability, alias = negative_sampling_table(counts)
    assert probability.dtype == np.float32 and alias.dtype == np.uint32 and len(alias) == len(counts)
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(alias_distribution(probability, alias), expected, rtol=1e-6, atol=1e-9)
    assert alias_distribution(probability, alias)[0] == 0.0  # a word that never occurs is never a negative


def test_kernel_draws_negatives_with_that_distribution():
    counts = np.array([0, 500, 120, 30, 6], dtype=np.int64)
    probability, alias = negative_sampling_table(counts)
    outputs = np.empty(6, dtype=np.uint32)
    drawn = np.zeros(len(counts))
    state = np.uint64(12345)
    for _ in range(20_000):
        n, state = word2vec_kernels.draw_outputs(np.uint32(4), 5, probability, alias, outputs, np.uint64(state))
        assert outputs[0] == 4  # the centre word is output 0, the positive
        assert np.all(outputs[1:n] != 4)  # a draw equal to the centre word is skipped
        np.add.at(drawn, outputs[1:n], 1)
    p = counts[:4] ** 0.75 / (counts[:4] ** 0.75).sum()
    observed = drawn[:4] / drawn.sum()
    assert np.allclose(observed, p, atol=0.01), (observed, p)


def test_huffman_tree_is_optimal_and_consistent():
    import heapq

    rng = np.random.default_rng(7)
    counts = np.concatenate([(50_000 / np.arange(1, 401) ** 1.1).astype(np.int64) + 1, [0, 0, 0], rng.integers(1, 4, 50)])
    rng.shuffle(counts)
    codes, points, lengths = huffman_tree(counts)
    words = np.flatnonzero(counts > 0)
    assert np.all(lengths[counts == 0] == 0) and np.all(lengths[words] > 0)
    # optimal: the weighted path length equals Huffman's cost (the sum of all merged weights)
    heap = [int(c) for c in counts[words]]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    assert int((counts[words] * lengths[words]).sum()) == cost
    # a tree: every path starts at the root, and one code prefix always leads to the same node
    n_internal = len(words) - 1
    node_of_prefix: dict[tuple[int, ...], int] = {}
    paths = set()
    for word in words:
        length = lengths[word]
        assert points[word, 0] == n_internal - 1 and np.all(points[word, :length] < n_internal)
        path = tuple(codes[word, :length].tolist())
        paths.add(path)
        for j in range(length):
            assert node_of_prefix.setdefault(path[:j], int(points[word, j])) == points[word, j]
    assert len(paths) == len(words)  # distinct codes
    assert abs(sum(2.0 ** -int(lengths[w]) for w in words) - 1.0) < 1e-9  # a full binary tree (Kraft equality)


def test_subsampling_keeps_words_at_word2vecs_rate():
    counts = np.array([0, 60_000, 20_000, 5_000, 500, 50], dtype=np.int64)
    sample = 1e-3
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):
        formula = np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)
    formula[0] = 1.0
    keep = subsampling_keep_probability(counts, sample).astype(np.float32)
    np.testing.assert_allclose(keep, formula, rtol=1e-6)
    assert keep[1] < 0.2 and keep[-1] == 1.0
    # the kernel keeps each occurrence with that probability
    ids = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
    kept = np.empty(len(ids), dtype=np.uint32)
    n, _ = word2vec_kernels.subsample_sentence(ids, 0, len(ids), keep, kept, np.uint64(99))
    observed = np.bincount(kept[:n], minlength=len(counts))[1:] / counts[1:]
    tolerance = 4 * np.sqrt(formula[1:] * (1 - formula[1:]) / counts[1:]) + 1e-9
    assert np.all(np.abs(observed - formula[1:]) <= tolerance), (observed, formula[1:])


def test_loss_table_matches_the_exact_log_sigmoid():
    sigmoid_table, log_sigmoid_table = word2vec_kernels.sigmoid_tables()
    for score in np.linspace(-40.0, 40.0, 1601):
        sig, log_sig = word2vec_kernels.sigmoid_and_log(np.float32(score), sigmoid_table, log_sigmoid_table)
        assert abs(log_sig + np.logaddexp(0.0, -score)) < 2e-3, score  # the loss is exact to the table's step
        assert abs(sig - 1.0 / (1.0 + np.exp(-score))) < 1e-3, score
    _, far_below = word2vec_kernels.sigmoid_and_log(np.float32(-40.0), sigmoid_table, log_sigmoid_table)
    assert abs(far_below + 40.0) < 1e-5  # the loss keeps growing beyond the table


# ---------------------------------------------------------------------------
# errors


def test_options_that_cannot_train_are_clear_errors(tmp_path, topic_corpus_dir):
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", "--negative", "0", "-q")
    assert result.exit_code == 2 and "--negative 0 needs --hs" in result.output
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", "--engine", "gensim", "--deterministic", "-q")
    assert result.exit_code == 2 and "--deterministic needs --engine embcli" in result.output
    assert not (tmp_path / "out").exists()


def test_ids_beyond_the_vocabulary_are_a_format_error(tmp_path, topic_corpus_dir):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(topic_corpus_dir, broken)
    ids = np.load(broken / "ids.npy")
    ids[3] = len(load_token_corpus(broken).vocab) + 5
    np.save(broken / "ids.npy", ids)
    with pytest.raises(FormatError, match="is beyond the vocabulary"):
        train_word2vec_embcli(load_token_corpus(broken), tmp_path / "out", Word2VecConfig(engine="embcli", dim=8))
    result = run("train", broken, "-o", tmp_path / "out", "--engine", "embcli", "-q")
    assert result.exit_code == 1 and "is beyond the vocabulary" in result.output
    assert not (tmp_path / "out").exists()
