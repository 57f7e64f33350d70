"""Commands load lazily: every command is still registered and listed, and a query imports only what it needs."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from embcli.cli import main
from embcli.cli.commands import COMMAND_MODULES
from toy_vectors import clustered_vectors, write_vectors_dir

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("gensim", "numba", "scipy", "sklearn", "matplotlib", "faiss", "pyspark", "tqdm", "jieba")
QUERY_MODULES = {"embcli.cli.queries", "embcli.cli.evaluate"}  # evaluate: the shared VECTORS argument and --vocab


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)


def test_every_command_is_where_the_table_says() -> None:
    for path in sorted((REPO / "embcli" / "cli").glob("*.py")):  # a command defined anywhere registers itself
        importlib.import_module(f"embcli.cli.{path.stem}")
    registered = {name: command.callback.__module__ for name, command in main.commands.items()}
    assert registered == COMMAND_MODULES


def test_help_lists_every_command_with_its_short_help() -> None:
    listed = _python("from embcli.cli import main; main(['--help'])")
    assert listed.returncode == 0, listed.stderr
    commands = listed.stdout.split("Commands:")[1].splitlines()
    for name in COMMAND_MODULES:
        short = main.commands[name].get_short_help_str(limit=45).split("...")[0]
        assert any(line.split()[:1] == [name] and short[:30] in line for line in commands), (name, short)


def test_neighbors_imports_no_other_command_and_no_heavy_library(tmp_path: Path) -> None:
    words, vectors = clustered_vectors(200, 16)
    directory = write_vectors_dir(tmp_path / "vectors", words, vectors)
    code = """if True:
        import json, sys
        from embcli.cli import main
        try:
            main(["neighbors", sys.argv[1], "w3", "-k", "3", "--json", "-q"])
        except SystemExit as exc:
            assert not exc.code, exc.code
        print(json.dumps(sorted(sys.modules)))
    """
    ran = _python(code, str(directory))
    assert ran.returncode == 0, ran.stderr
    answer_end = ran.stdout.rindex("]", 0, ran.stdout.rindex("\n[")) + 1
    answer, modules = json.loads(ran.stdout[:answer_end]), json.loads(ran.stdout[answer_end:])
    assert [item["word"] for item in answer[0]["neighbors"]] == [
        word for word, _ in _expected(words, vectors, "w3", 3)]
    assert not [name for name in modules if name.split(".")[0] in HEAVY]
    commands = {name for name in modules if name in COMMAND_MODULES.values()}
    assert commands == QUERY_MODULES


def _expected(words: list[str], vectors: np.ndarray, word: str, k: int) -> list[tuple[str, float]]:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ unit[words.index(word)]
    order = [row for row in np.argsort(-scores) if words[row] != word][:k]
    return [(words[row], float(scores[row])) for row in order]
