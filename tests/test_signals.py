"""Ctrl-C and SIGTERM end a command quickly, with one line, and leave no staging behind.

Real subprocesses and real signals: SIGINT goes to the whole process group (as
a terminal's Ctrl-C does, so pool workers get it too), SIGTERM only to the
main process (as `kill` and `timeout` send it).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def write_corpus(path: Path, lines: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(lines):
            handle.write(" ".join(rng.choices(words, k=20)) + "\n")
    return path


def _default_signal_handling() -> None:
    """Undo an ignored SIGINT inherited from the shell that started the tests (background jobs get one)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def embcli_process(cwd: Path, *args: str, stdin: Path | None = None) -> subprocess.Popen:
    """The CLI in its own process group; with `stdin`, that file is fed and the pipe left open, so the
    command is still reading (and cannot have finished) whenever the signal comes."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "embcli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin else None,
                               start_new_session=True, preexec_fn=_default_signal_handling)
    if stdin is not None:
        process.stdin.write(stdin.read_bytes())
        process.stdin.flush()
    return process


def staging_entries(directory: Path) -> list[str]:
    return [entry for entry in os.listdir(directory) if ".tmp-" in entry or ".old-" in entry]


def wait_for_staging(directory: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the command has started writing (a staging entry exists in `directory`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if staging_entries(directory):
            time.sleep(0.3)
            return
        assert process.poll() is None, process.stderr.read().decode()
        time.sleep(0.05)
    raise AssertionError("the command never started writing")


def interrupt(process: subprocess.Popen, signum: int) -> tuple[int, str, float]:
    started = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("the command hung after the signal") from None
    return process.returncode, err.decode(), time.monotonic() - started


def assert_clean_interrupt(cwd: Path, process: subprocess.Popen, signum: int, watched: Path | None = None) -> None:
    """Signal `process` once it writes into `watched` (default `cwd`); check it left nothing behind."""
    wait_for_staging(watched or cwd, process)
    code, err, seconds = interrupt(process, signum)
    assert code == 128 + signum, err
    assert err == "Interrupted; no output was written.\n"
    assert seconds < 5, seconds  # ~2 s asked; slack for a loaded machine
    assert staging_entries(cwd) == [] and staging_entries(watched or cwd) == []
    assert not (cwd / "out").exists()
    time.sleep(0.2)
    leftover = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == [], "worker processes outlived the command"


@pytest.fixture(scope="module")
def big_text(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("signals") / "big.txt", 120_000)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_preprocess_with_a_worker_pool_stops_cleanly(tmp_path: Path, big_text: Path, signum: int) -> None:
    process = embcli_process(tmp_path, "preprocess", "-", "-o", "out", "--workers", "2", "-q", stdin=big_text)
    assert_clean_interrupt(tmp_path, process, signum)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory, big_text: Path) -> Path:
    directory = tmp_path_factory.mktemp("corpus") / "corpus"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "embcli", "preprocess", str(big_text), "-o", str(directory), "-q"],
                   check=True, env=env)
    return directory


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_skipgram_training_stops_cleanly(tmp_path: Path, corpus_dir: Path, signum: int) -> None:
    process = embcli_process(tmp_path, "train", str(corpus_dir), "-o", "out", "--workers", "2", "-q",
                             "--epochs", "50")
    assert_clean_interrupt(tmp_path, process, signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_glove_stops_cleanly_while_counting_its_cache(tmp_path: Path, corpus_dir: Path, signum: int) -> None:
    process = embcli_process(tmp_path, "train", str(corpus_dir), "--model", "glove", "-o", "out", "--workers", "2",
                             "-q", "--window", "15", "--epochs", "100")
    assert_clean_interrupt(tmp_path, process, signum, watched=corpus_dir)
