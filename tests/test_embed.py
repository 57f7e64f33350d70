"""embcli embed: pooling by hand on toy vectors, SIF, line/row accounting, tokenizer of the corpus."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from toy_vectors import write_vectors_dir

WORDS = ["<unk>", "a", "b", "c", "d"]
VECTORS = np.array([[9, 9, 9], [1, 0, 0], [0, 2, 0], [0, 0, 3], [1, 1, 1]], dtype=np.float32)
COUNTS = [10, 40, 30, 20, 10]
LINES = ["a b", "B c c", "", "zzz", "d, a!"]


@pytest.fixture()
def toy_dir(tmp_path: Path) -> Path:
    return write_vectors_dir(tmp_path / "vectors", WORDS, VECTORS, counts=COUNTS)


@pytest.fixture()
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def embed(vectors: Path, text: Path, out: Path, *options: str) -> np.ndarray:
    result = run("embed", vectors, text, "-o", out, *options)
    assert result.exit_code == 0, result.output
    return np.load(out, allow_pickle=False)


def test_mean_and_sum_by_hand(toy_dir: Path, text_file: Path, tmp_path: Path) -> None:
    a, b, c, d = VECTORS[1:]
    mean = embed(toy_dir, text_file, tmp_path / "mean.npy")
    assert mean.dtype == np.float32 and mean.shape == (5, 3)
    expected = [(a + b) / 2, (b + 2 * c) / 3, np.zeros(3), np.zeros(3), (d + a) / 2]
    assert np.allclose(mean, expected)
    total = embed(toy_dir, text_file, tmp_path / "sum.npy", "--pool", "sum")
    assert np.allclose(total, [a + b, b + 2 * c, np.zeros(3), np.zeros(3), d + a])


def test_oov_unk_uses_the_unk_row(toy_dir: Path, text_file: Path, tmp_path: Path) -> None:
    rows = embed(toy_dir, text_file, tmp_path / "unk.npy", "--oov", "unk")
    assert np.allclose(rows[3], VECTORS[0])
    assert np.allclose(rows[2], 0)  # an empty line has no token at all
    sidecar = json.loads((tmp_path / "unk.npy.json").read_text())
    assert sidecar["counts"] == {"lines": 5, "empty_rows": 1, "tokens": 8, "oov_tokens": 1, "resolved_tokens": 0}
    assert sidecar["tokenizer"]["from"] == "defaults"  # these vectors record no tokenizer


def test_sif_weights_and_removes_the_first_component(toy_dir: Path, text_file: Path, tmp_path: Path) -> None:
    a = 1e-2
    rows = embed(toy_dir, text_file, tmp_path / "sif.npy", "--pool", "sif", "--sif-a", str(a))
    weight = a / (a + np.array(COUNTS) / sum(COUNTS))
    ids = [[1, 2], [2, 3, 3], [], [], [4, 1]]
    weighted = np.array([np.mean([weight[i] * VECTORS[i] for i in line], axis=0) if line else np.zeros(3)
                         for line in ids])
    component = np.linalg.svd(weighted, full_matrices=False)[2][0]
    expected = weighted - np.outer(weighted @ component, component)
    assert np.allclose(rows, expected, atol=1e-5)
    assert np.allclose(rows @ component, 0, atol=1e-5)  # orthogonal to the first principal component
    assert not np.allclose(rows, 0)
    stored = np.array(json.loads((tmp_path / "sif.npy.json").read_text())["sif_first_component"])
    assert np.isclose(abs(stored @ component), 1.0, atol=1e-5)


def test_row_count_equals_input_lines_in_any_batching(toy_dir: Path, tmp_path: Path) -> None:
    lines = ["a b c", "", "", "d", "zzz zzz", "a", ""] * 7  # 49 lines, ending in an empty one
    text = tmp_path / "many.txt.gz"
    with gzip.open(text, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    one_batch = embed(toy_dir, text, tmp_path / "one.npy", "--pool", "sif")
    small_batches = embed(toy_dir, text, tmp_path / "small.npy", "--pool", "sif", "--batch-lines", "3")
    assert one_batch.shape == (49, 3)
    assert np.allclose(one_batch, small_batches, atol=1e-6)
    empty = [i for i, line in enumerate(lines) if line in ("", "zzz zzz")]
    assert np.all(one_batch[empty] == 0) and np.all(one_batch[[0, 3, 5]].any(axis=1))


def test_stdin_and_the_summary_line(toy_dir: Path, tmp_path: Path) -> None:
    result = run("embed", toy_dir, "-", "-o", tmp_path / "s.npy", input="a\n\nzzz b\n")
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stderr and "3 rows (mean); 1 lines had no known word" in result.stderr
    assert np.load(tmp_path / "s.npy").shape == (3, 3)


def test_tokenizer_is_the_one_recorded_in_the_vectors(tmp_path: Path) -> None:
    from embcli.config import PreprocessConfig
    from embcli.preprocessing import preprocess_corpus

    raw = tmp_path / "raw.txt"
    raw.write_text("Cat cat dog\nDog dog cat\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    preprocess_corpus([str(raw)], corpus, PreprocessConfig(lowercase=False, min_count=1, workers=1))
    vocab = [line.split("\t")[1] for line in (corpus / "vocab.tsv").read_text().splitlines()[1:]]
    vectors = write_vectors_dir(tmp_path / "vectors", vocab, np.eye(len(vocab), dtype=np.float32), corpus=corpus)
    text = tmp_path / "in.txt"
    text.write_text("Cat\ncat\nCAT\n", encoding="utf-8")
    rows = embed(vectors, text, tmp_path / "out.npy")
    assert np.array_equal(rows[0], np.eye(len(vocab))[vocab.index("Cat")])  # case kept, as in the corpus
    assert np.array_equal(rows[1], np.eye(len(vocab))[vocab.index("cat")])
    assert not rows[2].any()
    assert json.loads((tmp_path / "out.npy.json").read_text())["tokenizer"]["from"] == "vectors manifest"


def test_embed_errors(toy_dir: Path, text_file: Path, tmp_path: Path) -> None:
    missing = run("embed", toy_dir, tmp_path / "nope.txt", "-o", tmp_path / "o.npy")
    assert missing.exit_code == 1
    assert f"Error: input {tmp_path / 'nope.txt'} does not exist or is not a file" in missing.output
    suffix = run("embed", toy_dir, text_file, "-o", tmp_path / "o.txt")
    assert suffix.exit_code == 2 and "the output must be a .npy file" in suffix.output
    no_unk = write_vectors_dir(tmp_path / "no-unk", WORDS[1:], VECTORS[1:])
    unk = run("embed", no_unk, text_file, "-o", tmp_path / "o.npy", "--oov", "unk")
    assert unk.exit_code == 1 and "has no <unk> row; use --oov skip" in unk.output
    assert embed(toy_dir, text_file, tmp_path / "o.npy").shape == (5, 3)
    again = run("embed", toy_dir, text_file, "-o", tmp_path / "o.npy")
    assert again.exit_code == 1 and "already exists; pass --force" in again.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".", "o."))) == ["o.npy", "o.npy.json"]


def test_sif_component_of_an_earlier_run_is_reused(toy_dir: Path, text_file: Path, tmp_path: Path) -> None:
    first = embed(toy_dir, text_file, tmp_path / "first.npy", "--pool", "sif")
    sidecar = tmp_path / "first.npy.json"
    component = np.array(json.loads(sidecar.read_text())["sif_first_component"])
    new_text = tmp_path / "new.txt"
    new_text.write_text("c c c\na b\n", encoding="utf-8")
    rows = embed(toy_dir, new_text, tmp_path / "new.npy", "--pool", "sif", "--sif-component", sidecar)
    assert np.allclose(rows[1], first[0], atol=1e-6)  # "a b" lands where it did in the first run
    assert np.allclose(rows @ component, 0, atol=1e-5)
    wrong = run("embed", toy_dir, new_text, "-o", tmp_path / "x.npy", "--sif-component", sidecar)
    assert wrong.exit_code == 2 and "--sif-component applies only to --pool sif" in wrong.output


def test_sif_needs_counts(tmp_path: Path, text_file: Path) -> None:
    vec = tmp_path / "plain.vec"
    vec.write_text("2 3\na 1 0 0\nb 0 1 0\n", encoding="utf-8")
    result = run("embed", vec, text_file, "-o", tmp_path / "o.npy", "--pool", "sif")
    assert result.exit_code == 1
    assert "SIF needs corpus word counts and these vectors have none" in result.output
    assert np.allclose(embed(vec, text_file, tmp_path / "o.npy")[0], [0.5, 0.5, 0])
