"""embcli phrases finds, scores and joins exactly what gensim's Phrases + FrozenPhrases do, connector runs of any
length included (`bank of the west`), over one and two passes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conftest import run

WORDS = "cat dog runs walks big small red blue green house tree car river stone".split()
CONNECTORS = "a an the for of with without at from to in on by and or".split()
PLANTED = ["bank of the west", "state of the art", "new york", "lord of the rings", "rock and roll",
           "university of california", "end of the line for the day", "house of the rising sun"]
MIN_COUNT, THRESHOLD = 5, 8.0


def word2phrase_scorer(worda_count: float, wordb_count: float, bigram_count: float, len_vocab: float,
                       min_count: float, corpus_word_count: float) -> float:
    """embcli's word2phrase score for gensim (N = corpus tokens, where gensim's default puts len_vocab)."""
    return (bigram_count - min_count) / worda_count / wordb_count * corpus_word_count


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[list[str]]]:
    rng = random.Random(7)
    lines = []
    for i in range(2500):
        words = [rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(CONNECTORS) for _ in range(rng.randrange(3, 14))]
        for _ in range(rng.randrange(0, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(PLANTED))
        if i % 7 == 0:
            words = ["the", "of"] + words + ["and", "the"]  # connector runs at both ends of a sentence
        lines.append(" ".join(words))
    directory = tmp_path_factory.mktemp("gensim-phrases")
    (directory / "text.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("preprocess", directory / "text.txt", "-o", directory / "corpus", "--min-count", "1", "-q")
    assert result.exit_code == 0, result.output
    corpus_txt = (directory / "corpus" / "corpus.txt").read_text(encoding="utf-8")
    return directory / "corpus", [line.split() for line in corpus_txt.splitlines()]


def gensim_phrases(sentences: list[list[str]]):
    from gensim.models.phrases import Phrases

    return Phrases(sentences, min_count=MIN_COUNT, threshold=THRESHOLD, scoring=word2phrase_scorer,
                   connector_words=frozenset(CONNECTORS))


def embcli_phrases(corpus: Path, out: Path, passes: int) -> tuple[list[list[str]], list[dict[str, float]]]:
    """embcli's joined sentences and, per pass, its phrases with their scores."""
    result = run("phrases", corpus, "-o", out, "--connector-words", "english", "--min-count", str(MIN_COUNT),
                 "--threshold", str(THRESHOLD), "--passes", str(passes), "-q")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in (out / "phrases.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    found = [{row[0]: float(row[2]) for row in rows if int(row[3]) == number} for number in range(1, passes + 1)]
    return [line.split() for line in (out / "corpus.txt").read_text(encoding="utf-8").splitlines()], found


def test_one_pass_finds_scores_and_joins_as_gensim_frozen_phrases(sentences: tuple[Path, list[list[str]]],
                                                                  tmp_path: Path) -> None:
    from gensim.models.phrases import FrozenPhrases

    from embcli.corpus.phrase_table import apply_phrases, read_phrase_table

    corpus, source = sentences
    joined, (ours,) = embcli_phrases(corpus, tmp_path / "p", 1)
    frozen = FrozenPhrases(gensim_phrases(source))
    assert set(ours) == set(frozen.phrasegrams)
    assert all(ours[phrase] == pytest.approx(score, rel=1e-5) for phrase, score in frozen.phrasegrams.items())
    assert {"bank_of_the_west", "end_of_the_line", "rock_and_roll"} <= set(ours)  # runs of 2, 2 and 1 connectors
    assert joined == [frozen[sentence] for sentence in source]
    table = read_phrase_table(tmp_path / "p" / "phrases.tsv")
    assert [apply_phrases(sentence, table) for sentence in source] == joined  # new text is joined the same way


def test_two_passes_join_as_gensim_phrases_applied_twice(sentences: tuple[Path, list[list[str]]],
                                                         tmp_path: Path) -> None:
    """gensim's Phrases, not FrozenPhrases, for the second pass: freezing re-splits a phrase at every `_`, so it
    scores `end_of_the_line for the day` with the counts of `end` and `day` and loses it."""
    from embcli.corpus.phrase_table import apply_phrases, read_phrase_table

    corpus, source = sentences
    joined, found = embcli_phrases(corpus, tmp_path / "p", 2)
    expected = source
    for ours in found:
        model = gensim_phrases(expected)
        applied = model.find_phrases(expected)
        assert applied and set(applied) <= set(ours)
        assert all(ours[phrase] == pytest.approx(score, rel=1e-5) for phrase, score in applied.items())
        expected = [model[sentence] for sentence in expected]
    assert "end_of_the_line_for_the_day" in found[1]
    assert joined == expected
    table = read_phrase_table(tmp_path / "p" / "phrases.tsv")
    assert [apply_phrases(sentence, table) for sentence in source] == joined
