"""The output-safety rule: nothing a user has is lost, whatever the output path is."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.artifacts import check_output, staged_directory, staged_file, write_manifest
from embcli.artifacts import staging as staging_module
from embcli.errors import InputError, ResourceError


def make_artifact(path: Path, kind: str = "vectors") -> Path:
    path.mkdir(parents=True)
    write_manifest(path, kind)
    return path


def write_through(path: Path, *, force: bool, inputs=()) -> None:
    with staged_directory(path, force=force, kind="vectors", inputs=inputs) as staging:
        (staging / "new.txt").write_text("new")
        write_manifest(staging, "vectors")


def test_a_user_directory_is_never_replaced_even_with_force(tmp_path: Path) -> None:
    results = tmp_path / "my-results"
    results.mkdir()
    (results / "thesis.tex").write_text("years of work")
    for force in (False, True):
        with pytest.raises(InputError, match="not an embcli output|already exists"):
            write_through(results, force=force)
    assert (results / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-results"]


def test_force_replaces_an_embcli_artifact_or_an_empty_directory(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "out", kind="corpus")
    (artifact / "old.txt").write_text("old")
    with pytest.raises(InputError, match="already exists; pass --force"):
        write_through(artifact, force=False)
    write_through(artifact, force=True)
    assert sorted(p.name for p in artifact.iterdir()) == ["manifest.json", "new.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    write_through(empty, force=True)
    assert (empty / "new.txt").exists()


def test_an_output_that_holds_equals_or_lies_inside_an_input_is_refused(tmp_path: Path) -> None:
    corpus = make_artifact(tmp_path / "project" / "corpus", kind="corpus")
    texts = tmp_path / "texts"
    texts.mkdir()
    cases = [(tmp_path / "project", corpus, "contains the input"), (corpus, corpus, "is the input"),
             (texts / "prep", texts, "lies inside the input")]
    for output, source, message in cases:
        with pytest.raises(InputError, match=message):
            check_output(output, force=True, kind="corpus", inputs=[source])
    assert (corpus / "manifest.json").exists()
    link = tmp_path / "link"
    link.symlink_to(corpus)  # the same input under another name
    with pytest.raises(InputError, match="is the input"):
        check_output(link, force=True, kind="corpus", inputs=[corpus])


def test_a_file_output_replaces_only_a_file_of_its_kind(tmp_path: Path) -> None:
    corpus_text = tmp_path / "corpus.npy"
    corpus_text.write_text("the only copy of my corpus\n")
    with pytest.raises(InputError, match="not a npy file embcli would write"):
        check_output(corpus_text, force=True, kind="npy")
    np.save(tmp_path / "rows.npy", np.zeros(3))
    check_output(tmp_path / "rows.npy", force=True, kind="npy")
    with pytest.raises(InputError, match="is not a regular file"):
        check_output(tmp_path, force=True, kind="npy")


def test_a_dangling_symlink_is_refused_and_nothing_is_created_at_its_target(tmp_path: Path) -> None:
    link = tmp_path / "out"
    target = tmp_path / "elsewhere" / "deep" / "target"
    link.symlink_to(target)
    with pytest.raises(InputError, match="dangling symlink"):
        write_through(link, force=False)
    assert not (tmp_path / "elsewhere").exists()
    write_through(link, force=True)  # only the link is replaced
    assert link.is_dir() and not link.is_symlink() and not (tmp_path / "elsewhere").exists()


def test_a_symlink_to_another_filesystem_is_replaced_beside_its_name(tmp_path: Path) -> None:
    other = tmp_path / "other-fs"
    other.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(other)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = make_artifact(other / "out")
        link = tmp_path / "out"
        link.symlink_to(target)
        write_through(link, force=True)
        assert (link / "new.txt").read_text() == "new"
        assert (target / "manifest.json").exists()  # nothing at the target was deleted
    finally:
        subprocess.run(["umount", str(other)], check=True)


def test_a_failed_final_rename_puts_the_previous_output_back(tmp_path: Path, monkeypatch) -> None:
    out = make_artifact(tmp_path / "out")
    (out / "old.txt").write_text("old")
    real_replace = os.replace

    def failing_replace(source, destination):
        if ".tmp-" in str(source):
            raise OSError(18, "Invalid cross-device link")
        return real_replace(source, destination)

    monkeypatch.setattr(staging_module.os, "replace", failing_replace)
    with pytest.raises(ResourceError, match="cross-device link; .* is unchanged"):
        write_through(out, force=True)
    assert (out / "old.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staging_left_by_a_killed_run_is_removed_by_the_next_run(tmp_path: Path) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    stale_dir = tmp_path / f".out.tmp-{child.pid}-abc"
    stale_dir.mkdir()
    (stale_dir / ".embcli-staging").write_text(f"{child.pid}\n")
    (stale_dir / "ids.npy").write_bytes(b"x" * 100)
    stale_file = tmp_path / f".out.tmp-{child.pid}-rows-xyz"
    stale_file.write_bytes(b"x")
    alive = tmp_path / f".out.tmp-{os.getppid()}-def"  # a running process's staging is left alone
    alive.mkdir()
    (alive / ".embcli-staging").write_text(f"{os.getppid()}\n")
    unrelated = tmp_path / ".out.tmp-notes"
    unrelated.write_text("mine")
    write_through(tmp_path / "out", force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", alive.name, unrelated.name])


def test_outputs_honour_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_through(tmp_path / "out", force=False)
        with staged_file(tmp_path / "report.json", force=False, kind="json") as staged:
            staged.write_text(json.dumps({}))
    finally:
        os.umask(previous)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "report.json").stat().st_mode & 0o777 == 0o644


def test_dot_and_root_are_refused_with_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not an embcli output"):
        check_output(Path("."), force=True, kind="corpus")
    with pytest.raises(InputError):
        check_output(Path("/"), force=True, kind="corpus")


@pytest.mark.parametrize("stage", ["preprocess", "cooccur"])
def test_a_config_file_inside_the_output_is_an_input_that_force_keeps(tmp_path: Path, stage: str) -> None:
    (tmp_path / "text.txt").write_text("hello world hello world\nfoo bar foo bar\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert run("preprocess", tmp_path / "text.txt", "-o", corpus, "--min-count", "1", "-q").exit_code == 0
    output = corpus if stage == "preprocess" else tmp_path / "cooc"
    if stage == "cooccur":
        assert run("cooccur", corpus, "-o", output, "-q").exit_code == 0
    config = output / "mine.toml"
    config.write_text("min_count = 1\n" if stage == "preprocess" else "window = 2\n", encoding="utf-8")
    source = tmp_path / "text.txt" if stage == "preprocess" else corpus
    result = run(stage, source, "-o", output, "--config", config, "--force", "-q")
    assert result.exit_code != 0 and "contains the input" in result.stderr
    assert config.read_text(encoding="utf-8").strip() in ("min_count = 1", "window = 2")
    assert (output / "manifest.json").exists()
