"""embcli's query methods give gensim's answers on the same vectors.

Every method is compared with `gensim.models.KeyedVectors` holding the same
float32 rows: the same top-10 keys (the vectors are random, so exact ties do
not occur) and scores within 1e-5. The vectors are memory-mapped and the
blocks made tiny, so the blocked scan, not a single product, is what is tested.
"""

from __future__ import annotations


import numpy as np
import pytest

from embcli.embeddings import Embeddings, queries

N_WORDS, DIM = 700, 16


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(N_WORDS)]
    matrix = rng.normal(size=(N_WORDS, DIM)).astype(np.float32)
    path = tmp_path_factory.mktemp("mm") / "vectors.npy"
    np.save(path, matrix)
    ours = Embeddings(words, np.load(path, mmap_mode="r"), source="test")
    theirs = KeyedVectors(vector_size=DIM)
    theirs.add_vectors(words, matrix)
    return ours, theirs


@pytest.fixture(autouse=True)
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "BLOCK_BYTES", 4 * DIM * 64)  # 64-row blocks: 11 blocks for 700 rows
    monkeypatch.setattr(queries, "MIN_BLOCK_ROWS", 1)


def assert_same(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    assert [word for word, _ in ours] == [word for word, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


VECTOR = np.random.default_rng(9).normal(size=DIM).astype(np.float32)

MOST_SIMILAR_CASES = [
    dict(positive="w1"),
    dict(positive=["w1", "w2"], negative=["w3"]),
    dict(positive=["w5"], negative=["w6", "w7"], topn=25),
    dict(positive=["w1"], restrict_vocab=100),
    dict(positive=["w650"], restrict_vocab=300),  # a key beyond the restriction still asks
    dict(positive=[VECTOR, "w4"], negative=["w8"]),
    dict(positive=[("w1", 2.0), "w2"], negative=[("w3", 0.5)]),
    dict(positive=[3, 4]),  # row numbers as keys
    dict(negative=["w9"]),
]


@pytest.mark.parametrize("case", MOST_SIMILAR_CASES)
def test_most_similar(pair, case) -> None:
    ours, theirs = pair
    assert_same(ours.most_similar(**case), theirs.most_similar(**case))


@pytest.mark.parametrize("case", [dict(positive="w1"), dict(positive=["w1", "w2"], negative=["w3"]),
                                  dict(positive=["w1", VECTOR / np.linalg.norm(VECTOR)], negative=["w2"], topn=30),
                                  dict(positive=["w10"], negative=["w11", "w12"])])
def test_most_similar_cosmul(pair, case) -> None:
    ours, theirs = pair
    assert_same(ours.most_similar_cosmul(**case), theirs.most_similar_cosmul(**case))


def test_cosmul_restrict_vocab_is_honoured(pair) -> None:
    """gensim ignores restrict_vocab for cosmul; embcli answers among the first N, with gensim's scores."""
    ours, theirs = pair
    every = theirs.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=None)[:200]
    every[[1, 2, 3]] = -np.inf
    expected = [(f"w{i}", float(every[i])) for i in np.argsort(-every)[:10]]
    assert_same(ours.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], restrict_vocab=200), expected)


def test_all_scores_when_topn_is_none(pair) -> None:
    ours, theirs = pair
    np.testing.assert_allclose(ours.most_similar("w1", topn=None), theirs.most_similar("w1", topn=None), atol=1e-5)
    np.testing.assert_allclose(ours.most_similar("w1", topn=None, restrict_vocab=50),
                               theirs.most_similar("w1", topn=None, restrict_vocab=50), atol=1e-5)


def test_similar_by_word_and_vector(pair) -> None:
    ours, theirs = pair
    assert_same(ours.similar_by_word("w20", topn=7), theirs.similar_by_word("w20", topn=7))
    assert_same(ours.similar_by_vector(VECTOR, topn=12), theirs.similar_by_vector(VECTOR, topn=12))
    assert_same(ours.similar_by_vector(VECTOR, restrict_vocab=90), theirs.similar_by_vector(VECTOR, restrict_vocab=90))


