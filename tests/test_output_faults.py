"""Faults around outputs that the per-writer sweep does not cover: races, hard links, file size limits,
unforeseen errors, library warnings and user text in status lines — each must stay one line and lose nothing."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run
from embcli.artifacts import staged_directory, write_manifest
from embcli.cli import main
from embcli.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def test_an_output_that_appears_during_the_work_is_not_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(InputError, match="already exists"):
        with staged_directory(out, force=False, kind="vectors") as staging:
            write_manifest(staging, "vectors")
            out.mkdir()  # another run (or the user) got there first
            (out / "theirs.txt").write_text("theirs")
    assert (out / "theirs.txt").read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_hard_link_to_an_input_is_the_input(trained_skipgram: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cat\tdog\t9\ncar\tbus\t8\ncat\tcar\t1\n")
    report = tmp_path / "report.json"
    os.link(pairs, report)
    result = run("eval", trained_skipgram, "--similarity", pairs, "--output", report, "--force", "-q")
    assert "is the input" in error_line(result.stderr)
    assert pairs.read_text().startswith("cat\tdog")


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


@pytest.mark.parametrize("command", [["export", "{sg}", "--format", "word2vec", "-o", "{out}.vec"],
                                     ["export", "{sg}", "--format", "npy", "-o", "{out}"],
                                     ["embed", "{sg}", "{text}", "-o", "{out}.npy"],
                                     ["train", "{corpus}", "--dim", "40", "--epochs", "1", "--workers", "1",
                                      "-o", "{out}"]])
def test_the_file_size_limit_is_one_line_naming_the_output_and_the_bytes(command: list[str], trained_skipgram: Path,
                                                                         topic_corpus_dir: Path, topic_corpus_file: Path,
                                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [a.format(sg=trained_skipgram, corpus=topic_corpus_dir, text=topic_corpus_file, out=out) for a in command]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "embcli", *args, "-q"], env=env, capture_output=True, text=True,
                            preexec_fn=_limit_file_size, timeout=300)
    assert result.returncode == 1, result.stderr
    message = error_line(result.stderr)
    assert "file size limit" in message and str(out) in message and "bytes" in message, message
    assert os.listdir(tmp_path) == []


def test_an_unforeseen_error_is_one_line_and_its_traceback_is_there_on_request(
        trained_skipgram: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embcli.exporting

    def broken(*args, **kwargs):
        raise ValueError("expected non-negative integer\nError: injected")

    monkeypatch.setattr(embcli.exporting, "export_matrix", broken)
    result = run("export", trained_skipgram, "--format", "npy", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "unexpected ValueError: expected non-negative integer\\nError: injected" in error_line(result.stderr)
    assert os.listdir(tmp_path) == []
    monkeypatch.setenv("EMBCLI_DEBUG", "1")
    with pytest.raises(ValueError):
        CliRunner().invoke(main, ["export", str(trained_skipgram), "--format", "npy", "-o", str(tmp_path / "out")],
                           catch_exceptions=False)


def test_a_library_warning_is_one_line(trained_skipgram: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import embcli.exporting

    real = embcli.exporting.export_matrix

    def warning_first(*args, **kwargs):
        warnings.warn("something odd\nin two lines", RuntimeWarning)
        return real(*args, **kwargs)

    monkeypatch.setattr(embcli.exporting, "export_matrix", warning_first)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        result = run("export", trained_skipgram, "--format", "npy", "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: something odd\\nin two lines\n"


@pytest.mark.parametrize("command", [["export", "{sg}", "--format", "npy", "-o", "{out}"],
                                     ["plot", "{sg}", "--top", "5", "-o", "{out}.png"],
                                     ["index", "{sg}", "--lists", "1", "-o", "{out}"]])
def test_user_text_in_a_status_line_cannot_start_a_line(command: list[str], trained_skipgram: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "a\nError: fake"
    result = run(*[a.format(sg=trained_skipgram, out=out) for a in command])
    assert result.exit_code == 0, result.output
    assert not any(line.startswith("Error: fake") for line in result.stderr.splitlines()), result.stderr


@pytest.mark.parametrize("option", ["--cooccurrence", "--checkpoint-dir"])
@pytest.mark.parametrize("where", ["{out}", "{out}/inside", "{parent}"])
def test_an_auxiliary_path_that_overlaps_the_output_is_refused_before_any_work(option: str, where: str,
                                                                               topic_corpus_dir: Path,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "parent" / "out"
    path = where.format(out=out, parent=out.parent)
    result = run("train", topic_corpus_dir, "--model", "glove", "--dim", "8", "--epochs", "2", "--checkpoint-every",
                 "1", option, path, "-o", out, "-q")
    assert "the output" in error_line(result.stderr)
    assert not out.parent.exists()


def test_a_long_output_name_still_has_room_for_its_staging_name(trained_skipgram: Path, tmp_path: Path) -> None:
    out = tmp_path / ("v" * 250)
    assert run("export", trained_skipgram, "--format", "npy", "-o", out, "-q").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_the_sif_component_sidecar_is_an_input_of_embed(trained_skipgram: Path, topic_corpus_file: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "rows.npy"
    assert run("embed", trained_skipgram, topic_corpus_file, "--pool", "sif", "-o", out, "-q").exit_code == 0
    sidecar = out.with_name("rows.npy.json")
    before = sidecar.read_bytes()
    result = run("embed", trained_skipgram, topic_corpus_file, "--pool", "sif", "--sif-component", sidecar, "-o", out,
                 "--force", "-q")
    assert "is the input" in error_line(result.stderr)
    assert sidecar.read_bytes() == before


def test_a_reader_that_goes_away_ends_the_command_quietly(trained_skipgram: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    words = tmp_path / "words.txt"
    words.write_text("cat\ndog\n" * 20_000)
    with open(words, "rb") as stdin:
        process = subprocess.Popen([sys.executable, "-m", "embcli", "vectors", str(trained_skipgram), "-"], env=env,
                                   stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.read(100)
        process.stdout.close()  # as `| head -c 100` does
        assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
