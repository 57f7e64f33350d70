"""What `embcli eval` shows: results once, aligned tables, per-item details, and sets the vocabulary misses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from embcli.cli import main
from tests.toy_vectors import write_vectors_dir

WORDS = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy"]


@pytest.fixture()
def toy_model(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    return write_vectors_dir(tmp_path / "toy", WORDS, rng.normal(size=(len(WORDS), 8)))


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def similarity_file(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_results_are_printed_once_as_an_aligned_table(toy_model: Path, tmp_path: Path) -> None:
    long_name = similarity_file(tmp_path / "a-very-long-similarity-set-name.txt", ["king\tqueen\t9", "man\twoman\t8",
                                                                                  "paris\trome\t3"])
    result = invoke("eval", toy_model, "--similarity", long_name)
    assert result.exit_code == 0, result.output
    assert "Spearman" not in result.stderr  # the scores are on stdout, in the table only
    header, row = [line for line in result.stdout.splitlines() if "pairs" in line or "long" in line]
    assert header.index("pairs") + len("pairs") == row.index(" 3 ") + 2  # the pairs column lines up


def test_details_give_each_pair_and_each_question(toy_model: Path, tmp_path: Path) -> None:
    pairs = similarity_file(tmp_path / "pairs.txt", ["king\tqueen\t9", "man\tunknownword\t8"])
    questions = similarity_file(tmp_path / "q.txt", [": capitals", "paris france rome italy", "king man queen zzz"])
    result = invoke("eval", toy_model, "--similarity", pairs, "--analogy", questions, "--json", "--details", "-q")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    found, missing = report["similarity"][0]["details"]
    vectors = np.load(toy_model / "vectors.npy")
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert found["cosine"] == pytest.approx(float(unit[0] @ unit[1]), abs=1e-6)
    assert missing == {"word1": "man", "word2": "unknownword", "score": 8.0, "cosine": None}
    asked, unanswerable = report["analogy"][0]["details"]
    assert asked["question"] == ["paris", "france", "rome"] and asked["expected"] == "italy"
    assert set(asked["answers"]) == {"3cosadd", "3cosmul"} and asked["answers"]["3cosadd"] in WORDS
    assert unanswerable["answers"] == {"3cosadd": None, "3cosmul": None}


def test_details_need_a_json_report(toy_model: Path) -> None:
    result = invoke("eval", toy_model, "--details")
    assert result.exit_code == 2
    assert result.stderr == "Error: --details adds to the JSON report: use it with --json or --output FILE\n"


def test_a_model_that_covers_no_set_warns_and_fails(tmp_path: Path) -> None:
    model = write_vectors_dir(tmp_path / "zh", ["北京", "上海", "星期一"], np.eye(3, dtype=np.float32))
    result = invoke("eval", model)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"warning: none of ws353's items are in the vocabulary of {model} (is the set in the model's language?)"
    assert lines[-1].startswith(f"Error: nothing could be scored: the vocabulary of {model} covers none of ws353, ")


def test_a_set_the_model_misses_is_warned_about_but_the_others_are_scored(toy_model: Path, tmp_path: Path) -> None:
    english = similarity_file(tmp_path / "en.txt", ["king\tqueen\t9", "man\twoman\t8", "paris\trome\t3"])
    chinese = similarity_file(tmp_path / "zh.txt", ["北京\t上海\t9", "猫\t狗\t8"])
    result = invoke("eval", toy_model, "--similarity", english, "--similarity", chinese)
    assert result.exit_code == 0
    assert result.stderr == f"warning: none of zh's items are in the vocabulary of {toy_model} (is the set in the model's language?)\n"
