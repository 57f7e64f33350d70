"""Continued training (`embcli train --resume DIR CORPUS`): growth, stability, manifest chain, errors."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ANIMAL_CONTEXT, ANIMALS, FILLER, VEHICLE_CONTEXT, VEHICLES, run
from embcli.embeddings import load_embeddings

TRAIN = ["--dim", "24", "--workers", "1", "--sample", "0", "-q"]
FASTTEXT = ["--buckets", "20000"]


def new_text(path: Path, n_sentences: int = 1500, seed: int = 5) -> Path:
    """More of the same topics, where 'zebra' (an animal) and 'lorry' (a vehicle) appear for the first time."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_sentences):
        nouns, context = (ANIMALS + ["zebra"] * 3, ANIMAL_CONTEXT) if rng.random() < 0.5 else (VEHICLES + ["lorry"] * 3, VEHICLE_CONTEXT)
        words = [rng.choice(nouns)] + rng.sample(context, 3) + rng.sample(FILLER, 2) + [rng.choice(nouns)]
        rng.shuffle(words)
        lines.append(" ".join(words))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def new_corpus_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("new")
    out = base / "corpus"
    assert run("preprocess", new_text(base / "new.txt"), "-o", out, "--min-count", "1", "--workers", "1", "-q").exit_code == 0
    return out


def neighbours(embeddings, word: str, k: int = 4) -> list[str]:
    unit = np.asarray(embeddings.unit_vectors)
    scores = unit @ unit[embeddings.index[word]]
    order = [embeddings.words[i] for i in np.argsort(-scores)]
    return [w for w in order if w != word and w in ANIMALS + VEHICLES][:k]


def mean_cosine(embeddings, word: str, group: list[str]) -> float:
    unit = np.asarray(embeddings.unit_vectors)
    return float(np.mean([unit[embeddings.index[word]] @ unit[embeddings.index[other]] for other in group]))


@pytest.mark.parametrize(("model", "engine"), [("skipgram", "embcli"), ("skipgram", "gensim"), ("fasttext", None)])
def test_new_words_learn_and_old_neighbours_stay(tmp_path, topic_corpus_dir, new_corpus_dir, model, engine):
    extra = FASTTEXT if model == "fasttext" else ["--engine", engine]
    parent, child = tmp_path / "parent", tmp_path / "child"
    assert run("train", topic_corpus_dir, "--model", model, "-o", parent, "--epochs", "8", *TRAIN, *extra).exit_code == 0
    result = run("train", new_corpus_dir, "--resume", parent, "-o", child, "--epochs", "4", "--workers", "1", "-q",
                 *([] if model == "fasttext" else ["--engine", engine]))
    assert result.exit_code == 0, result.output
    before, after = load_embeddings(parent), load_embeddings(child)

    # old words keep their indices; new words are appended after them
    assert after.words[: len(before)] == before.words
    assert sorted(after.words[len(before):]) == ["lorry", "zebra"]
    counts = dict(zip(after.words, after.counts.tolist()))
    assert counts["cat"] > dict(zip(before.words, before.counts.tolist()))["cat"]  # counts add up

    # a word only in the new text lands among its relatives
    assert mean_cosine(after, "zebra", ANIMALS) > mean_cosine(after, "zebra", VEHICLES) + 0.2
    assert mean_cosine(after, "lorry", VEHICLES) > mean_cosine(after, "lorry", ANIMALS) + 0.2
    # old words keep their place in the space (fresh training would land in an arbitrary rotation) and neighbourhoods
    before_unit, after_unit = np.asarray(before.unit_vectors), np.asarray(after.unit_vectors)
    drift = [float(before_unit[i] @ after_unit[i]) for i in range(1, len(before))]
    # fastText's lr 0.05 (embcli's fastText default) moves rows twice as far as word2vec's 0.025
    assert min(drift) > (0.7 if model == "fasttext" else 0.8), drift
    for word in ANIMALS + VEHICLES:
        group = ANIMALS if word in ANIMALS else VEHICLES
        assert set(neighbours(after, word)) <= set(group), (word, neighbours(after, word))

    manifest = json.loads((child / "manifest.json").read_text())
    assert manifest["model"] == model and manifest["config"]["dim"] == 24  # inherited from the parent
    assert model == "fasttext" or manifest["config"]["engine"] == engine
    assert manifest["config"]["epochs"] == 4 and manifest["config"]["resume"] == str(parent)
    assert [p["path"] for p in manifest["parents"]] == [str(parent)]
    assert manifest["resume"]["parent_vocab_size"] == len(before) and manifest["resume"]["new_words"] == 2


