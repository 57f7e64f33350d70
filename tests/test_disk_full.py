"""A full disk is one line naming the output and the bytes it needed; no staging is left behind.

The outputs go to a small tmpfs (mounted for the test; skipped where that is
not allowed), so the kernel really answers ENOSPC — and a write through a
memory map would really die with SIGBUS.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `mount_point` while the body runs (the test is skipped where mounting is not allowed)."""
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture()
def small_disk(tmp_path: Path):
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    with tmpfs(mount_point, "2m"):
        yield mount_point


@pytest.fixture(scope="module")
def text(tmp_path_factory) -> Path:
    rng = random.Random(3)
    words = [f"word{i}" for i in range(4000)]
    path = tmp_path_factory.mktemp("text") / "text.txt"
    path.write_text("\n".join(" ".join(rng.choices(words, k=15)) for _ in range(40_000)) + "\n")
    return path


def embcli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "embcli", *args], env=env, capture_output=True, text=True, timeout=300)


def assert_disk_full(result: subprocess.CompletedProcess, output: Path) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(output) in lines[0] and re.search(r"[0-9,]+ bytes", lines[0]), lines[0]
    assert "space" in lines[0]
    assert sorted(os.listdir(output.parent)) == []  # no output, no staging


def test_preprocess_on_a_full_disk(small_disk: Path, text: Path) -> None:
    output = small_disk / "corpus"
    assert_disk_full(embcli("preprocess", str(text), "-o", str(output), "-q", "--min-count", "1"), output)


def test_train_on_a_full_disk(small_disk: Path, text: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert embcli("preprocess", str(text), "-o", str(corpus), "-q", "--min-count", "1").returncode == 0
    output = small_disk / "vectors"
    result = embcli("train", str(corpus), "-o", str(output), "-q", "--epochs", "1", "--dim", "200", "--workers", "1")
    assert_disk_full(result, output)


def test_embed_on_a_full_disk(small_disk: Path, text: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    vectors = tmp_path / "vectors"
    assert embcli("preprocess", str(text), "-o", str(corpus), "-q", "--min-count", "1").returncode == 0
    assert embcli("train", str(corpus), "-o", str(vectors), "-q", "--epochs", "1", "--dim", "50",
                  "--workers", "1").returncode == 0
    output = small_disk / "rows.npy"
    assert_disk_full(embcli("embed", str(vectors), str(text), "-o", str(output), "-q"), output)
