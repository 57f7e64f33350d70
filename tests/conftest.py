"""Shared fixtures: a corpus built so that learning is measurable, and CLI helpers."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from embcli.cli import main

ANIMALS = ["cat", "dog", "horse", "cow", "sheep", "goat"]
VEHICLES = ["car", "truck", "bus", "van", "tractor", "bike"]
ANIMAL_CONTEXT = ["eats", "grass", "barn", "fur", "feed", "meadow", "milk", "hay"]
VEHICLE_CONTEXT = ["drives", "road", "engine", "wheels", "fuel", "garage", "parked", "brakes"]
FILLER = ["the", "a", "and", "then", "very", "old", "new", "big"]


def topic_sentences(n_sentences: int = 3000, seed: int = 0) -> list[str]:
    """Animals and vehicles never share content words, so each group's members share contexts."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_sentences):
        nouns, context = (ANIMALS, ANIMAL_CONTEXT) if rng.random() < 0.5 else (VEHICLES, VEHICLE_CONTEXT)
        words = [rng.choice(nouns)] + rng.sample(context, 3) + rng.sample(FILLER, 2) + [rng.choice(nouns)]
        rng.shuffle(words)
        lines.append(" ".join(words))
    return lines


@pytest.fixture(scope="session")
def topic_corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("text") / "topics.txt"
    path.write_text("\n".join(topic_sentences()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def topic_corpus_dir(tmp_path_factory: pytest.TempPathFactory, topic_corpus_file: Path) -> Path:
    from embcli.config import PreprocessConfig
    from embcli.preprocessing import preprocess_corpus

    out = tmp_path_factory.mktemp("prep") / "corpus"
    preprocess_corpus([str(topic_corpus_file)], out, PreprocessConfig(min_count=1, workers=1))
    return out


def group_separation(words: list[str], vectors: np.ndarray) -> tuple[float, float]:
    """Mean cosine within the two noun groups and across them."""
    index = {word: i for i, word in enumerate(words)}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def mean_cos(a: list[str], b: list[str]) -> float:
        sims = [float(unit[index[x]] @ unit[index[y]]) for x in a for y in b if x != y]
        return float(np.mean(sims))

    within = (mean_cos(ANIMALS, ANIMALS) + mean_cos(VEHICLES, VEHICLES)) / 2
    return within, mean_cos(ANIMALS, VEHICLES)


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI in-process; stderr is captured separately."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def assert_imports_none_of(modules: set[str], *args: str) -> None:
    """Run the CLI in a fresh interpreter (exit 0 expected) and check it never imported `modules`."""
    code = ("import sys; from embcli.cli import main\n"
            f"try: main({[str(a) for a in args]!r})\n"
            "except SystemExit as exit: assert exit.code == 0, exit.code\n"
            f"assert not {sorted(modules)!r} & sys.modules.keys(), 'imported: ' + repr({sorted(modules)!r})\n")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def trained_fasttext(tmp_path_factory: pytest.TempPathFactory, topic_corpus_dir: Path) -> Path:
    """A small embcli fastText model (subwords on), shared by the export tests."""
    out = tmp_path_factory.mktemp("trained") / "ft"
    result = run("train", topic_corpus_dir, "--model", "fasttext", "--dim", "12", "--epochs", "2", "--workers", "1",
                 "--buckets", "3000", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def trained_skipgram(tmp_path_factory: pytest.TempPathFactory, topic_corpus_dir: Path) -> Path:
    """A small embcli skip-gram model (no subwords), shared by the export tests."""
    out = tmp_path_factory.mktemp("trained") / "sg"
    result = run("train", topic_corpus_dir, "--dim", "12", "--epochs", "1", "--workers", "1", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    return out
