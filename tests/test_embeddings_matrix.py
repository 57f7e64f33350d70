"""Every kind of vectors × every command that reads them: each pair works, or fails with one clear line.

Kinds: a plain vectors directory, fastText (gensim engine), a model of a hashed corpus, int8 and PQ
quantized directories, `.vec`, word2vec `.bin`, GloVe text, and a bare `.npy` with its `vocab.tsv`.
Consumers: vectors, neighbors, analogy, eval (similarity), embed, plot, quantize.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ANIMALS, VEHICLES, run
from embcli.corpus.hashing import token_bucket
from embcli.corpus.vocabulary import read_vocabulary
from embcli.embeddings import load_embeddings
from embcli.embeddings.binary_format import write_word2vec_binary

KINDS = ["vectors", "fasttext", "hashed", "int8", "pq", "vec", "bin", "glove", "npy"]
RESOLVING = {"fasttext": "subwords", "hashed": "hash-bucket"}  # kinds that answer unseen words
QUANTIZED = {"int8", "pq"}
UNSEEN = "zzunseenword"
PAIRS = [("cat", "dog", 9.0), ("car", "truck", 9.0), ("horse", "cow", 8.5), ("cat", "car", 1.0),
         ("dog", "bus", 1.5), ("sheep", "van", 0.5)]


def _ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output


def _one_line_error(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in result.output


def _collision_free_buckets(words: list[str]) -> int:
    """The fewest buckets (from 64) in which no two of `words` share one: every word keeps its own row."""
    buckets = 64
    while len({token_bucket(word, buckets) for word in words}) < len(words):
        buckets += 1
    return buckets


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory, topic_corpus_dir: Path, topic_corpus_file: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("kinds")
    common = ("--dim", "16", "--epochs", "3", "--workers", "1", "-q")
    _ok(run("train", topic_corpus_dir, "-o", root / "vectors", "--model", "skipgram", *common))
    _ok(run("train", topic_corpus_dir, "-o", root / "fasttext", "--model", "fasttext",
            "--buckets", "5000", *common))
    buckets = _collision_free_buckets(read_vocabulary(topic_corpus_dir / "vocab.tsv").tokens[1:])
    _ok(run("preprocess", topic_corpus_file, "-o", root / "hashed-corpus", "--hash-buckets", buckets, "--workers", "1",
            "-q"))
    _ok(run("train", root / "hashed-corpus", "-o", root / "hashed", "--model", "skipgram", *common))
    _ok(run("quantize", root / "vectors", "-o", root / "int8", "--no-eval", "-q"))
    _ok(run("quantize", root / "vectors", "-o", root / "pq", "--method", "pq", "--subspaces", "4", "--no-eval", "-q"))
    plain = load_embeddings(root / "vectors")
    paths = {name: root / name for name in ("vectors", "fasttext", "hashed", "int8", "pq")}
    paths["vec"] = root / "vectors" / "vectors.vec"
    paths["bin"] = root / "plain.bin"
    write_word2vec_binary(paths["bin"], plain.words, plain.vectors)
    paths["glove"] = root / "glove.txt"
    paths["glove"].write_text("".join(word + " " + " ".join(f"{v:.9g}" for v in row) + "\n"
                                      for word, row in zip(plain.words, plain.vectors.tolist())), encoding="utf-8")
    (root / "bare").mkdir()
    paths["npy"] = root / "bare" / "matrix.npy"
    shutil.copy(root / "vectors" / "vectors.npy", paths["npy"])
    shutil.copy(root / "vectors" / "vocab.tsv", root / "bare" / "vocab.tsv")
    return paths


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_loads_as_the_same_words(kinds: dict[str, Path], kind: str) -> None:
    embeddings = load_embeddings(kinds[kind])
    assert embeddings.vectors.dtype == np.float32 and embeddings.dim == 16
    assert all(word in embeddings.key_to_index for word in ANIMALS + VEHICLES)
    if kind in ("vec", "bin", "glove", "npy", "int8"):
        reference = load_embeddings(kinds["vectors"])
        assert embeddings.words == reference.words
        np.testing.assert_allclose(embeddings.vectors, reference.vectors, atol=0.02 if kind == "int8" else 1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_vectors_command(kinds: dict[str, Path], kind: str) -> None:
    known = run("vectors", kinds[kind], "cat", "--json")
    _ok(known)
    assert json.loads(known.stdout)[0]["source"] == "vocab"
    unseen = run("vectors", kinds[kind], UNSEEN, "--json")
    if kind in RESOLVING:
        _ok(unseen)
        assert json.loads(unseen.stdout)[0]["source"] == RESOLVING[kind]
    else:
        _one_line_error(unseen, f"'{UNSEEN}' is not in the vocabulary")


@pytest.mark.parametrize("kind", KINDS)
def test_neighbors_and_analogy(kinds: dict[str, Path], kind: str) -> None:
    found = run("neighbors", kinds[kind], "cat", "-k", "3", "--json")
    _ok(found)
    (answer,) = json.loads(found.stdout)
    words = [entry["word"] for entry in answer["neighbors"]]
    assert len(words) == 3 and "cat" not in words
    assert set(words) & set(ANIMALS), words  # the topic corpus keeps animals together
    analogy = run("analogy", kinds[kind], "cat", "dog", "car", "-k", "3", "--json")
    _ok(analogy)
    assert len(json.loads(analogy.stdout)["neighbors"]) == 3
    unseen = run("neighbors", kinds[kind], UNSEEN, "-k", "3", "--json")
    if kind in RESOLVING:
        _ok(unseen)
        assert len(json.loads(unseen.stdout)[0]["neighbors"]) == 3
    else:  # the query fails on its own: reported in place, exit 1
        assert unseen.exit_code == 1
        assert f"'{UNSEEN}' is not in the vocabulary" in json.loads(unseen.stdout)[0]["error"]


@pytest.mark.parametrize("kind", KINDS)
def test_eval_similarity(kinds: dict[str, Path], kind: str, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("".join(f"{a}\t{b}\t{score}\n" for a, b, score in PAIRS + [(UNSEEN, "cat", 3.0)]),
                     encoding="utf-8")
    result = run("eval", kinds[kind], "--similarity", pairs, "--json", "-q")
    _ok(result)
    rows = {row["name"]: row for row in json.loads(result.stdout)["similarity"]}
    assert rows["pairs"]["found"] == len(PAIRS) and rows["pairs"]["spearman"] > 0.5
    assert ("pairs+subwords" in rows) == (kind == "fasttext")
    if kind == "fasttext":
        assert rows["pairs+subwords"]["found"] == len(PAIRS) + 1


@pytest.mark.parametrize("kind", KINDS)
def test_embed(kinds: dict[str, Path], kind: str, tmp_path: Path) -> None:
    text = tmp_path / "in.txt"
    text.write_text(f"cat dog\n{UNSEEN}\n\n", encoding="utf-8")
    result = run("embed", kinds[kind], text, "-o", tmp_path / "out.npy", "--json", "-q")
    _ok(result)
    summary = json.loads(result.stdout)
    rows = np.load(tmp_path / "out.npy", allow_pickle=False)
    assert rows.shape == (3, 16) and summary["tokens"] == 3
    embeddings = load_embeddings(kinds[kind])
    np.testing.assert_allclose(rows[0], (embeddings["cat"] + embeddings["dog"]) / 2, rtol=1e-5, atol=1e-6)
    if kind in RESOLVING:  # the unseen word has the model's vector
        assert (summary["oov_tokens"], summary["resolved_tokens"], summary["empty_rows"]) == (0, 1, 1)
        np.testing.assert_allclose(rows[1], embeddings[UNSEEN], rtol=1e-5, atol=1e-6)
    else:
        assert (summary["oov_tokens"], summary["resolved_tokens"], summary["empty_rows"]) == (1, 0, 2)
        assert not rows[1].any()


@pytest.mark.parametrize("kind", KINDS)
def test_plot(kinds: dict[str, Path], kind: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = run("plot", kinds[kind], "cat", "dog", "car", "truck", "-o", tmp_path / "map.png", "--json")
    _ok(result)
    assert json.loads(result.stdout)["words"] == ["cat", "dog", "car", "truck"]
    assert (tmp_path / "map.png").stat().st_size > 0


@pytest.mark.parametrize("kind", KINDS)
def test_quantize(kinds: dict[str, Path], kind: str, tmp_path: Path) -> None:
    result = run("quantize", kinds[kind], "-o", tmp_path / "q", "--no-eval", "-q")
    if kind in QUANTIZED:
        _one_line_error(result, "is already quantized; quantize the original vectors instead")
        assert not (tmp_path / "q").exists()
        return
    _ok(result)
    quantized = load_embeddings(tmp_path / "q")
    assert quantized.words == load_embeddings(kinds[kind]).words
    unseen = run("vectors", tmp_path / "q", UNSEEN, "-q")
    if kind == "hashed":  # a bucket lookup needs only the vocabulary, so it survives quantizing
        _ok(unseen)
    else:  # fastText's n-gram table is not quantized
        _one_line_error(unseen, UNSEEN)
