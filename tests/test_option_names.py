"""The names people bring from word2vec, fastText, GloVe and gensim, and help that shows the way."""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.conftest import run

FOREIGN_NAMES = [  # command, what the user typed, the one line they get
    ("train", ["--min-count", "10"], "--min-count is a preprocess option (embcli preprocess ... --min-count 10)"),
    ("train", ["-min-count", "10"], "-min-count is a preprocess option (embcli preprocess ... --min-count 10)"),
    ("train", ["--min_count", "10"], "--min_count is a preprocess option (embcli preprocess ... --min-count 10)"),
    ("train", ["-minCount", "3"], "-minCount is a preprocess option (embcli preprocess ... --min-count 3)"),
    ("train", ["--size", "300"], "--size is --dim in embcli (embcli train ... --dim 300)"),
    ("train", ["-size", "300"], "-size is --dim in embcli (embcli train ... --dim 300)"),
    ("train", ["--vector-size", "300"], "--vector-size is --dim in embcli (embcli train ... --dim 300)"),
    ("train", ["--vector_size=300"], "--vector_size=300 is --dim in embcli (embcli train ... --dim 300)"),
    ("train", ["-dim", "300"], "-dim is --dim in embcli (embcli train ... --dim 300)"),
    ("train", ["--lr", "0.05"], "--lr is --alpha in embcli (embcli train ... --alpha 0.05)"),
    ("train", ["-lr", "0.05"], "-lr is --alpha in embcli (embcli train ... --alpha 0.05)"),
    ("train", ["--ws", "3"], "--ws is --window in embcli (embcli train ... --window 3)"),
    ("train", ["--neg", "10"], "--neg is --negative in embcli (embcli train ... --negative 10)"),
    ("train", ["--iter", "3"], "--iter is --epochs in embcli (embcli train ... --epochs 3)"),
    ("train", ["--epoch", "3"], "--epoch is --epochs in embcli (embcli train ... --epochs 3)"),
    ("train", ["-epoch", "3"], "-epoch is --epochs in embcli (embcli train ... --epochs 3)"),
    ("train", ["-iter", "3"], "-iter is --epochs in embcli (embcli train ... --epochs 3)"),
    ("train", ["-cbow", "1"], "-cbow 1 is --model cbow in embcli (embcli train ... --model cbow)"),
    ("train", ["-cbow", "0"], "-cbow 0 is --model skipgram in embcli (embcli train ... --model skipgram)"),
    ("train", ["--sg", "1"], "--sg 1 is --model skipgram in embcli (embcli train ... --model skipgram)"),
    ("train", ["-threads", "4"], "-threads is --workers in embcli (embcli train ... --workers 4)"),
    ("train", ["--thread", "4"], "--thread is --workers in embcli (embcli train ... --workers 4)"),
    ("train", ["-hs", "1"], "-hs 1 is --hs in embcli (embcli train ... --hs)"),
    ("train", ["-window", "5"], "-window is --window in embcli (embcli train ... --window 5)"),
    ("train", ["-negative", "5"], "-negative is --negative in embcli (embcli train ... --negative 5)"),
    ("train", ["-t", "1e-4"], "-t is --sample in embcli (embcli train ... --sample 1e-4)"),
    ("train", ["-bucket", "1000"], "-bucket is --buckets in embcli (embcli train ... --buckets 1000)"),
    ("train", ["-symmetric", "0"], "-symmetric 0 is --asymmetric in embcli (embcli train ... --asymmetric)"),
    ("train", ["-output", "vec"], "-output is -o in embcli (embcli train ... -o vec)"),
    ("train", ["-train", "text.txt"],
     "-train: embcli trains on a directory made by embcli preprocess (embcli preprocess FILE -o work/corpus)"),
    ("preprocess", ["-min-count", "3"], "-min-count is --min-count in embcli (embcli preprocess ... --min-count 3)"),
    ("preprocess", ["--min_count", "3"], "--min_count is --min-count in embcli (embcli preprocess ... --min-count 3)"),
    ("preprocess", ["--size", "100"], "--size is a train option (embcli train ... --dim 100)"),
    ("preprocess", ["-threads", "2"], "-threads is --workers in embcli (embcli preprocess ... --workers 2)"),
    ("cooccur", ["-window-size", "15"], "-window-size is --window in embcli (embcli cooccur ... --window 15)"),
    ("cooccur", ["-memory", "4"], "-memory is --memory-mb in embcli (embcli cooccur ... --memory-mb 4096)"),
    ("cooccur", ["--min-count", "5"], "--min-count is a preprocess option (embcli preprocess ... --min-count 5)"),
]


@pytest.mark.parametrize(("command", "typed", "message"), FOREIGN_NAMES)
def test_foreign_option_names_point_to_embcli(tmp_path, command, typed, message):
    result = run(command, tmp_path / "input", "-o", tmp_path / "out", *typed)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {message}"
    assert not (tmp_path / "out").exists()


