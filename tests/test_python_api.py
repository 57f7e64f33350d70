"""The Python API: docs/python.md runs as written, every function works twice in a process, importing is cheap."""

from __future__ import annotations

import doctest
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import embcli
from conftest import topic_sentences

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def in_tmp(tmp_path: Path):
    (tmp_path / "corpus.txt").write_text("\n".join(topic_sentences()) + "\n", encoding="utf-8")
    previous = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(previous)


def test_docs_python_md_examples_run(in_tmp: Path) -> None:
    failures, tried = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False, verbose=False,
                                       optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert tried > 20 and failures == 0


def test_every_function_works_twice_in_one_process(in_tmp: Path) -> None:
    notes: list[str] = []
    for run in ("a", "b"):
        corpus = embcli.preprocess(["corpus.txt"], f"{run}/corpus", min_count=1, workers=1)
        assert corpus["kind"] == "corpus" and corpus["counts"]["vocab_size"] == 37
        importlib.import_module("embcli.training.glove")  # a stage's submodule must not shadow the function

        manifest = embcli.train(f"{run}/corpus", f"{run}/sg", dim=8, epochs=1, workers=1, progress=notes.append)
        assert manifest["kind"] == "vectors" and manifest["config"]["model"] == "skipgram"
        vectors = embcli.load(f"{run}/sg")
        assert isinstance(vectors, embcli.Embeddings) and vectors.dim == 8
        words = vectors.index_to_key[1:5]
        Path(f"{run}-pairs.txt").write_text("".join(f"{a}\t{b}\t{i}\n" for i, (a, b) in
                                                    enumerate(zip(words, words[1:]))), encoding="utf-8")
        report = embcli.evaluate(f"{run}/sg", similarity=[f"{run}-pairs.txt"])
        assert report["kind"] == "eval-report" and report["similarity"][0]["found"] == 3
        Path(f"{run}.txt").write_text("dog eats\ncar\n", encoding="utf-8")
        summary = embcli.embed(f"{run}/sg", f"{run}.txt", f"{run}.npy")
        assert summary["rows"] == 2 and np.load(f"{run}.npy").shape == (2, 8)
        written = embcli.export(f"{run}/sg", f"{run}-export", "npy", padding=True)
        importlib.import_module("embcli.exporting")
        assert written["format"] == "npy" and np.load(f"{run}-export/vectors.npy").shape[0] == len(vectors) + 1
    assert notes, "the progress callback received the status lines"
    assert callable(embcli.train) and callable(embcli.preprocess) and callable(embcli.evaluate)
    assert callable(embcli.export)


def test_resume_inherits_the_parent_options(in_tmp: Path) -> None:
    embcli.preprocess("corpus.txt", "corpus", min_count=1, workers=1)
    embcli.train("corpus", "cbow", model="cbow", dim=12, window=2, epochs=1, workers=1)
    child = embcli.train("corpus", "more", resume="cbow", epochs=1, workers=1)
    assert (child["config"]["model"], child["config"]["dim"], child["config"]["window"]) == ("cbow", 12, 2)


def test_errors_are_embclis_and_nothing_is_written(in_tmp: Path) -> None:
    with pytest.raises(embcli.ConfigError, match="min_count=0"):
        embcli.preprocess("corpus.txt", "bad", min_count=0)
    with pytest.raises(embcli.InputError):
        embcli.load("missing")
    with pytest.raises(embcli.ConfigError):
        embcli.evaluate("missing", restrict_vocab=0)
    with pytest.raises(embcli.ConfigError, match="progress="):
        embcli.preprocess("corpus.txt", "bad", progress="loud")
    assert not Path("bad").exists()


def test_importing_embcli_imports_no_stage() -> None:
    code = ("import sys, embcli\n"
            "heavy = [m for m in ('numpy', 'click', 'gensim', 'numba', 'embcli.training', 'embcli.embeddings') "
            "if m in sys.modules]\n"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
    assert set(embcli.__all__) >= {"load", "preprocess", "train", "evaluate", "embed", "Embeddings"}
    assert embcli.__version__.count(".") == 2
