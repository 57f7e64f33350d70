"""`embcli eval` through click's CliRunner: exit codes, exact messages, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from embcli.cli import main
from embcli.embeddings.npy_format import save_vectors_npy
from embcli.embeddings.text_format import write_word2vec_text

# Dimensions (male, female, common, royal): king - man + woman = queen exactly.
TOY_VECTORS = {
    "man": [1, 0, 1, 0], "woman": [0, 1, 1, 0], "king": [1, 0, 0, 1], "queen": [0, 1, 0, 1],
    "apple": [0, 0, 0, -1], "pear": [0, 0.1, 0, -1], "Tiger": [0.2, 0.1, 0.9, 0.3], "cat": [0.3, 0.1, 0.9, 0.2],
}


@pytest.fixture()
def toy(tmp_path: Path) -> Path:
    """A toy .vec, a similarity file (one malformed line) and an analogy file, in tmp_path."""
    write_word2vec_text(tmp_path / "toy.vec", list(TOY_VECTORS), np.array(list(TOY_VECTORS.values()), np.float32))
    (tmp_path / "pairs.txt").write_text("tiger\tcat\t9\nking\tqueen\t8\napple\tking\t1\nbroken line\n"
                                        "man\twoman\t6\nzebra\tcat\t5\n", encoding="utf-8")
    (tmp_path / "questions.txt").write_text(": royalty\nman king woman queen\nMan King Woman Queen\n"
                                            "apple pear man woman\n: gram-fruit\nking queen apple pear\n"
                                            "zebra cat man woman\n", encoding="utf-8")
    return tmp_path


def run(*args: str | Path):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def eval_args(toy: Path, *extra: str | Path) -> list[str | Path]:
    return ["eval", toy / "toy.vec", "--similarity", toy / "pairs.txt", "--analogy", toy / "questions.txt",
            "--restrict-vocab", "100", "--quiet", *extra]


@pytest.mark.parametrize("command", ["eval"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage: main " + command in result.output or f"Usage: embcli {command}" in result.output


def test_eval_prints_a_table(toy: Path) -> None:
    result = run(*eval_args(toy))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Vectors: {toy / 'toy.vec'} (8 words x 4 dims)"
    pairs_row = next(line for line in lines if line.startswith("pairs "))
    assert pairs_row.split()[:4] == ["pairs", "5", "4", "80.0%"]
    assert "skipped 1 malformed line of" in result.output
    assert "analogy questions: 4/5 questions answered (80.0% coverage) among the 8 most frequent words" in result.output
    assert any(line.split()[:2] == ["royalty", "3/3"] for line in lines)


def test_eval_json_parses_and_has_the_scores(toy: Path) -> None:
    result = run(*eval_args(toy, "--json", "--method", "3cosadd"))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    similarity, = report["similarity"]
    assert (similarity["pairs"], similarity["found"], similarity["malformed_lines"]) == (5, 4, 1)
    assert -1 <= similarity["spearman"] <= 1
    analogy, = report["analogy"]
    assert list(analogy["methods"]) == ["3cosadd"]
    total = analogy["methods"]["3cosadd"]["total"]
    assert (total["answered"], total["questions"]) == (4, 5)
    royalty = analogy["methods"]["3cosadd"]["sections"][0]
    assert (royalty["section"], royalty["kind"], royalty["correct"], royalty["answered"]) == ("royalty", "semantic", 2, 3)
    assert report["config"]["restrict_vocab"] == 100


def test_eval_output_is_written_and_not_overwritten_without_force(toy: Path) -> None:
    report_path = toy / "report.json"
    assert run(*eval_args(toy, "--output", report_path)).exit_code == 0
    first = json.loads(report_path.read_text(encoding="utf-8"))
    assert first["analogy"][0]["answered"] == 4
    again = run(*eval_args(toy, "--output", report_path))
    assert again.exit_code == 1
    assert again.output == f"Error: {report_path} already exists; pass --force to replace it or choose another output path\n"
    assert run(*eval_args(toy, "--output", report_path, "--force")).exit_code == 0
    assert sorted(p.name for p in toy.iterdir()) == ["pairs.txt", "questions.txt", "report.json", "toy.vec"]


def test_eval_missing_vectors(tmp_path: Path) -> None:
    result = run("eval", tmp_path / "nope.vec", "--quiet")
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nope.vec'} does not exist\n"


def test_eval_missing_eval_file(toy: Path) -> None:
    result = run("eval", toy / "toy.vec", "--similarity", toy / "missing.txt")
    assert result.exit_code == 1
    assert result.output == f"Error: evaluation file {toy / 'missing.txt'} does not exist\n"


def test_eval_bad_method_is_a_usage_error(toy: Path) -> None:
    result = run("eval", toy / "toy.vec", "--method", "3coswhat")
    assert result.exit_code == 2
    assert "Invalid value for '--method'" in result.output


def test_eval_standard_suite_on_npy_with_vocab(toy: Path) -> None:
    words = list(TOY_VECTORS)
    save_vectors_npy(toy / "m.npy", np.array(list(TOY_VECTORS.values()), np.float32))
    (toy / "words.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\t{w}\t{10 - i}\n" for i, w in enumerate(words)),
                                   encoding="utf-8")
    result = run("eval", toy / "m.npy", "--vocab", toy / "words.tsv", "--suite", "standard", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [s["name"] for s in report["similarity"]] == ["ws353", "ws353-sim", "ws353-rel", "simlex999"]
    assert report["similarity"][0]["pairs"] == 353
    assert report["analogy"][0]["questions"] == 19544
