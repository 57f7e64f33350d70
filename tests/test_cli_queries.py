"""`embcli neighbors`, `similarity`, `analogy`, `doesnt-match`: batches, stdin, partial failures, JSON, normalisation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from conftest import assert_imports_none_of, run
from toy_vectors import clustered_vectors, write_vectors_dir

# Dimensions (male, female, common, royal): king - man + woman = queen exactly.
TOY = {
    "<unk>": [0.1, 0.1, 0.1, 0.1], "man": [1, 0, 1, 0], "woman": [0, 1, 1, 0], "king": [1, 0, 0, 1],
    "queen": [0, 1, 0, 1], "apple": [0, 0, 0, -1], "pear": [0, 0.1, 0, -1], "cat": [0.3, 0.1, 0.9, 0.2],
    "北": [0.9, 0.1, 0.2, 0.1], "京": [0.1, 0.9, 0.2, 0.1], "都": [0.5, 0.5, 0.25, 0.1],
}


@pytest.fixture()
def toy(tmp_path: Path) -> Path:
    """A vectors dir whose corpus was lowercased and split per CJK character (`--tokenizer char`)."""
    return write_vectors_dir(tmp_path / "toy", list(TOY), np.array(list(TOY.values()), np.float32),
                             tokenizer={"tokenizer": "char", "token_pattern": None, "lowercase": True, "nfkc": True,
                                        "stopwords": None})


@pytest.mark.parametrize("command", ["neighbors", "analogy", "similarity", "doesnt-match"])
def test_every_query_command_has_help_with_examples(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0 and f"embcli {command} " in result.output
    assert "--json" in result.output and "--quiet" in result.output


def test_neighbors_table(toy: Path) -> None:
    result = run("neighbors", toy, "apple", "-k", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "apple:"
    assert result.stdout.splitlines()[1].split()[:2] == ["1.", "pear"]


def test_an_unknown_word_fails_only_its_own_query(toy: Path) -> None:
    result = run("neighbors", toy, "xyzzyq", "apple", "-k", "2", "--json")
    assert result.exit_code == 1
    failed, answered = json.loads(result.stdout)
    assert failed == {"query": "xyzzyq", "error": f"'xyzzyq' is not in the vocabulary of {toy} (11 words); "
                                                  f"check the spelling"}
    assert answered["query"] == "apple" and [n["word"] for n in answered["neighbors"]][0] == "pear"
    assert result.stderr.strip() == "Error: 1 of 2 queries could not be answered (see above)"
    table = run("neighbors", toy, "xyzzyq", "apple", "-k", "1")
    assert table.exit_code == 1
    assert table.stdout.splitlines()[:3] == ["xyzzyq:", f"  error: 'xyzzyq' is not in the vocabulary of {toy} "
                                             f"(11 words); check the spelling", "apple:"]


def test_expression_positive_negative_and_cosmul(toy: Path) -> None:
    expression = json.loads(run("neighbors", toy, "king - man + woman", "-k", "1", "--json").stdout)
    assert expression[0]["neighbors"][0]["word"] == "queen"
    assert expression[0]["neighbors"][0]["score"] == pytest.approx(1.0, abs=1e-6)
    options = json.loads(run("neighbors", toy, "--positive", "king", "--positive", "woman", "--negative", "man",
                             "-k", "1", "--json").stdout)
    assert options[0]["query"] == "king woman - man" and options[0]["neighbors"][0]["word"] == "queen"
    cosmul = json.loads(run("neighbors", toy, "king - man + woman", "--cosmul", "-k", "1", "--json").stdout)
    assert cosmul[0]["neighbors"][0]["word"] == "queen"


def test_neighbors_equal_gensim_with_restrict_vocab(tmp_path: Path) -> None:
    words, matrix = clustered_vectors(300, 12)
    directory = write_vectors_dir(tmp_path / "c", words, matrix)
    reference = KeyedVectors(12)
    reference.add_vectors(words, matrix)
    for args, expected in [(["w5 - w7 + w9"], reference.most_similar(["w5", "w9"], ["w7"], topn=4, restrict_vocab=100)),
                           (["w5", "--cosmul"], reference.most_similar_cosmul(["w5"], topn=4))]:
        found = json.loads(run("neighbors", directory, *args, "-k", "4", "--restrict-vocab", "100"
                               if "--cosmul" not in args else "300", "--json").stdout)[0]["neighbors"]
        assert [n["word"] for n in found] == [word for word, _ in expected]
        np.testing.assert_allclose([n["score"] for n in found], [score for _, score in expected], atol=1e-5)


def test_queries_are_normalised_as_the_corpus_was(toy: Path) -> None:
    upper = json.loads(run("neighbors", toy, "KING", "-k", "3", "--json").stdout)[0]
    lower = json.loads(run("neighbors", toy, "king", "-k", "3", "--json").stdout)[0]
    assert upper["neighbors"] == lower["neighbors"]
    assert run("similarity", toy, "King", "QUEEN").stdout == run("similarity", toy, "king", "queen").stdout


def test_a_query_split_into_tokens_is_their_mean_and_says_so(toy: Path) -> None:
    result = run("neighbors", toy, "北京", "-k", "1", "--json")
    assert result.exit_code == 0, result.output
    answer, = json.loads(result.stdout)
    assert answer["tokens"] == {"北京": ["北", "京"]}
    assert answer["neighbors"][0]["word"] == "都"  # (北 + 京) / 2 points at 都; 北 and 京 are never answers
    assert "'北京' is read as 北 + 京 (the mean of their vectors)" in result.stderr
    assert "note" not in run("neighbors", toy, "北京", "-q").stderr


def test_neighbors_from_stdin_as_json_lines(toy: Path) -> None:
    result = run("neighbors", toy, "-", "-k", "1", "--jsonl", input="apple\nnope\nking - man + woman\n\n")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["apple", "nope", "king - man + woman", ""]
    assert lines[0]["neighbors"][0]["word"] == "pear" and "error" in lines[1] and "error" in lines[3]
    assert lines[2]["neighbors"][0]["word"] == "queen"


def test_stdin_is_answered_line_by_line_as_it_arrives(toy: Path, tmp_path: Path) -> None:
    """A real pipe: the first answer comes back before the second query is written."""
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "embcli", "neighbors", str(toy), "-", "-k", "1", "--jsonl"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    process.stdin.write("apple\n")
    process.stdin.flush()
    first = json.loads(process.stdout.readline())
    process.stdin.write("king\n")
    process.stdin.close()
    second = json.loads(process.stdout.readline())
    assert process.wait(timeout=60) == 0
    assert (first["query"], second["query"]) == ("apple", "king")


def test_similarity_single_and_stdin(toy: Path) -> None:
    single = run("similarity", toy, "apple", "pear")
    expected = float(np.dot(TOY["apple"], TOY["pear"]) / np.linalg.norm(TOY["apple"]) / np.linalg.norm(TOY["pear"]))
    assert single.exit_code == 0 and float(single.stdout) == pytest.approx(expected, abs=1e-4)
    batch = run("similarity", toy, "-", input="apple\tpear\nking\tnope\nman\twoman\n")
    assert batch.exit_code == 1
    lines = batch.stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["apple", "pear"] and "error: 'nope'" in lines[1]
    assert lines[2].split("\t")[:2] == ["man", "woman"]
    payload = json.loads(run("similarity", toy, "man", "woman", "--json").stdout)
    assert payload[0]["similarity"] == pytest.approx(0.5, abs=1e-6)
    assert run("similarity", toy, "man").exit_code == 2


def test_doesnt_match_and_analogy(toy: Path) -> None:
    assert run("doesnt-match", toy, "man", "woman", "king", "apple").stdout.strip() == "apple"
    payload = json.loads(run("doesnt-match", toy, "man", "woman", "king", "apple", "--json").stdout)
    assert payload == [{"query": ["man", "woman", "king", "apple"], "doesnt_match": "apple"}]
    assert run("doesnt-match", toy, "man", "nope").exit_code == 1
    analogy = json.loads(run("analogy", toy, "man", "king", "woman", "--json", "-k", "1").stdout)
    assert analogy["neighbors"][0]["word"] == "queen" and analogy["neighbors"][0]["score"] == pytest.approx(1.0)
    text = run("analogy", toy, "man", "king", "woman", "-k", "2").stdout.splitlines()
    assert text[0] == "man : king :: woman : ?" and text[1].split()[:2] == ["1.", "queen"]
    missing = run("analogy", toy, "man", "king", "nope")
    assert missing.exit_code == 1 and "'nope' is not in the vocabulary" in missing.stderr


def test_no_query_is_a_usage_error(toy: Path) -> None:
    assert run("neighbors", toy).exit_code == 2


@pytest.mark.parametrize("command", [["neighbors", "king"], ["similarity", "king", "queen"]])
def test_query_commands_load_no_jit(toy: Path, command: list[str]) -> None:
    assert_imports_none_of({"numba"}, command[0], toy, *command[1:])


def test_vectors_from_stdin_and_normalised(toy: Path) -> None:
    result = run("vectors", toy, "-", input="apple KING\nnope 北京\n")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["apple", "KING", "北京"]
    np.testing.assert_allclose(np.array(lines[1].split()[1:], dtype=np.float32), TOY["king"])
    np.testing.assert_allclose(np.array(lines[2].split()[1:], dtype=np.float32),
                               (np.array(TOY["北"]) + np.array(TOY["京"])) / 2, rtol=1e-6)
    assert "error: 'nope' is not in the vocabulary" in result.stderr
    assert "'北京' is read as 北 + 京 (the mean of their vectors)" in result.stderr
    assert result.stderr.strip().endswith("Error: 1 of 4 words could not be answered (see above)")
    records = [json.loads(line) for line in run("vectors", toy, "-", "--json", input="king\n").stdout.splitlines()]
    assert records[0]["word"] == "king" and records[0]["vector"] == TOY["king"]
    assert run("vectors", toy, "King").stdout.split()[1:] == run("vectors", toy, "king").stdout.split()[1:]


def test_a_single_failed_query_is_a_plain_error(toy: Path) -> None:
    for args in (["neighbors", toy, "nope"], ["similarity", toy, "king", "nope"], ["doesnt-match", toy, "a", "nope"]):
        result = run(*args)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.startswith("Error: '") and result.stderr.count("\n") == 1, result.stderr
