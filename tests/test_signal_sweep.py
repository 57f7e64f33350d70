"""Ctrl-C and SIGTERM against every long command, and while the command line is still loading.

`test_signals.py` covers preprocess with a pool, skip-gram and GloVe; this
sweeps the others (CBOW, fastText, doc2vec, gensim's engine, cooccur, phrases,
export, index, quantize, embed), alternating the two signals to stay quick.
Each must end within seconds with the one line, exit 130/143 and leave no
staging entry and no output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_signals import ROOT, _default_signal_handling, assert_clean_interrupt, embcli_process, interrupt, \
    write_corpus


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("signal-sweep")
    text = write_corpus(root / "big.txt", 60_000)
    corpus = root / "corpus"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "embcli", "preprocess", str(text), "-o", str(corpus), "-q",
                    "--min-count", "1"], check=True, env=env)
    rows, dim = 150_000, 100
    matrix = np.random.default_rng(0).standard_normal((rows, dim)).astype("<f4")
    binary = root / "big.bin"
    with open(binary, "wb") as handle:  # word2vec binary: big enough that writing it elsewhere takes seconds
        handle.write(f"{rows} {dim}\n".encode())
        for i in range(rows):
            handle.write(f"t{i} ".encode() + matrix[i].tobytes())
    return {"text": text, "corpus": corpus, "binary": binary}


LONG_COMMANDS = {
    "cbow": ["train", "{corpus}", "--model", "cbow", "-o", "out", "--epochs", "50", "--workers", "2"],
    "fasttext": ["train", "{corpus}", "--model", "fasttext", "--buckets", "20000", "-o", "out", "--epochs", "50",
                 "--workers", "2"],
    "doc2vec": ["train", "{corpus}", "--model", "doc2vec", "-o", "out", "--epochs", "50", "--workers", "2"],
    "gensim-skipgram": ["train", "{corpus}", "--engine", "gensim", "-o", "out", "--epochs", "50", "--workers", "2"],
    "cooccur": ["cooccur", "{corpus}", "--window", "30", "-o", "out", "--workers", "2"],
    "phrases": ["phrases", "{corpus}", "--passes", "20", "-o", "out"],
    "export-word2vec": ["export", "{binary}", "--format", "word2vec", "-o", "out"],
    "export-projector": ["export", "{binary}", "--format", "projector", "--top", "150000", "-o", "out"],
    "index": ["index", "{binary}", "-o", "out"],
    "quantize-pq": ["quantize", "{binary}", "--method", "pq", "--no-eval", "-o", "out"],
    "embed": ["embed", "{binary}", "{text}", "-o", "out.npy"],
}
CASES = [(name, (signal.SIGINT, signal.SIGTERM)[i % 2]) for i, name in enumerate(LONG_COMMANDS)]


@pytest.mark.parametrize(("name", "signum"), CASES, ids=[f"{name}-{signal.Signals(s).name}" for name, s in CASES])
def test_a_long_command_stops_cleanly(tmp_path: Path, inputs: dict[str, Path], name: str, signum: int) -> None:
    args = [arg.format(**{key: str(path) for key, path in inputs.items()}) for arg in LONG_COMMANDS[name]]
    process = embcli_process(tmp_path, *args, "-q")
    assert_clean_interrupt(tmp_path, process, signum)
    assert not (tmp_path / "out.npy").exists()


# Holds the import of the commands open (it takes 0.1-1 s, by machine) and says so, so the signal lands in it.
SLOW_COMMANDS = """
import sys, time
class SlowCommands:
    def find_spec(self, name, path, target=None):
        if name == "embcli.cli.commands":
            print("loading", flush=True)
            time.sleep(20)
sys.meta_path.insert(0, SlowCommands())
sys.argv = ["embcli", "--help"]
from embcli.cli import main
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_command_line_loads_is_one_line(tmp_path: Path, signum: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-c", SLOW_COMMANDS], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_default_signal_handling)
    assert process.stdout.readline() == b"loading\n"  # inside the import of the commands
    code, err, seconds = interrupt(process, signum)
    assert (code, err) == (128 + signum, "Interrupted; no output was written.\n") and seconds < 10
