"""embcli phrases: a planted phrase is found, counts and scores equal a direct computation, the output trains."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_imports_none_of, run

FILLER = "the a cat dog runs walks big small red blue green house tree car of".split()
CONNECTORS = {"a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by", "and", "or"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(0)
    lines = []
    for i in range(1500):
        words = [rng.choice(FILLER) for _ in range(10)]
        if i % 3 == 0:
            words.insert(rng.randrange(10), "new york")
        if i % 5 == 0:
            words.insert(rng.randrange(10), "bank of america")
        lines.append(" ".join(words))
    directory = tmp_path_factory.mktemp("phrases")
    (directory / "text.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("preprocess", directory / "text.txt", "-o", directory / "corpus", "--min-count", "1", "-q").exit_code == 0
    return directory / "corpus"


def direct_scores(corpus_txt: Path, min_count: int, connectors: set[str]) -> dict[str, tuple[int, float]]:
    """word2phrase scores of every candidate, counted in Python over corpus.txt."""
    sentences = [line.split() for line in corpus_txt.read_text(encoding="utf-8").splitlines()]
    words = Counter(token for sentence in sentences for token in sentence)
    total = sum(words.values())
    pairs: Counter[tuple[str, ...]] = Counter()
    for s in sentences:
        words_at = [i for i, token in enumerate(s) if token not in connectors]
        for i, j in zip(words_at, words_at[1:]):  # two words with only connectors (or nothing) between them
            pairs[tuple(s[i : j + 1])] += 1
    return {"_".join(p): (n, (n - min_count) / (words[p[0]] * words[p[-1]]) * total) for p, n in pairs.items()
            if n >= min_count and words[p[0]] >= min_count and words[p[-1]] >= min_count}


def read_table(directory: Path) -> dict[str, tuple[int, float]]:
    rows = (directory / "phrases.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {row.split("\t")[0]: (int(row.split("\t")[1]), float(row.split("\t")[2])) for row in rows}


def test_planted_phrases_are_found_with_the_direct_counts_and_scores(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "joined"
    result = run("phrases", corpus, "-o", out, "--connector-words", "english", "--threshold", "10", "-q")
    assert result.exit_code == 0, result.output
    table = read_table(out)
    assert {"new_york", "bank_of_america"} <= set(table)
    expected = {phrase: value for phrase, value in direct_scores(corpus / "corpus.txt", 5, CONNECTORS).items()
                if value[1] > 10}
    assert set(table) == set(expected)
    for phrase, (count, score) in table.items():
        assert count == expected[phrase][0] and score == pytest.approx(expected[phrase][1], rel=1e-5)
    text = (out / "corpus.txt").read_text(encoding="utf-8")
    assert "new_york" in text and " new york " not in f" {text} "
    vocab = [line.split("\t")[1] for line in (out / "vocab.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    assert vocab[0] == "<unk>" and "new_york" in vocab and "york" not in vocab  # york only ever follows new
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "corpus" and manifest["phrases"]["threshold"] == 10
    assert np.array_equal(np.load(out / "lines.npy"), np.load(corpus / "lines.npy"))
    trained = run("train", out, "-o", tmp_path / "sg", "--dim", "8", "--epochs", "1", "-q")
    assert trained.exit_code == 0, trained.output
    (tmp_path / "new.txt").write_text("New York\n", encoding="utf-8")  # embed joins new text as the corpus was
    assert run("embed", tmp_path / "sg", tmp_path / "new.txt", "-o", tmp_path / "new.npy", "-q").exit_code == 0
    row = vocab.index("new_york")
    assert np.array_equal(np.load(tmp_path / "new.npy")[0], np.load(tmp_path / "sg" / "vectors.npy")[row])


def test_without_connectors_and_with_a_tiny_memory_cap(corpus: Path, tmp_path: Path) -> None:
    from embcli.config import PhrasesConfig
    from embcli.corpus.token_corpus import load_token_corpus
    from embcli.phrases import learn_and_apply

    loaded = load_token_corpus(corpus)
    *_, found, stats = learn_and_apply(loaded, PhrasesConfig(threshold=10, min_count=5))
    assert "new_york" in {"_".join(p["parts"]) for p in found}
    assert "bank_of_america" not in {"_".join(p["parts"]) for p in found}  # 'of' must be a connector for that
    *_, capped, capped_stats = learn_and_apply(loaded, PhrasesConfig(threshold=10, min_count=5, memory_mb=0.004))
    assert capped_stats[0]["prunes"] > 0 and capped_stats[0]["max_candidates"] == 64
    assert "new_york" in {"_".join(p["parts"]) for p in capped}  # frequent pairs survive the pruning


def test_connector_words_none_is_the_default_spelled_out(corpus: Path, tmp_path: Path) -> None:
    for name, extra in (("default", ()), ("none", ("--connector-words", "none"))):
        assert run("phrases", corpus, "-o", tmp_path / name, "--threshold", "10", "-q", *extra).exit_code == 0
    assert (tmp_path / "none" / "phrases.tsv").read_bytes() == (tmp_path / "default" / "phrases.tsv").read_bytes()
    assert "bank_of_america" not in read_table(tmp_path / "none") and "new_york" in read_table(tmp_path / "none")


def test_the_memory_cap_bounds_the_candidates_held_and_pruning_only_undercounts(corpus: Path) -> None:
    from embcli.corpus.token_corpus import load_token_corpus
    from embcli.corpus.phrase_spans import connector_trie
    from embcli.phrases import candidate_limit, chunk_bounds, count_candidates, word_masks

    loaded = load_token_corpus(corpus)
    ids, offsets = np.asarray(loaded.ids), loaded.offsets
    masks = word_masks(loaded.vocab.tokens, frozenset(CONNECTORS))
    trie = connector_trie(ids, offsets, *masks, chunk_bounds(offsets, 1000))
    keys, counts, prunes, _ = count_candidates(ids, offsets, masks, trie, 64.0)
    assert prunes == 0 and len(keys) > 500
    exact = dict(zip(keys.tolist(), counts.tolist()))
    for memory_mb in (0.004, 0.02):
        capped_keys, capped_counts, prunes, min_reduce = count_candidates(ids, offsets, masks, trie, memory_mb)
        assert prunes > 0 and min_reduce == prunes + 1 and len(capped_keys) <= candidate_limit(memory_mb)
        assert all(n <= exact[key] for key, n in zip(capped_keys.tolist(), capped_counts.tolist()))
        top = max(exact, key=exact.get)  # the most frequent candidate is never pruned and counted in full
        assert dict(zip(capped_keys.tolist(), capped_counts.tolist())).get(top) == exact[top]


def test_two_passes_and_new_text_joined_the_same_way(tmp_path: Path) -> None:
    from embcli.corpus.phrase_table import apply_phrases, read_phrase_table

    rng = random.Random(1)
    lines = [" ".join(rng.sample(FILLER, 6) + (["new", "york", "city"] if i % 2 else [])) for i in range(1500)]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "c", "--min-count", "1", "-q").exit_code == 0
    assert run("phrases", tmp_path / "c", "-o", tmp_path / "p", "--passes", "2", "--threshold", "5", "-q").exit_code == 0
    passes = read_phrase_table(tmp_path / "p" / "phrases.tsv")
    assert "new_york_city" in (tmp_path / "p" / "corpus.txt").read_text(encoding="utf-8")
    assert apply_phrases("the new york city car".split(), passes) == ["the", "new_york_city", "car"]
    joined = (tmp_path / "p" / "corpus.txt").read_text(encoding="utf-8").splitlines()
    source = (tmp_path / "c" / "corpus.txt").read_text(encoding="utf-8").splitlines()
    assert all(apply_phrases(s.split(), passes) == j.split() for s, j in zip(source[:200], joined[:200]))


def test_bad_options_fail_cleanly(corpus: Path, tmp_path: Path) -> None:
    result = run("phrases", corpus, "-o", tmp_path / "bad", "--scoring", "npmi", "--threshold", "100")
    assert result.exit_code != 0 and "NPMI scores lie in [-1, 1]" in result.output
    assert not (tmp_path / "bad").exists()
    result = run("phrases", tmp_path / "missing", "-o", tmp_path / "bad2")
    assert result.exit_code != 0 and "Traceback" not in result.output and not (tmp_path / "bad2").exists()


def test_vectors_carry_the_phrase_table_so_embed_needs_no_corpus(tmp_path: Path) -> None:
    import json
    import shutil

    import numpy as np

    rng = random.Random(2)
    lines = [" ".join(rng.sample(FILLER, 6) + (["new", "york"] if i % 2 else [])) for i in range(1500)]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "c", "--min-count", "1", "-q").exit_code == 0
    assert run("phrases", tmp_path / "c", "-o", tmp_path / "p", "--threshold", "5", "-q").exit_code == 0
    assert run("train", tmp_path / "p", "-o", tmp_path / "v", "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    assert json.loads((tmp_path / "v" / "manifest.json").read_text())["tokenizer"]["phrases"] == "phrases.tsv"
    shutil.rmtree(tmp_path / "p")
    shutil.rmtree(tmp_path / "c")  # nothing outside the vectors directory is read
    (tmp_path / "new.txt").write_text("new york\n", encoding="utf-8")
    result = run("embed", tmp_path / "v", tmp_path / "new.txt", "-o", tmp_path / "new.npy", "--json", "-q")
    assert result.exit_code == 0, result.output
    vectors = np.load(tmp_path / "v" / "vectors.npy")
    words = [line.split("\t")[1] for line in (tmp_path / "v" / "vocab.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    np.testing.assert_allclose(np.load(tmp_path / "new.npy")[0], vectors[words.index("new_york")], rtol=1e-6)


def test_a_phrase_table_with_connector_runs_reads_back(tmp_path):
    """Phrases of four words (two connectors inside) survive the round trip through phrases.tsv."""
    from embcli.corpus.phrase_table import apply_phrases, read_phrase_table, write_phrase_table

    found = [{"phrase": "bank_of_the_west", "count": 9, "score": 12.5, "pass": 1, "parts": ["bank", "of", "the", "west"]},
             {"phrase": "new_york", "count": 30, "score": 200.0, "pass": 1, "parts": ["new", "york"]}]
    write_phrase_table(tmp_path / "phrases.tsv", found)
    passes = read_phrase_table(tmp_path / "phrases.tsv")
    assert apply_phrases("the bank of the west in new york".split(), passes) == ["the", "bank_of_the_west", "in",
                                                                                 "new_york"]


def test_phrases_loads_no_compiler(corpus: Path, tmp_path: Path) -> None:
    """Whole-array counting and joining: the command starts without numba (and the scipy numba pulls in)."""
    assert_imports_none_of({"numba", "scipy"}, "phrases", corpus, "-o", tmp_path / "p", "--threshold", "10", "-q")
    assert (tmp_path / "p" / "phrases.tsv").read_text(encoding="utf-8").count("\n") > 1


def test_queries_and_the_python_api_join_phrases_as_the_corpus_was(corpus: Path, tmp_path: Path) -> None:
    from embcli.embeddings import load_embeddings

    assert run("phrases", corpus, "-o", tmp_path / "p", "--threshold", "10", "-q").exit_code == 0
    assert run("train", tmp_path / "p", "-o", tmp_path / "v", "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    embeddings = load_embeddings(tmp_path / "v")
    assert embeddings.text_tokenizer()("I love New York") == ["i", "love", "new_york"]
    assert embeddings.tokenizer()("New York") == ["new", "york"]
    same = run("similarity", tmp_path / "v", "New York", "new_york")
    assert same.exit_code == 0 and float(same.stdout) == pytest.approx(1.0, abs=1e-5)
    (answer,) = json.loads(run("neighbors", tmp_path / "v", "new york - dog", "-k", "3", "--json").stdout)
    words = [neighbor["word"] for neighbor in answer["neighbors"]]
    assert len(words) == 3 and "new_york" not in words and "dog" not in words  # the query's own rows are left out
    apart = run("neighbors", tmp_path / "v", "cat dog", "-k", "3", "--json")  # no phrase: two words, as before
    assert apart.exit_code == 0 and not {"cat", "dog"} & {n["word"] for n in json.loads(apart.stdout)[0]["neighbors"]}
