"""One set of checks for every caller: the command line, a TOML preset and Python get the same verdict.

Each bad value fails before any work (exit 2 on the command line, ConfigError in
Python, no output directory created), with a message that names the option as
that caller wrote it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from embcli.config import FastTextConfig, GloVeConfig, PreprocessConfig, Word2VecConfig
from embcli.cooccurrence_options import cooccur
from embcli.errors import ConfigError
from embcli.preprocessing_options import preprocess
from embcli.training import resolve_training_config, train
from tests.conftest import run

INTEGER_1 = "must be an integer of at least 1"
INTEGER_0 = "must be an integer of at least 0"
POSITIVE = "must be a finite number greater than 0"
NON_NEGATIVE = "must be a finite number of at least 0"

# key, as typed on the command line, as written in TOML, as a Python value, the requirement
BAD_TRAIN_VALUES = [
    ("workers", "0", "0", 0, INTEGER_1),
    ("alpha", "nan", "nan", math.nan, POSITIVE),
    ("alpha", "0", "0", 0, POSITIVE),
    ("alpha", "inf", "inf", math.inf, POSITIVE),
    ("sample", "-1", "-1", -1, NON_NEGATIVE),
    ("sample", "nan", "nan", math.nan, NON_NEGATIVE),
    ("sample", "inf", "inf", math.inf, NON_NEGATIVE),
    ("min_alpha", "-1", "-1", -1, NON_NEGATIVE),
    ("dim", "0", "0", 0, INTEGER_1),
    ("window", "0", "0", 0, INTEGER_1),
    ("epochs", "0", "0", 0, INTEGER_1),
    ("negative", "-1", "-1", -1, INTEGER_0),
    ("mllib_partitions", "0", "0", 0, INTEGER_1),
    ("seed", "-1", "-1", -1, "must be an integer from 0 to 4294967295"),
    ("seed", "4294967296", "4294967296", 2**32, "must be an integer from 0 to 4294967295"),
]


def _option(key: str) -> str:
    return "--" + key.replace("_", "-")


@pytest.mark.parametrize(("key", "typed", "toml", "value", "requirement"), BAD_TRAIN_VALUES)
def test_bad_value_on_the_command_line(tmp_path, topic_corpus_dir, key, typed, toml, value, requirement):
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", _option(key), typed)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {_option(key)} {typed}: {requirement}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("key", "typed", "toml", "value", "requirement"), BAD_TRAIN_VALUES)
def test_bad_value_in_a_preset(tmp_path, topic_corpus_dir, key, typed, toml, value, requirement):
    preset = tmp_path / "preset.toml"
    preset.write_text(f'model = "skipgram"\n{key} = {toml}\n')
    result = run("train", topic_corpus_dir, "--config", preset, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {key} = {toml} in {preset}: {requirement}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("key", "typed", "toml", "value", "requirement"), BAD_TRAIN_VALUES)
def test_bad_value_from_python(tmp_path, topic_corpus_dir, key, typed, toml, value, requirement):
    with pytest.raises(ConfigError) as error:
        train(topic_corpus_dir, tmp_path / "out", **{key: value})
    assert str(error.value) == f"{key}={value!r}: {requirement}"
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match=requirement):  # building the config by hand meets the same check
        Word2VecConfig(**{key: value})


COMBINATIONS = [  # command-line args, TOML lines, Python keywords, expected messages (command line, preset, Python)
    (["--negative", "0"], "negative = 0", {"negative": 0},
     "--negative 0 needs --hs", "negative = 0 in {preset} needs --hs", "negative=0 needs hs=True"),
    (["--deterministic", "--engine", "gensim"], 'deterministic = true\nengine = "gensim"',
     {"deterministic": True, "engine": "gensim"},
     "--deterministic needs --engine embcli", 'deterministic = true in {preset} needs engine = "embcli"',
     "deterministic=True needs engine='embcli'"),
    (["--alpha", "0.01", "--min-alpha", "0.1"], "alpha = 0.01\nmin_alpha = 0.1", {"alpha": 0.01, "min_alpha": 0.1},
     "--min-alpha 0.1 is larger than --alpha 0.01", "min_alpha = 0.1 in {preset} is larger than alpha = 0.01 in {preset}",
     "min_alpha=0.1 is larger than alpha=0.01"),
    (["--spark-master", "local[2]"], 'spark_master = "local[2]"', {"spark_master": "local[2]"},
     "--spark-master local[2] applies only to --engine spark-mllib",
     'spark_master = "local[2]" in {preset} applies only to --engine spark-mllib',
     "spark_master='local[2]' applies only to engine='spark-mllib'"),
    (["--engine", "fast"], 'engine = "fast"', {"engine": "fast"},
     "--engine", 'engine = "fast" in {preset}: must be one of embcli, gensim, spark-mllib',
     "engine='fast': must be one of embcli, gensim, spark-mllib"),
]


@pytest.mark.parametrize(("args", "toml", "keywords", "cli", "in_file", "python"), COMBINATIONS)
def test_combinations_are_checked_for_every_caller(tmp_path, topic_corpus_dir, args, toml, keywords, cli, in_file,
                                                   python):
    result = run("train", topic_corpus_dir, "-o", tmp_path / "out", *args)
    assert result.exit_code == 2 and cli in result.output.splitlines()[-1]
    preset = tmp_path / "preset.toml"
    preset.write_text(toml + "\n")
    result = run("train", topic_corpus_dir, "--config", preset, "-o", tmp_path / "out")
    assert result.exit_code == 2 and in_file.format(preset=preset) in result.output.splitlines()[-1]
    with pytest.raises(ConfigError) as error:
        train(topic_corpus_dir, tmp_path / "out", **keywords)
    assert python in str(error.value)
    assert not (tmp_path / "out").exists()


def test_options_a_model_does_not_have(tmp_path, topic_corpus_dir):
    result = run("train", topic_corpus_dir, "--model", "glove", "--hs", "-o", tmp_path / "out")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == "Error: --hs does not apply to --model glove"
    with pytest.raises(ConfigError, match=r"^minn does not apply to model='skipgram'$"):
        train(topic_corpus_dir, tmp_path / "out", minn=2)
    with pytest.raises(ConfigError, match=r"^unknown keyword argument 'size'"):
        train(topic_corpus_dir, tmp_path / "out", size=100)
    with pytest.raises(ConfigError, match=r"^model='bert': must be one of skipgram, cbow, glove, fasttext, doc2vec$"):
        train(topic_corpus_dir, tmp_path / "out", model="bert")
    assert not (tmp_path / "out").exists()


def test_other_models_check_their_own_fields():
    with pytest.raises(ConfigError, match=r"^minn=0: must be an integer of at least 1$"):
        FastTextConfig(minn=0)
    with pytest.raises(ConfigError, match=r"^x_max=nan: must be a finite number greater than 0$"):
        GloVeConfig(x_max=math.nan)
    with pytest.raises(ConfigError, match=r"^eta=-1: must be a finite number greater than 0$"):
        GloVeConfig(eta=-1)
    assert FastTextConfig(maxn=0).uses_subwords is False  # fastText's convention: maxn below minn, whole words only
    assert Word2VecConfig(negative=0, engine="spark-mllib").negative == 0  # MLlib trains hierarchical softmax anyway


def test_glove_preset_with_bad_values(tmp_path, topic_corpus_dir):
    preset = tmp_path / "glove.toml"
    preset.write_text('model = "glove"\nworkers = 0\n')
    result = run("train", topic_corpus_dir, "--config", preset, "-o", tmp_path / "out")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == f"Error: workers = 0 in {preset}: {INTEGER_1}"
    assert not (tmp_path / "out").exists()


def test_preprocess_checks_for_every_caller(tmp_path, topic_corpus_file):
    out = tmp_path / "out"
    result = run("preprocess", topic_corpus_file, "-o", out, "--min-count", "0")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == f"Error: --min-count 0: {INTEGER_1}"
    preset = tmp_path / "prep.toml"
    preset.write_text("[preprocess]\nmin_count = 0\n")
    result = run("preprocess", topic_corpus_file, "-o", out, "--config", preset)
    assert result.exit_code == 2 and result.output.splitlines()[-1] == f"Error: min_count = 0 in {preset}: {INTEGER_1}"
    with pytest.raises(ConfigError, match=r"^min_count=0: must be an integer of at least 1$"):
        preprocess(topic_corpus_file, out, min_count=0)
    result = run("preprocess", topic_corpus_file, "-o", out, "--tokenizer", "char", "--token-pattern", "[a-z]+")
    assert result.exit_code == 2 and "--token-pattern applies only to --tokenizer regex" in result.output
    result = run("preprocess", topic_corpus_file, "-o", out, "--shard-tokens", "10")
    assert result.exit_code == 2 and "--shard-tokens 10 applies only to --backend spark" in result.output
    with pytest.raises(ConfigError, match=r"^workers=0: must be an integer of at least 1$"):
        PreprocessConfig(workers=0)
    assert not out.exists()


def test_cooccur_checks_for_every_caller(tmp_path, topic_corpus_dir):
    out = tmp_path / "out"
    result = run("cooccur", topic_corpus_dir, "-o", out, "--window", "0")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == "Error: --window 0: must be an integer from 1 to 10000"
    result = run("cooccur", topic_corpus_dir, "-o", out, "--memory-mb", "nan")
    assert result.exit_code == 2 and result.output.splitlines()[-1] == f"Error: --memory-mb nan: {POSITIVE}"
    with pytest.raises(ConfigError, match=r"^memory_mb=inf: must be a finite number greater than 0$"):
        cooccur(topic_corpus_dir, out, memory_mb=math.inf)
    with pytest.raises(ConfigError, match=r"^unknown keyword argument 'size'"):
        cooccur(topic_corpus_dir, out, size=3)
    assert not out.exists()


# ---------------------------------------------------------------------------
# Python callers get the command line's option resolution


SMALL = {"dim": 8, "epochs": 1, "workers": 1, "seed": 3}


def _cli_options(options: dict) -> list[str]:
    return [item for key, value in options.items() for item in (_option(key), str(value))]


def test_python_train_with_a_preset_equals_the_command_line(tmp_path, topic_corpus_dir):
    train(topic_corpus_dir, tmp_path / "py", config_file="cbow", **SMALL)
    manifest = json.loads((tmp_path / "py" / "manifest.json").read_text())
    result = run("train", topic_corpus_dir, "--config", "cbow", "-o", tmp_path / "cli", "-q", *_cli_options(SMALL))
    assert result.exit_code == 0, result.output
    cli_manifest = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert manifest["model"] == cli_manifest["model"] == "cbow"  # the preset's model
    assert manifest["config"] == cli_manifest["config"] and manifest["config"]["alpha"] == 0.05
    assert np.array_equal(np.load(tmp_path / "py" / "vectors.npy"), np.load(tmp_path / "cli" / "vectors.npy"))


def test_python_resume_inherits_like_the_command_line(tmp_path, topic_corpus_dir):
    parent = tmp_path / "parent"
    assert run("train", topic_corpus_dir, "--model", "cbow", "-o", parent, "-q", "--window", "3",
               *_cli_options(SMALL)).exit_code == 0
    train(topic_corpus_dir, tmp_path / "py", resume=str(parent), epochs=1, workers=1)
    manifest = json.loads((tmp_path / "py" / "manifest.json").read_text())
    result = run("train", topic_corpus_dir, "--resume", parent, "-o", tmp_path / "cli", "-q", "--epochs", "1",
                 "--workers", "1")
    assert result.exit_code == 0, result.output
    cli_manifest = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert manifest["model"] == cli_manifest["model"] == "cbow"  # the parent's model, and its options
    assert manifest["config"] == cli_manifest["config"]
    assert (manifest["config"]["dim"], manifest["config"]["window"], manifest["config"]["seed"]) == (8, 3, 3)
    assert np.array_equal(np.load(tmp_path / "py" / "vectors.npy"), np.load(tmp_path / "cli" / "vectors.npy"))


def test_resolution_order(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('model = "cbow"\ndim = 50\nwindow = 3\n')
    config = resolve_training_config(config_file=preset, options={"window": 7})
    assert (config.model, config.dim, config.window, config.alpha) == ("cbow", 50, 7, 0.05)
    assert resolve_training_config("skipgram", config_file="skipgram").alpha == 0.025
    assert resolve_training_config().model == "skipgram"


def test_a_trained_manifest_is_strict_json(tmp_path, topic_corpus_dir):
    train(topic_corpus_dir, tmp_path / "out", **SMALL)
    json.loads((tmp_path / "out" / "manifest.json").read_text(), parse_constant=lambda name: pytest.fail(name))