def test_real_options_and_their_values_are_left_alone(tmp_path, topic_corpus_file):
    out = tmp_path / "out"  # a value that looks like a foreign option, after an option that takes a value
    result = run("preprocess", topic_corpus_file, "-o", out, "--token-pattern", "-size|[a-z]+", "--min-count", "1", "-q")
    assert result.exit_code == 0, result.output
    result = run("train", tmp_path / "missing", "-o", tmp_path / "t", "--bogus")
    assert result.exit_code == 2 and "No such option '--bogus'" in result.output  # click's own message otherwise


def test_deprecated_engine_spelling_still_works(tmp_path, topic_corpus_file):
    result = run("preprocess", topic_corpus_file, "-o", tmp_path / "out", "--engine", "local", "--min-count", "1", "-q")
    assert result.exit_code == 0, result.output
    assert "Warning: --engine local is deprecated here; use --backend local" in result.stderr
    result = run("preprocess", topic_corpus_file, "-o", tmp_path / "x", "--engine", "spark", "--backend", "local")
    assert result.exit_code == 2 and "--engine spark and --backend local disagree" in result.output


def test_missing_pyspark_with_the_backend_option(monkeypatch, tmp_path, topic_corpus_file):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    result = run("preprocess", topic_corpus_file, "-o", tmp_path / "out", "--backend", "spark")
    assert result.exit_code == 1 and "pip install 'embcli[spark]'" in result.stderr


# ---------------------------------------------------------------------------
# help


def test_train_help_is_grouped_by_model_with_examples():
    text = run("train", "--help").output
    sections = ["Common options:", "word2vec options", "fastText options", "GloVe options", "Spark options:"]
    positions = [text.index(title) for title in sections]
    assert positions == sorted(positions)
    assert "Examples:" in text and "embcli train work/corpus --model cbow" in text
    fasttext = text[positions[2]:positions[3]]
    assert "--minn" in fasttext and "--x-max" not in fasttext
    assert "--x-max" in text[positions[3]:positions[4]] and "--spark-master" in text[positions[4]:]


def _commands() -> list[str]:
    from embcli.cli import main

    return sorted(main.commands)


@pytest.mark.parametrize("command", _commands())
def test_every_help_has_examples_and_one_style_of_default(command):
    text = run(command, "--help").output
    assert "Examples:" in text and f"embcli {command} " in text
    assert not re.search(r"\[\d[^|\]]*\]", text) and "[default: (" not in text  # neither "[5]" nor click's "(5)"
    assert "[default]" not in text and "[default " not in text


@pytest.mark.parametrize("command", ["train", "preprocess", "cooccur"])
def test_stage_commands_show_defaults_and_take_json_and_quiet(command):
    text = run(command, "--help").output
    assert "[default: " in text and "--json" in text and "--quiet" in text


def test_train_json_and_quiet(tmp_path, topic_corpus_dir):
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", "--dim", "8", "--epochs", "1", "--workers", "1",
                 "-q", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["output"] == str(tmp_path / "out") and summary["model"] == "skipgram"
    assert summary["counts"]["dim"] == 8 and summary["config"]["epochs"] == 1 and "wall_seconds" in summary["timings"]
    assert result.stderr == ""
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out2", "--dim", "8", "--epochs", "1", "--workers", "1")
    assert result.stdout == "" and result.stderr.strip().splitlines()[-1].startswith(f"Wrote {tmp_path / 'out2'}")


@pytest.mark.parametrize("command", ["train", "preprocess", "cooccur"])
def test_shown_defaults_are_the_configs(command):
    """The help's `[default: X]` (first value) is the default of the config field of the same name."""
    import dataclasses

    from embcli.cli import main
    from embcli.config import CooccurConfig, FastTextConfig, GloVeConfig, PreprocessConfig, Word2VecConfig

    classes = {"train": [Word2VecConfig, FastTextConfig, GloVeConfig], "preprocess": [PreprocessConfig],
               "cooccur": [CooccurConfig]}[command]
    checked = 0
    for param in main.commands[command].params:
        shown = getattr(param, "show_default", None)
        if not isinstance(shown, str):
            continue
        first = str(shown).split(";")[0].split(",")[0].split(" ")[0]
        fields = [f for cls in classes for f in dataclasses.fields(cls) if f.name == param.name][:1]  # the first model's
        if not fields or fields[0].default in (dataclasses.MISSING, None) or isinstance(fields[0].default, bool):
            continue  # no field, a default that depends on the model or machine, or a flag
        default = fields[0].default
        assert (float(first) == default) if isinstance(default, (int, float)) else first == default, param.name
        checked += 1
    assert checked >= {"train": 15, "preprocess": 3, "cooccur": 2}[command]
