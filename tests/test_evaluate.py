"""Evaluation core: dataset readers, similarity, batched analogies, neighbours.

The central claim is equality with gensim on the same vectors: accuracy per
section and ρ are compared with `KeyedVectors.evaluate_word_analogies` /
`evaluate_word_pairs` (3CosMul with gensim's `most_similar_cosmul` scores,
since gensim's evaluator only does 3CosAdd).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from embcli.config import EvalConfig
from embcli.errors import FormatError, InputError
from embcli.evaluation.analogy import evaluate_analogies
from embcli.evaluation.datasets import SimilarityDataset, read_analogy_questions, read_similarity_pairs, suite_files
from embcli.evaluation.lookup import CaseInsensitiveVocab
from embcli.evaluation.neighbors import nearest_neighbors, solve_analogy
from embcli.evaluation.report import evaluate_embeddings, load_datasets, render_table
from embcli.evaluation.similarity import evaluate_similarity
from embcli.embeddings import Embeddings, load_embeddings
from embcli.embeddings.text_format import write_word2vec_text


def toy_embeddings(vectors: dict[str, list[float]]) -> Embeddings:
    return Embeddings(list(vectors), np.array(list(vectors.values()), dtype=np.float32), source="toy")


# ---------------------------------------------------------------------------
# synthetic vectors with analogy structure, for the comparisons with gensim


def structured_vectors(seed: int = 0, dim: int = 24) -> tuple[list[str], np.ndarray, str]:
    """Words whose pairs share an offset plus noise, so some analogies succeed and some fail.

    Returns the words (roughly frequency ordered, with casing variants that
    must never be answers and distractors), their matrix and an analogy file text.
    """
    rng = np.random.default_rng(seed)
    words: list[str] = []
    rows: list[np.ndarray] = []
    lines: list[str] = []
    for section, n_pairs, noise in (("family", 12, 1.2), ("gram8-plural", 14, 1.0)):
        offset = rng.normal(size=dim)
        pairs = []
        for i in range(n_pairs):
            base = rng.normal(size=dim)
            first, second = f"{section[:3]}{i}", f"{section[:3]}{i}X"
            words += [first, second]
            rows += [base, base + offset + rng.normal(scale=noise * np.sqrt(dim) / 4, size=dim)]
            pairs.append((first, second))
        lines.append(f": {section}")
        lines += [f"{a} {b} {c} {d}" for a, b in pairs for c, d in pairs if a != c]
    lines[5] = lines[5].upper()  # the test set's casing must not matter
    lines.insert(7, "only three words")  # malformed: skipped and counted
    lines.append("fam0 fam0X unknownword fam1X")  # out of vocabulary: unanswered
    # Casing variants of question words, close to them: a lower row of the same word, never an answer.
    for word in ("fam0", "fam3X", "gra2", "gra5X"):
        words.append(word.upper())
        rows.append(rows[words.index(word)] + rng.normal(scale=0.05, size=dim))
    words += [f"noise{i}" for i in range(60)]
    rows += list(rng.normal(size=(60, dim)))
    return words, np.array(rows, dtype=np.float32), "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def structured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Embeddings, KeyedVectors, Path]:
    directory = tmp_path_factory.mktemp("structured")
    words, matrix, analogy_text = structured_vectors()
    write_word2vec_text(directory / "vectors.vec", words, matrix)
    (directory / "questions.txt").write_text(analogy_text, encoding="utf-8")
    embeddings = load_embeddings(directory / "vectors.vec")
    reference = KeyedVectors.load_word2vec_format(str(directory / "vectors.vec"))
    return embeddings, reference, directory / "questions.txt"


# ---------------------------------------------------------------------------
# dataset readers


def test_similarity_reader_skips_and_counts_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text("# a comment\ntiger\tcat\t7.35\n\nbad line\nbook\tpaper\tlots\n"
                    "one\ttwo\t3\textra\nsun\tmoon\tnan\nCar\tauto\t8\n", encoding="utf-8")
    dataset = read_similarity_pairs(path)
    assert dataset.name == "pairs"
    assert dataset.pairs == [("tiger", "cat", 7.35), ("Car", "auto", 8.0)]
    assert dataset.malformed == 4
    assert dataset.malformed_lines == [4, 5, 6, 7]


def test_analogy_reader_sections_and_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text(": capital\nAthens Greece Oslo Norway\n\nAthens Greece Oslo\n: gram1-adj\n"
                    "calm calmly quick quickly\ntoo many words here now\n", encoding="utf-8")
    dataset = read_analogy_questions(path)
    assert [(s.name, s.syntactic, s.questions) for s in dataset.sections] == [
        ("capital", False, [("Athens", "Greece", "Oslo", "Norway")]),
        ("gram1-adj", True, [("calm", "calmly", "quick", "quickly")]),
    ]
    assert (dataset.malformed, dataset.malformed_lines, dataset.n_questions) == (2, [4, 7], 2)


def test_analogy_question_before_any_section_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "q.txt"
    path.write_text("a b c d\n: s\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"q.txt:1: question before the first ': section' header line"):
        read_analogy_questions(path)


def test_missing_and_undecodable_eval_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"evaluation file .*nope.txt does not exist"):
        read_similarity_pairs(tmp_path / "nope.txt")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\tcoffee\t5\n")
    with pytest.raises(FormatError, match="not UTF-8 text at byte 3"):
        read_similarity_pairs(tmp_path / "latin1.txt")


def test_standard_suite_is_bundled_and_readable() -> None:
    files = suite_files("standard")
    assert [name for name, _, _ in files] == ["ws353", "ws353-sim", "ws353-rel", "simlex999", "google"]
    similarity_sets, analogy_sets = load_datasets(suite="standard")
    assert [len(s.pairs) for s in similarity_sets] == [353, 203, 252, 999]
    assert all(s.malformed == 0 for s in similarity_sets)
    google = analogy_sets[0]
    assert (google.n_questions, len(google.sections), google.malformed) == (19544, 14, 0)
    assert sum(s.syntactic for s in google.sections) == 9


def test_case_insensitive_lookup_prefers_the_first_casing() -> None:
    vocab = CaseInsensitiveVocab(["the", "Paris", "paris", "PARIS", "France"], limit=4)
    assert (vocab.row("paris"), vocab.row("Paris"), vocab.row("the"), vocab.row("France")) == (1, 1, 0, -1)
    assert vocab.group.tolist() == [0, 1, 1, 1]


# ---------------------------------------------------------------------------
# analogies: hand-checked toys


def test_toy_analogy_king_queen_and_question_words_excluded() -> None:
    # Dimensions (male, female, common, royal), all rows of norm sqrt(2): unit king - man + woman
    # = (0, 1, 0, 1)/sqrt(2) = unit queen, cosine 1. King and woman have cosine 1/2 with it but are
    # question words, so the runner-up is apple: (0, 0, 0, -1)·(0, 1, 0, 1)/sqrt(2) = -1/sqrt(2).
    embeddings = toy_embeddings({
        "man": [1, 0, 1, 0], "woman": [0, 1, 1, 0], "king": [1, 0, 0, 1], "queen": [0, 1, 0, 1], "apple": [0, 0, 0, -1],
    })
    answers = solve_analogy(embeddings, "man", "king", "woman", k=2)
    assert [word for word, _ in answers] == ["queen", "apple"]
    assert answers[0][1] == pytest.approx(1.0)
    assert answers[1][1] == pytest.approx(-1 / math.sqrt(2))


def test_toy_3cosadd_and_3cosmul_disagree_as_computed_by_hand(tmp_path: Path) -> None:
    # Unit vectors at angles a=0°, b=60°, c=120°; candidates x=90°, y=180°.
    # 3CosAdd: x: cos30 + cos30 - cos90 = 1.732;  y: cos120 + cos60 - cos180 = 1.0      -> x
    # 3CosMul: x: (1.866/2)(1.866/2)/(1/2 + 1e-6) = 1.741;  y: (0.5/2)(1.5/2)/(0 + 1e-6) = 187500  -> y
    angles = {"a": 0, "b": 60, "c": 120, "x": 90, "y": 180}
    embeddings = toy_embeddings({w: [math.cos(math.radians(t)), math.sin(math.radians(t))] for w, t in angles.items()})
    path = tmp_path / "q.txt"
    path.write_text(": toy\na b c x\na b c y\n", encoding="utf-8")
    result = evaluate_analogies(embeddings, read_analogy_questions(path), restrict_vocab=5)
    assert result.sections[0].correct == {"3cosadd": 1, "3cosmul": 1}
    by_question = [evaluate_analogies(embeddings, read_analogy_questions(_one_question(tmp_path, q)),
                                      restrict_vocab=5).sections[0].correct for q in ("a b c x", "a b c y")]
    assert by_question == [{"3cosadd": 1, "3cosmul": 0}, {"3cosadd": 0, "3cosmul": 1}]


def _one_question(tmp_path: Path, question: str) -> Path:
    path = tmp_path / f"{question.replace(' ', '_')}.txt"
    path.write_text(f": toy\n{question}\n", encoding="utf-8")
    return path


def test_restrict_vocab_makes_questions_unanswered(tmp_path: Path) -> None:
    embeddings = toy_embeddings({"man": [1, 0, 0], "woman": [0, 1, 0], "king": [1, 0, 1], "queen": [0, 1, 1]})
    path = _one_question(tmp_path, "man king woman queen")
    full = evaluate_analogies(embeddings, read_analogy_questions(path), restrict_vocab=4)
    cut = evaluate_analogies(embeddings, read_analogy_questions(path), restrict_vocab=3)
    assert (full.answered, full.summary("3cosadd")["accuracy"], full.coverage) == (1, 1.0, 1.0)
    assert (cut.answered, cut.summary("3cosadd")["accuracy"], cut.coverage) == (0, None, 0.0)


# ---------------------------------------------------------------------------
# equality with gensim


@pytest.mark.parametrize("restrict_vocab", [1000, 40])
def test_3cosadd_equals_gensim_per_section(structured, restrict_vocab: int) -> None:
    embeddings, reference, questions = structured
    ours = evaluate_analogies(embeddings, read_analogy_questions(questions), restrict_vocab=restrict_vocab,
                              memory_budget=4 * 1024 * 20)  # also exercises batching
    total, sections = reference.evaluate_word_analogies(str(questions), restrict_vocab=restrict_vocab)
    assert [s.name for s in ours.sections] == [s["section"] for s in sections[:-1]]
    assert [(s.correct["3cosadd"], s.answered) for s in ours.sections] == [
        (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]
    ]
    assert ours.summary("3cosadd")["accuracy"] == pytest.approx(total)
    assert ours.malformed == 1
    correct = ours.summary("3cosadd")["correct"]
    assert 0 < correct < ours.answered  # the test is not trivially all right or all wrong
    if restrict_vocab == 1000:
        assert ours.questions - ours.answered == 1  # the line with an unknown word


def gensim_cosmul_accuracy(reference: KeyedVectors, questions: Path, restrict_vocab: int) -> list[tuple[int, int]]:
    """(correct, answered) per section with gensim's most_similar_cosmul scores, one question at a time."""
    keys = reference.index_to_key[:restrict_vocab]
    first_row = {key.upper(): reference.get_index(key) for key in reversed(keys)}
    upper_keys = np.array([key.upper() for key in keys])
    per_section = []
    for section in read_analogy_questions(questions).sections:
        correct = answered = 0
        for question in section.questions:
            upper = [word.upper() for word in question]
            if not all(word in first_row for word in upper):
                continue
            a, b, c = (reference.index_to_key[first_row[word]] for word in upper[:3])
            scores = reference.most_similar_cosmul(positive=[b, c], negative=[a], topn=None)[:restrict_vocab]
            scores = np.where(np.isin(upper_keys, upper[:3]), -np.inf, scores)
            answered += 1
            correct += upper_keys[int(np.argmax(scores))] == upper[3]
        per_section.append((correct, answered))
    return per_section


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim calls its own init_sims
def test_3cosmul_equals_gensim_most_similar_cosmul(structured) -> None:
    embeddings, reference, questions = structured
    ours = evaluate_analogies(embeddings, read_analogy_questions(questions), restrict_vocab=1000, methods=("3cosmul",))
    expected = gensim_cosmul_accuracy(reference, questions, 1000)
    assert [(s.correct["3cosmul"], s.answered) for s in ours.sections] == expected
    assert 0 < sum(correct for correct, _ in expected) < ours.answered


