"""Bad input from a careful user or an attacker: one line on stderr, the right exit code, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run


def one_error_line(result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.fixture(scope="module")
def vectors(tmp_path_factory, topic_corpus_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("vectors") / "sg"
    assert run("train", topic_corpus_dir, "-o", out, "-q", "--epochs", "1", "--dim", "8", "--workers", "1").exit_code == 0
    return out


def test_usage_errors_are_one_line(topic_corpus_dir: Path, tmp_path: Path) -> None:
    one_error_line(run("train", topic_corpus_dir, "-o", tmp_path / "x", "--dim", "many"), code=2)
    one_error_line(run("no-such-command"), code=2)
    one_error_line(run("train"), code=2)


def test_user_text_cannot_inject_a_line(tmp_path: Path) -> None:
    line = one_error_line(run("preprocess", "missing\nError: all is well", "-o", tmp_path / "out"))
    assert "missing\\nError: all is well" in line


def test_train_into_the_directory_holding_its_corpus_deletes_nothing(tmp_path: Path, topic_corpus_dir: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(topic_corpus_dir, project / "corpus")
    (project / "notes.txt").write_text("mine")
    line = one_error_line(run("train", project / "corpus", "-o", project, "--force", "-q"))
    assert "contains the input" in line
    assert (project / "notes.txt").read_text() == "mine" and (project / "corpus" / "manifest.json").exists()


def test_preprocess_into_its_input_directory_is_refused(tmp_path: Path, topic_corpus_file: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    shutil.copy(topic_corpus_file, texts / "a.txt")
    line = one_error_line(run("preprocess", texts, "-o", texts / "prep", "--force", "-q"))
    assert "lies inside the input" in line
    assert sorted(p.name for p in texts.iterdir()) == ["a.txt"]


def test_force_never_replaces_a_directory_embcli_did_not_write(tmp_path: Path, topic_corpus_dir: Path) -> None:
    results = tmp_path / "my-results"
    results.mkdir()
    (results / "paper.tex").write_text("mine")
    line = one_error_line(run("train", topic_corpus_dir, "-o", results, "--force", "-q", "--epochs", "1"))
    assert "not an embcli output" in line
    assert (results / "paper.tex").read_text() == "mine"


def test_a_dangling_symlink_output_is_refused(tmp_path: Path, topic_corpus_dir: Path) -> None:
    (tmp_path / "out").symlink_to(tmp_path / "nowhere" / "out")
    assert "dangling symlink" in one_error_line(run("train", topic_corpus_dir, "-o", tmp_path / "out", "-q"))
    assert not (tmp_path / "nowhere").exists()


def test_a_manifest_without_format_version_says_so(tmp_path: Path, vectors: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(vectors, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["format_version"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    line = one_error_line(run("neighbors", copy, "cat"))
    assert "no format_version" in line and "newer" not in line


def test_invalid_utf8_in_vocab_tsv_is_one_line(tmp_path: Path, vectors: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(vectors, copy)
    with open(copy / "vocab.tsv", "ab") as handle:
        handle.write(b"99\t\xff\xfe\t1\n")
    assert "not UTF-8" in one_error_line(run("neighbors", copy, "cat"))


def test_hostile_token_patterns_are_refused_before_any_work(tmp_path: Path, topic_corpus_file: Path) -> None:
    for pattern, reason in [("(?:a+)+b", "exponentially many ways"), ("[^\n]+", "inside a token"), ("a*", "empty string"),
                            ("(", "not a valid regular expression"), (r"\w+\t\w+", "inside a token")]:
        line = one_error_line(run("preprocess", topic_corpus_file, "-o", tmp_path / "out", "--token-pattern", pattern),
                              code=2)
        assert reason in line, line
    assert not (tmp_path / "out").exists()


def test_stopwords_directory_says_it_is_a_directory(tmp_path: Path, topic_corpus_file: Path) -> None:
    assert "is a directory" in one_error_line(run("preprocess", topic_corpus_file, "-o", tmp_path / "out",
                                                  "--stopwords", tmp_path))


def test_sizes_are_checked_before_allocating(tmp_path: Path, topic_corpus_dir: Path) -> None:
    line = one_error_line(run("train", topic_corpus_dir, "-o", tmp_path / "v", "--dim", "1000000000", "-q"))
    assert "bytes" in line and "--dim 1000000000" in line
    (tmp_path / "huge.bin").write_bytes(b"1000000000000 300\nabc ")
    assert "1,000,000,000,000 vectors" in one_error_line(run("neighbors", tmp_path / "huge.bin", "abc"))
    np.save(tmp_path / "small.npy", np.zeros((4, 3), dtype=np.float32))
    data = (tmp_path / "small.npy").read_bytes()  # a 128-byte header, then 48 bytes of data
    header = data[10:128].replace(b"(4, 3)", b"(999999999999, 3)").rstrip(b" \n")
    (tmp_path / "inflated.npy").write_bytes(data[:10] + header.ljust(117) + b"\n" + data[128:])
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\tw{i}\t1\n" for i in range(4)))
    line = one_error_line(run("neighbors", tmp_path / "inflated.npy", "--vocab", tmp_path / "vocab.tsv", "w1"))
    assert "header claims" in line


def test_unusable_vectors_into_quantize_and_plot(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(40)]
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n" + "".join(f"{i}\t{w}\t1\n" for i, w in enumerate(words)))
    matrix = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    matrix[5, 3] = np.nan
    np.save(tmp_path / "nan.npy", matrix)
    np.save(tmp_path / "empty.npy", np.zeros((40, 0), dtype=np.float32))
    vocab = tmp_path / "vocab.tsv"
    assert "NaN" in one_error_line(run("quantize", tmp_path / "nan.npy", "--vocab", vocab, "-o", tmp_path / "q",
                                       "--method", "pq", "-q"))
    assert "at least one dimension" in one_error_line(run("quantize", tmp_path / "empty.npy", "--vocab", vocab,
                                                          "-o", tmp_path / "q", "-q"))
    pytest.importorskip("matplotlib")
    assert "NaN" in one_error_line(run("plot", tmp_path / "nan.npy", "--vocab", vocab, "-o", tmp_path / "p.png"))


def test_a_byte_order_mark_in_evaluation_files(tmp_path: Path) -> None:
    from embcli.evaluation.datasets import read_analogy_questions, read_similarity_pairs

    (tmp_path / "q.txt").write_bytes(b"\xef\xbb\xbf: family\nboy girl brother sister\n")
    assert read_analogy_questions(tmp_path / "q.txt").sections[0].name == "family"
    (tmp_path / "pairs.tsv").write_bytes(b"\xef\xbb\xbftiger\tcat\t7.35\nbook\tpaper\t7.46\n")
    assert read_similarity_pairs(tmp_path / "pairs.tsv").pairs[0] == ("tiger", "cat", 7.35)