def test_similarity_distance_and_n_similarity(pair) -> None:
    ours, theirs = pair
    for a, b in [("w1", "w2"), ("w3", "w3"), ("w100", "w699")]:
        assert ours.similarity(a, b) == pytest.approx(float(theirs.similarity(a, b)), abs=1e-6)
        assert ours.distance(a, b) == pytest.approx(float(theirs.distance(a, b)), abs=1e-6)
    assert ours.n_similarity(["w1", "w2"], ["w3", "w4", "w5"]) == pytest.approx(
        float(theirs.n_similarity(["w1", "w2"], ["w3", "w4", "w5"])), abs=1e-6)
    with pytest.raises(ZeroDivisionError):
        ours.n_similarity([], ["w1"])


def test_distances(pair) -> None:
    ours, theirs = pair
    np.testing.assert_allclose(ours.distances("w5"), theirs.distances("w5"), atol=1e-5)
    np.testing.assert_allclose(ours.distances("w5", ["w1", "w9"]), theirs.distances("w5", ["w1", "w9"]), atol=1e-5)
    np.testing.assert_allclose(ours.distances(VECTOR, ["w1"]), theirs.distances(VECTOR, ["w1"]), atol=1e-5)


@pytest.mark.parametrize("a, b", [("w1", "w2"), ("w7", "w500"), ("w0", "w0")])
def test_rank(pair, a, b) -> None:
    ours, theirs = pair
    assert ours.rank(a, b) == theirs.rank(a, b)


def test_doesnt_match(pair) -> None:
    ours, theirs = pair
    rng = np.random.default_rng(1)
    for _ in range(20):
        words = [f"w{i}" for i in rng.choice(N_WORDS, size=5, replace=False)]
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
    assert ours.doesnt_match(["w1", "w2", "nope", "w3"]) == theirs.doesnt_match(["w1", "w2", "nope", "w3"])
    with pytest.raises(ValueError):
        ours.doesnt_match(["nope"])


def test_get_mean_vector(pair) -> None:
    ours, theirs = pair
    for kwargs in [dict(), dict(weights=[1.0, -2.0, 0.5]), dict(pre_normalize=False), dict(post_normalize=True)]:
        np.testing.assert_allclose(ours.get_mean_vector(["w1", "w2", VECTOR], **kwargs),
                                   theirs.get_mean_vector(["w1", "w2", VECTOR], **kwargs), atol=1e-6)
    with pytest.raises(KeyError):
        ours.get_mean_vector(["w1", "nope"], ignore_missing=False)
    with pytest.raises(ValueError):
        ours.get_mean_vector([])


def test_unknown_words_raise_key_error(pair) -> None:
    ours, _ = pair
    with pytest.raises(KeyError):
        ours.most_similar("nope")
    with pytest.raises(KeyError):
        ours.similarity("w1", "nope")


def test_topn_below_one_is_empty(pair) -> None:
    ours, _ = pair
    assert ours.most_similar("w1", topn=0) == [] and ours.most_similar_cosmul("w1", topn=0) == []


def test_to_gensim_round_trip(pair) -> None:
    ours, theirs = pair
    keyed = ours.to_gensim()
    assert keyed.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(keyed.vectors, theirs.vectors)
    assert_same(keyed.most_similar("w3"), ours.most_similar("w3"))


def test_the_matrix_is_never_copied_whole(pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read is one block of rows: no full-size float32 array is built from the memory map."""
    ours, _ = pair
    seen: list[int] = []
    original = queries.np.asarray

    def watching(value, *args, **kwargs):
        out = original(value, *args, **kwargs)
        if isinstance(value, np.memmap) and out.ndim == 2:
            seen.append(out.shape[0])
        return out

    monkeypatch.setattr(queries.np, "asarray", watching)
    ours.most_similar(["w1", "w2"], negative=["w3"])
    assert seen and max(seen) <= 64
    monkeypatch.undo()


def test_many_queries_in_one_scan_equal_single_queries(pair) -> None:
    ours, theirs = pair
    targets = np.vstack([ours.get_mean_vector([f"w{i}"], post_normalize=True) for i in range(40)])
    found = ours.scan_top(queries.cosine_scorer(targets), 40, 5, exclude=[[i] for i in range(40)])
    for i, rows in enumerate(found):
        assert_same([(ours.index_to_key[row], score) for row, score in rows], theirs.most_similar(f"w{i}", topn=5))
