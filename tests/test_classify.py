"""eval --classify: beats chance on a constructed task, equals a direct scikit-learn computation, bad files fail cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from toy_vectors import write_vectors_dir

POSITIVE = ["good", "great", "fine", "nice"]
NEGATIVE = ["bad", "awful", "poor", "sad"]
NOISE = [f"n{i}" for i in range(30)]
WORDS = ["<unk>"] + POSITIVE + NEGATIVE + NOISE


def toy_vectors(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(WORDS), 8)).astype(np.float32)
    vectors[1:5, 0] += 4.0  # sentiment lives on dimension 0
    vectors[5:9, 0] -= 4.0
    return write_vectors_dir(tmp_path / "vectors", WORDS, vectors, counts=[1] + [50] * (len(WORDS) - 1))


def task_lines(n: int = 240, seed: int = 1) -> list[str]:
    """One sentiment word among four noise words; 15% of labels flipped, so accuracy is well below 100%."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(NOISE, 4)) + [rng.choice(POSITIVE if label else NEGATIVE)]
        rng.shuffle(words)
        shown = label if rng.random() > 0.15 else 1 - label
        lines.append(f"{'pos' if shown else 'neg'}\t{' '.join(words).upper()}")
    return lines


def direct_accuracy(vectors_dir: Path, lines: list[str]) -> float:
    """Mean pooling and the documented classifier written out with numpy and scikit-learn alone."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    matrix = np.load(vectors_dir / "vectors.npy")
    index = {word: i for i, word in enumerate(WORDS)}
    labels = np.array([line.split("\t")[0] for line in lines])
    known = [[index[w.lower()] for w in line.split("\t")[1].split() if w.lower() in index] for line in lines]
    features = np.array([matrix[rows].mean(axis=0) if rows else np.zeros(matrix.shape[1]) for rows in known])
    model = make_pipeline(StandardScaler(), LogisticRegressionCV(
        Cs=list(np.logspace(-3, 2, 8)), cv=StratifiedKFold(5, shuffle=True, random_state=1), max_iter=2000, scoring="accuracy"))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return float(np.mean(cross_val_score(model, features, labels, cv=StratifiedKFold(10, shuffle=True, random_state=1))))


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_cross_validated_score_beats_chance_and_equals_scikit_learn(tmp_path: Path) -> None:
    vectors = toy_vectors(tmp_path)
    lines = task_lines(160)
    data = tmp_path / "task.tsv"
    data.write_text("\n".join(lines + ["no tab here", "pos\t", "", "neg\tzzz qqq"]) + "\n", encoding="utf-8")
    result = run("eval", vectors, "--classify", data, "--json", "-q")
    assert result.exit_code == 0, result.output
    [score] = json.loads(result.stdout)["classification"]
    assert score["accuracy"] > 0.75  # chance is 0.5
    assert score["malformed_lines"] == 2 and score["malformed_line_numbers"] == [161, 162]
    assert score["texts"] == 161 and score["covered"] == 160  # the "zzz qqq" text has no known word
    assert len(score["fold_accuracies"]) == 10 and score["std"] == pytest.approx(np.std(score["fold_accuracies"]))
    assert score["accuracy"] == pytest.approx(direct_accuracy(vectors, lines + ["neg\tzzz qqq"]), abs=1e-12)
    small = tmp_path / "small.tsv"
    small.write_text("\n".join(task_lines(40) + ["no tab"]) + "\n", encoding="utf-8")
    table = run("eval", vectors, "--classify", small, "--pool", "sif", "-q")
    assert table.exit_code == 0 and "small" in table.stdout and "skipped 1 malformed" in table.stdout


def test_train_test_split(tmp_path: Path) -> None:
    vectors = toy_vectors(tmp_path)
    train, test = tmp_path / "train.tsv", tmp_path / "test.tsv"
    train.write_text("\n".join(task_lines(200, seed=2)) + "\n", encoding="utf-8")
    test.write_text("\n".join(task_lines(100, seed=3)) + "\n", encoding="utf-8")
    result = run("eval", vectors, "--classify-train", train, "--classify-test", test, "--json", "-q")
    assert result.exit_code == 0, result.output
    [score] = json.loads(result.stdout)["classification"]
    assert score["protocol"] == "train/test" and score["texts"] == 100 and score["accuracy"] > 0.7


@pytest.mark.parametrize("content, message", [
    ("pos\ta good\npos\tb great\n", "1 class among 2 usable lines"),
    ("just text\nmore text\n", "0 classes among 0 usable lines (2 malformed)"),
])
def test_unusable_files_fail_cleanly(tmp_path: Path, content: str, message: str) -> None:
    vectors = toy_vectors(tmp_path)
    data = tmp_path / "bad.tsv"
    data.write_text(content, encoding="utf-8")
    report = tmp_path / "report.json"
    result = run("eval", vectors, "--classify", data, "--output", report)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert not report.exists()


def test_infer_pool_needs_a_doc2vec_model(tmp_path: Path) -> None:
    vectors = toy_vectors(tmp_path)
    data = tmp_path / "task.tsv"
    data.write_text("\n".join(task_lines(40)) + "\n", encoding="utf-8")
    result = run("eval", vectors, "--classify", data, "--pool", "infer")
    assert result.exit_code != 0 and "--pool infer needs a model made by" in result.output