def test_similarity_equals_gensim(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(80)] + ["Tiger", "tiger", "CAT"]
    write_word2vec_text(tmp_path / "v.vec", words, rng.normal(size=(len(words), 16)).astype(np.float32))
    lines = ["# word1\tword2\tscore"]
    lines += [f"w{rng.integers(80)}\tw{rng.integers(80)}\t{rng.uniform(0, 10):.2f}" for _ in range(60)]
    lines += ["tiger\tcat\t7.35", "TIGER\tw3\t1.5", "unknown\tw1\t3.0", "w5\tw6", "w7\tw8\tnot-a-number",
              "w2\tw9\t4.25", "w10 \tw11\t2.0"]
    (tmp_path / "pairs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    embeddings = load_embeddings(tmp_path / "v.vec")
    reference = KeyedVectors.load_word2vec_format(str(tmp_path / "v.vec"))
    for restrict in (300_000, 50):
        ours = evaluate_similarity(embeddings, read_similarity_pairs(tmp_path / "pairs.txt"), restrict_vocab=restrict)
        pearson, spearman, oov_percent = reference.evaluate_word_pairs(str(tmp_path / "pairs.txt"),
                                                                       restrict_vocab=restrict)
        assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-9)
        assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-6)
        assert 100 * (1 - ours.coverage) == pytest.approx(oov_percent)
    assert ours.malformed == 2
    assert ours.pairs == 65