def test_parents_chain_and_cbow(tmp_path, topic_corpus_dir, new_corpus_dir):
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert run("train", topic_corpus_dir, "--model", "cbow", "-o", first, "--epochs", "1", *TRAIN).exit_code == 0
    assert run("train", new_corpus_dir, "--resume", first, "-o", second, "--epochs", "1", "-q").exit_code == 0
    assert run("train", topic_corpus_dir, "--resume", second, "-o", third, "--epochs", "1", "-q").exit_code == 0
    manifest = json.loads((third / "manifest.json").read_text())
    assert manifest["model"] == "cbow"
    assert [p["path"] for p in manifest["parents"]] == [str(second), str(first)]
    assert manifest["resume"]["new_words"] == 0
    assert load_embeddings(third).words == load_embeddings(second).words


@pytest.fixture(scope="module")
def small_parent(tmp_path_factory, topic_corpus_dir) -> Path:
    out = tmp_path_factory.mktemp("parent") / "sg"
    assert run("train", topic_corpus_dir, "-o", out, "--epochs", "1", *TRAIN).exit_code == 0
    return out


def test_resume_errors(tmp_path, new_corpus_dir, small_parent):
    out = tmp_path / "out"
    result = run("train", new_corpus_dir, "--resume", small_parent, "--dim", "8", "-o", out)
    assert result.exit_code == 2
    assert (f"Error: --resume {small_parent}: the model has --dim 24, but --dim 8 was given; "
            f"drop --dim or use the same value") in result.output
    result = run("train", new_corpus_dir, "--resume", small_parent, "--model", "fasttext", "-o", out)
    assert result.exit_code == 2
    assert f"Error: --resume {small_parent}: it is a skipgram model, not fasttext; drop --model or use --model skipgram" in result.output
    no_output_layer = tmp_path / "copy"
    shutil.copytree(small_parent, no_output_layer)
    (no_output_layer / "output_vectors.npy").unlink()
    result = run("train", new_corpus_dir, "--resume", no_output_layer, "-o", out)
    assert result.exit_code == 1
    assert (f"Error: --resume {no_output_layer}: no output_vectors.npy (the output layer needed to continue training); "
            f"only models trained with negative sampling by this embcli can be resumed") in result.output
    result = run("train", new_corpus_dir, "--resume", tmp_path / "missing", "-o", out)
    assert result.exit_code == 1 and f"Error: {tmp_path / 'missing'} does not exist" in result.output
    hashed = tmp_path / "hashed"
    assert run("preprocess", new_corpus_dir / "corpus.txt", "-o", hashed, "--hash-buckets", "16", "-q").exit_code == 0
    result = run("train", hashed, "--resume", small_parent, "-o", out)
    assert result.exit_code == 1
    assert (f"Error: --resume {small_parent}: the model and {hashed} do not use the same --hash-buckets; "
            f"preprocess the new text as the old one was") in result.output
    assert not out.exists()


def test_word2vec_writes_its_output_layer(small_parent):
    files = json.loads((small_parent / "manifest.json").read_text())["files"]
    assert files["output_vectors"] == "output_vectors.npy"
    output = np.load(small_parent / "output_vectors.npy", allow_pickle=False)
    assert output.dtype == np.float32 and output.shape == np.load(small_parent / "vectors.npy").shape
    assert np.abs(output).sum() > 0  # trained, not the zero initialisation
