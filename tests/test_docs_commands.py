"""Every shell command that README.md and docs/*.md show runs as written, on a fresh copy of the data.

Convention for the documents: a ```bash block is run by this test, in order, in one scratch directory
per document (so later blocks use what earlier ones made) with `data/` and `configs/` beside it, as a
user of a fresh clone would. A ```sh block holds set-up commands that CI itself runs (`make demo`,
`make test`, `pip install ...`), Make targets (which run the commands shown elsewhere), shell set-up
(completion) or Spark runs (tested by tests/test_spark.py, they need Java and a cluster); this test checks
that such blocks hold nothing else, so no command escapes it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NOT_RUN = re.compile(r"^(make |pip install|python -m pip install|source |apt-get|brew |export HADOOP_CONF_DIR|"
                     r"spark-submit|embcli .*(--backend spark|--engine spark-mllib)|eval \"\$\(_EMBCLI_COMPLETE|"
                     r"_EMBCLI_COMPLETE)")


def blocks(document: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(document.read_text(encoding="utf-8")) if lang == language]


def commands(body: str) -> list[str]:
    """The block's commands: comments and blank lines dropped, `\\` continuations joined."""
    text = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_set_up_blocks_hold_only_set_up_commands(document: Path) -> None:
    for body in blocks(document, "sh"):
        for command in commands(body):
            assert NOT_RUN.match(command), f"{document.name}: '{command}' is in a sh block but is not set-up; use bash"


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if blocks(d, "bash")], ids=lambda path: path.name)
def test_shown_commands_run_as_written(document: Path, tmp_path: Path) -> None:
    for name in ("data", "configs"):
        os.symlink(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "embcli"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m embcli \"$@\"\n")
    launcher.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT))
    for body in blocks(document, "bash"):
        script = "set -eo pipefail\n" + body
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{document.name} block failed:\n{body}\n--- stderr ---\n{done.stderr[-3000:]}"
    shutil.rmtree(tmp_path / "work", ignore_errors=True)
