"""docs/frameworks.md: its `embcli` commands and python blocks run, in order, on a small model at work/sg."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import run

DOC = Path(__file__).resolve().parents[1] / "docs" / "frameworks.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def blocks() -> list[tuple[str, set[str], str]]:
    """(language, requirements, code) of every fenced block; `requires-torch` names a module needed."""
    found = []
    for language, info, code in FENCE.findall(DOC.read_text(encoding="utf-8")):
        needs = {word.removeprefix("requires-") for word in info.split() if word.startswith("requires-")}
        found.append((language, needs, code))
    return found


def test_the_document_has_runnable_blocks():
    languages = [language for language, needs, _ in blocks() if not needs]
    assert languages.count("python") >= 4 and "console" in languages


def test_frameworks_doc_runs(trained_skipgram, tmp_path, monkeypatch):
    pytest.importorskip("safetensors")
    shutil.copytree(trained_skipgram, tmp_path / "work" / "sg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    ran = 0
    for language, needs, code in blocks():
        if any(importlib.util.find_spec({"tensorflow": "tensorflow"}.get(n, n)) is None for n in needs):
            continue
        if language == "console":
            for line in code.splitlines():
                args = shlex.split(line, comments=True)
                if args[:3] in (["embcli", "export", "work/sg"],):
                    result = run(*args[1:], "-q")
                    assert result.exit_code == 0, (line, result.output)
        elif language == "python":
            exec(compile(code, f"{DOC.name} block", "exec"), namespace)  # noqa: S102 - our own documentation
            ran += 1
    assert ran >= 4
    assert namespace["batch"][0].tolist()[3:] == [0, 0] and namespace["embedded"].shape[:2] == (2, 5)
    assert namespace["tokens"] == ["the", "cat", "eats", "hay"]