def test_similarity_with_no_pair_found_reports_none() -> None:
    embeddings = toy_embeddings({"a": [1, 0], "b": [0, 1]})
    result = evaluate_similarity(embeddings, SimilarityDataset("x", "x", [("a", "zz", 1.0), ("b", "yy", 2.0)]))
    assert (result.found, result.coverage, result.spearman, result.pearson) == (0, 0.0, None, None)


# ---------------------------------------------------------------------------
# neighbours and the report


def test_nearest_neighbors_are_ranked_and_exclude_the_word() -> None:
    embeddings = toy_embeddings({"cat": [1, 0], "dog": [0.9, 0.1], "car": [0, 1], "Kitten": [1, 0.05]})
    found = nearest_neighbors(embeddings, ["cat", "kitten"], k=2)
    assert [w for w, _ in found["cat"]] == ["Kitten", "dog"]
    assert [w for w, _ in found["kitten"]] == ["cat", "dog"]  # found through its casing "Kitten"
    with pytest.raises(InputError, match=r"^'zebra', 'yak' not in the vocabulary of toy \(4 words\); check the spelling$"):
        nearest_neighbors(embeddings, ["zebra", "cat", "yak"])


def test_report_table_and_dict(structured) -> None:
    embeddings, _, questions = structured
    report = evaluate_embeddings(embeddings, [], [read_analogy_questions(questions)],
                                 EvalConfig(restrict_vocab=1000, method="3cosadd", workers=1))
    data = report.as_dict()
    google = data["analogy"][0]
    assert list(google["methods"]) == ["3cosadd"]
    assert google["methods"]["3cosadd"]["total"]["answered"] == google["answered"]
    assert google["malformed_line_numbers"] == [8]
    table = render_table(report)
    assert "family" in table and "SYNTACTIC" in table and "3CosAdd" in table
    assert "skipped 1 malformed line of" in table
