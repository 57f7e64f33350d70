"""fastText training: subword OOV vectors equal gensim's, artifacts, `embcli vectors`, eval with subwords."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import group_separation, run
from embcli.config import FastTextConfig
from embcli.corpus.token_corpus import load_token_corpus
from embcli.corpus.subword_ngrams import character_ngrams, fasttext_hash
from embcli.embeddings import SubwordResolver, load_embeddings

SMALL = ["--dim", "16", "--epochs", "5", "--workers", "1", "--sample", "0", "--buckets", "20000", "-q"]
UNSEEN = ["cats", "trucks", "zebra", "x", "naïve", "東京タワー", "horsedrawn"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, topic_corpus_dir) -> tuple[Path, Any]:
    """A fastText artifact and the gensim model object that produced it."""
    import embcli.training.fasttext_gensim as fasttext_module
    from embcli.training.fasttext_gensim import train_fasttext

    captured: dict[str, Any] = {}
    original = fasttext_module.write_gensim_artifact

    def capture(staging, run, config, **kwargs):
        captured["model"] = run.model
        return original(staging, run, config, **kwargs)

    out = tmp_path_factory.mktemp("ft") / "vectors"
    config = FastTextConfig(dim=16, epochs=5, workers=1, sample=0, buckets=20000, engine="gensim")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fasttext_module, "write_gensim_artifact", capture)
        train_fasttext(load_token_corpus(topic_corpus_dir), out, config)
    return out, captured["model"]


def test_hash_and_ngrams_match_gensim():
    from gensim.models.fasttext_inner import compute_ngrams_bytes, ft_hash_bytes

    for word in ["a", "cat", "naïve", "東京タワー", "héllo wörld", ""]:
        for minn, maxn in [(1, 2), (3, 6), (2, 4)]:
            ngrams = character_ngrams(word, minn, maxn)
            assert ngrams == compute_ngrams_bytes(word, minn, maxn)
            assert [fasttext_hash(g) for g in ngrams] == [ft_hash_bytes(g) for g in ngrams]
    assert [g.decode() for g in character_ngrams("ab", 1, 2)] == ["<a", "a", "ab", "b", "b>"]


def test_oov_vectors_equal_gensim_and_vocab_words_keep_their_rows(trained):
    out, model = trained
    embeddings = load_embeddings(out)
    for word in UNSEEN:
        assert word not in embeddings.index
        vector, source = embeddings.lookup(word)
        assert source == "subwords"
        np.testing.assert_allclose(vector, model.wv[word], rtol=1e-5, atol=1e-7)
    for word in ["cat", "truck", "the"]:
        vector, source = embeddings.lookup(word)
        assert source == "vocab"
        np.testing.assert_array_equal(vector, model.wv[word])
        np.testing.assert_array_equal(vector, embeddings.vectors[embeddings.index[word]])


def test_subword_vectors_are_meaningful_and_training_learns(trained):
    out, _ = trained
    embeddings = load_embeddings(out)
    within, across = group_separation(embeddings.words, np.asarray(embeddings.vectors))
    assert within > across + 0.2, (within, across)
    table = embeddings.resolver
    assert isinstance(table, SubwordResolver)

    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    cats = table.vector("cats")
    assert cosine(cats, embeddings["cat"]) > cosine(cats, embeddings["truck"]) + 0.2


def test_artifact_files_and_manifest(trained):
    out, _ = trained
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"] == "fasttext" and manifest["config"]["arch"] == "skipgram"
    assert manifest["config"]["alpha"] == 0.025
    assert manifest["subwords"] == {"file": "ngrams.npy", "minn": 3, "maxn": 6, "buckets": 20000,
                                    "hash": "fasttext-fnv1a-32", "hash_version": 1,
                                    "ngram_unit": "utf-8 characters of '<word>'", "composition": "mean"}
    ngrams = np.load(out / "ngrams.npy", allow_pickle=False)
    assert ngrams.dtype == np.float32 and ngrams.shape == (20000, 16)
    n_words = len((out / "vocab.tsv").read_text().splitlines()) - 1
    for name in ("vectors.npy", "input_word_vectors.npy", "output_vectors.npy"):
        assert np.load(out / name, allow_pickle=False).shape == (n_words, 16), name
    losses = [epoch["heldout_pair_loss"] for epoch in manifest["epochs"]]
    assert len(losses) == 5 and losses[-1] < losses[0]


def test_cbow_arch_and_no_subwords(tmp_path, topic_corpus_dir):
    out = tmp_path / "cbow"
    assert run("train", topic_corpus_dir, "--model", "fasttext", "--arch", "cbow", "--maxn", "0", "-o", out,
               *SMALL).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["arch"] == "cbow" and manifest["config"]["alpha"] == 0.05
    assert manifest["subwords"] is None and not (out / "ngrams.npy").exists()
    result = run("vectors", out, "cats")
    assert result.exit_code == 1
    assert f"Error: 'cats' is not in the vocabulary of {out} and the model has no subword vectors" in result.output


def test_vectors_command(trained, tmp_path, topic_corpus_dir):
    out, model = trained
    result = run("vectors", out, "cat", "zebra")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["cat", "zebra"]
    np.testing.assert_allclose(np.array(lines[1].split()[1:], dtype=np.float32), model.wv["zebra"], rtol=1e-5, atol=1e-7)
    assert "note: 'zebra' is not in the vocabulary; its vector comes from its character n-grams" in result.stderr
    payload = json.loads(run("vectors", out, "zebra", "--json").stdout)
    assert payload[0]["word"] == "zebra" and payload[0]["source"] == "subwords" and len(payload[0]["vector"]) == 16
    sg = tmp_path / "sg"
    assert run("train", topic_corpus_dir, "-o", sg, "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    result = run("vectors", sg, "cat", "zebra")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (f"Error: 'zebra' is not in the vocabulary of {sg} and the model has no subword "
                                     f"vectors; train with --model fasttext to get vectors for unseen words")


def test_fasttext_options_are_rejected_for_word2vec(tmp_path, topic_corpus_dir):
    result = run("train", topic_corpus_dir, "--model", "skipgram", "--minn", "2", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "--minn does not apply to --model skipgram" in result.output
    result = run("train", topic_corpus_dir, "--model", "fasttext", "--mllib-partitions", "2", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "--mllib-partitions does not apply to --model fasttext" in result.output
    assert not (tmp_path / "out").exists()


def test_eval_reports_scores_with_and_without_subwords(trained, tmp_path):
    out, model = trained
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("cat\tdog\t9\ncats\tdogs\t9\ncat\ttruck\t1\ntrucks\tcows\t1\nbus\tvan\t8\nhorse\tbike\t2\n")
    report = json.loads(run("eval", out, "--similarity", pairs, "--json").stdout)
    plain, filled = report["similarity"]
    assert plain["found"] == 4 and plain["pairs"] == 6
    assert filled["name"] == plain["name"] + "+subwords" and filled["found"] == 6
    from scipy.stats import spearmanr

    cosines = [float(model.wv.similarity(a, b)) for a, b in
               [("cat", "dog"), ("cats", "dogs"), ("cat", "truck"), ("trucks", "cows"), ("bus", "van"), ("horse", "bike")]]
    assert filled["spearman"] == pytest.approx(spearmanr([9, 9, 1, 1, 8, 2], cosines)[0], abs=1e-6)


def test_fasttext_preset(tmp_path, topic_corpus_dir):
    out = tmp_path / "preset"
    assert run("train", topic_corpus_dir, "--config", "fasttext", "--buckets", "1000", "--dim", "8", "--epochs", "1",
               "-o", out, "-q").exit_code == 0
    config = json.loads((out / "manifest.json").read_text())["config"]
    assert config["model"] == "fasttext" and (config["minn"], config["maxn"], config["buckets"]) == (3, 6, 1000)


def test_neighbors_of_unseen_words_use_subwords(trained):
    out, _ = trained
    result = run("neighbors", out, "cats", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "cat" in json.dumps(payload)  # "cats" lands beside "cat"
    result = run("analogy", out, "cat", "cats", "truck", "--json")
    assert result.exit_code == 0, result.output
