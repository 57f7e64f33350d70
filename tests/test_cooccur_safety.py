"""Co-occurrence and GloVe under hostile input and faults: ids out of range, damaged caches, outputs they must not replace."""

from __future__ import annotations

import ast
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.artifacts import write_manifest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--dim", "8", "--x-max", "10", "--workers", "1", "--epochs", "1"]


@pytest.fixture()
def corpus_dir(tmp_path: Path, topic_corpus_dir: Path) -> Path:
    return Path(shutil.copytree(topic_corpus_dir, tmp_path / "corpus"))


def embcli_process(*args: object) -> subprocess.CompletedProcess:
    """The CLI in its own process, so that a crash in a kernel shows as a signal, not a dead test run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "embcli", *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=300)


def set_entry(path: Path, index: int, value: int) -> None:
    array = np.load(path, mmap_mode="r+")
    array[index] = value
    array.flush()
    del array


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


# ---------------------------------------------------------------------------
# ids and matrix entries out of range


def test_an_id_beyond_the_vocabulary_is_refused_by_cooccur_and_glove(corpus_dir: Path, tmp_path: Path) -> None:
    set_entry(corpus_dir / "ids.npy", 17, 4_000_000_000)
    counted = run("cooccur", corpus_dir, "-o", tmp_path / "cooc", "-q")
    assert counted.exit_code == 1 and not (tmp_path / "cooc").exists()
    message = one_error_line(counted.stderr)
    assert f"{corpus_dir / 'ids.npy'}: token id 4000000000 at position 17 is beyond the vocabulary" in message
    trained = embcli_process("train", corpus_dir, "--model", "glove", "-o", tmp_path / "glove", *SMALL, "-q")
    assert trained.returncode == 1, trained.stderr  # not -11 (SIGSEGV)
    assert "token id 4000000000 at position 17" in one_error_line(trained.stderr)
    assert not (tmp_path / "glove").exists() and not (corpus_dir / "cooccur-w10-sym").exists()


@pytest.mark.parametrize(("name", "value", "complaint"), [
    ("rows.npy", 2_000_000_000, "word id 2000000000 at entry 5 is outside the vocabulary"),
    ("cols.npy", -3, "word id -3 at entry 5 is outside the vocabulary"),
    ("values.npy", np.nan, "value nan at entry 5 is not a positive finite count"),
])
def test_a_damaged_cached_matrix_is_refused(corpus_dir: Path, tmp_path: Path, name: str, value: float, complaint: str) -> None:
    assert run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "first", *SMALL, "-q").exit_code == 0
    cache = corpus_dir / "cooccur-w10-sym"
    set_entry(cache / name, 5, value)
    if name == "rows.npy":  # the crash the check prevents: run it in its own process
        result = embcli_process("train", corpus_dir, "--model", "glove", "-o", tmp_path / "second", *SMALL, "-q")
        assert result.returncode == 1, result.stderr
        stderr = result.stderr
    else:
        result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "second", *SMALL, "-q")
        assert result.exit_code == 1
        stderr = result.stderr
    assert f"{cache / name}: {complaint}" in one_error_line(stderr)
    assert not (tmp_path / "second").exists()


def test_a_matrix_from_another_vocabulary_is_refused(corpus_dir: Path, tmp_path: Path) -> None:
    assert run("cooccur", corpus_dir, "-o", tmp_path / "cooc", "-q").exit_code == 0
    vocab = (tmp_path / "cooc" / "vocab.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "cooc" / "vocab.tsv").write_text("".join(vocab[:-3]), encoding="utf-8")  # rows still fit, barely
    result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", "--cooccurrence", tmp_path / "cooc",
                 *SMALL, "-q")
    assert result.exit_code == 1
    assert f"{tmp_path / 'cooc' / 'rows.npy'}: word id" in one_error_line(result.stderr) and "is outside the vocabulary" in result.stderr
    assert not (tmp_path / "g").exists()


# ---------------------------------------------------------------------------
# auxiliary outputs: only an empty directory or an artifact of their own kind is replaced


def test_checkpoint_dir_with_user_files_is_refused_even_with_force(corpus_dir: Path, tmp_path: Path) -> None:
    mine = tmp_path / "my-results"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    for extra in ([], ["--force"]):
        result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", "--checkpoint-every", "1",
                     "--checkpoint-dir", mine, *SMALL, *extra)
        assert result.exit_code == 1
        assert f"{mine} (--checkpoint-dir) is not made by embcli (no manifest.json), not a glove-checkpoint directory" in one_error_line(result.stderr)
    assert (mine / "thesis.tex").read_text() == "years of work" and not (tmp_path / "g").exists()


def test_checkpoint_dir_of_another_kind_is_refused_but_an_earlier_checkpoint_is_replaced(corpus_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "vectors-here"
    other.mkdir()
    write_manifest(other, "vectors")
    refused = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", "--checkpoint-every", "1",
                  "--checkpoint-dir", other, *SMALL, "-q")
    assert refused.exit_code == 1 and "is a 'vectors' artifact, not a glove-checkpoint directory" in refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in ("g1", "g2"):  # an empty directory, then the checkpoint the first run left
        result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / out, "--checkpoint-every", "1",
                     "--checkpoint-dir", empty, *SMALL, "-q")
        assert result.exit_code == 0, result.output
        assert (empty / "word.npy").exists()


def test_a_foreign_directory_in_the_cache_place_is_refused_and_said_even_with_quiet(corpus_dir: Path, tmp_path: Path) -> None:
    place = corpus_dir / "cooccur-w10-sym"
    place.mkdir()
    (place / "notes.txt").write_text("keep me")
    for extra in ([], ["--force"]):
        result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", *SMALL, "-q", *extra)
        assert result.exit_code == 1
        assert f"{place} (co-occurrence cache) is not made by embcli" in one_error_line(result.stderr)
    assert (place / "notes.txt").read_text() == "keep me" and not (tmp_path / "g").exists()


def test_an_empty_cache_directory_is_filled(corpus_dir: Path, tmp_path: Path) -> None:
    (corpus_dir / "cooccur-w10-sym").mkdir()
    assert run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", *SMALL, "-q").exit_code == 0
    assert (corpus_dir / "cooccur-w10-sym" / "manifest.json").exists()


# ---------------------------------------------------------------------------
# options and faults


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308"])
def test_memory_mb_must_be_a_finite_number(corpus_dir: Path, tmp_path: Path, value: str) -> None:
    for command in (["cooccur", corpus_dir, "-o", tmp_path / "c"], ["train", corpus_dir, "--model", "glove", "-o", tmp_path / "g"]):
        result = run(*command, "--memory-mb", value, "-q")
        assert result.exit_code == 2 and "--memory-mb" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c").exists() and not (tmp_path / "g").exists()


def test_an_impossible_dim_is_refused_before_allocating(corpus_dir: Path, tmp_path: Path) -> None:
    result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", "--dim", "1000000000", "-q")
    assert result.exit_code == 1
    assert "--dim 1000000000 for 37 words would need 275.7 GiB" in one_error_line(result.stderr)
    assert not (corpus_dir / "cooccur-w10-sym").exists()  # refused before counting


def test_disk_full_while_writing_glove_output_is_one_line(corpus_dir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import embcli.training.common as common

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(common, "write_vectors_dir_files", no_space)
    result = run("train", corpus_dir, "--model", "glove", "-o", tmp_path / "g", *SMALL, "-q")
    assert result.exit_code == 1
    message = one_error_line(result.stderr)
    assert str(tmp_path / "g") in message and "bytes" in message and "space" in message
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]  # no staging left


# ---------------------------------------------------------------------------
# the Spark engine uses public names only


def test_spark_imports_no_private_name_from_embcli() -> None:
    from embcli import cooccurrence

    offenders = []
    for path in sorted((ROOT / "embcli" / "spark").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("embcli") and node.level == 0:
                module = node.module or ""
                if any(part.startswith("_") for part in module.split(".")):
                    offenders.append(f"{path.name}: module {module}")
                for alias in node.names:
                    if alias.name.startswith("_"):
                        offenders.append(f"{path.name}: {module}.{alias.name}")
                    if module.startswith("embcli.cooccurrence") and (
                            module != "embcli.cooccurrence" or alias.name not in cooccurrence.__all__):
                        offenders.append(f"{path.name}: {module}.{alias.name} is not in embcli.cooccurrence.__all__")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if isinstance(node.value, ast.Name) and node.value.id not in ("self", "cls"):
                    offenders.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert not offenders, offenders
