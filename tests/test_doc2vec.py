"""doc2vec: documents on two topics separate, rows map to input lines, inference is deterministic, errors are clean."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from conftest import ANIMAL_CONTEXT, ANIMALS, FILLER, VEHICLE_CONTEXT, VEHICLES, run


def topic_documents(n: int = 300, seed: int = 3) -> tuple[list[str], list[int]]:
    """Lines of 14 words from one topic each (with filler), and blank lines that preprocess drops."""
    rng = random.Random(seed)
    lines, topics = [], []
    for i in range(n):
        topic = rng.random() < 0.5
        words = (ANIMALS + ANIMAL_CONTEXT) if topic else (VEHICLES + VEHICLE_CONTEXT)
        lines.append(" ".join(rng.choice(words) if rng.random() < 0.8 else rng.choice(FILLER) for _ in range(14)))
        topics.append(int(topic))
        if i % 37 == 0:
            lines.append("")
            topics.append(-1)
    return lines, topics


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    lines, topics = topic_documents()
    directory = tmp_path_factory.mktemp("d2v")
    (directory / "docs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("preprocess", directory / "docs.txt", "-o", directory / "corpus", "--min-count", "1", "-q").exit_code == 0
    return directory, topics


def train(directory: Path, name: str, *options: str) -> Path:
    out = directory / name
    result = run("train", directory / "corpus", "--model", "doc2vec", "-o", out, "--dim", "24", "--epochs", "20",
                 "--sample", "0", "--workers", "2", "-q", *options)
    assert result.exit_code == 0, result.output
    return out


def read_doctags(model: Path) -> list[list[str]]:
    rows = (model / "doctags.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "row\ttag\tline"
    return [row.split("\t") for row in rows[1:]]


def separation(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Share of documents nearer (cosine) to their own topic's centroid than to the other's."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    own = unit @ unit[labels == 1].mean(axis=0) > unit @ unit[labels == 0].mean(axis=0)
    return float(np.mean(own == (labels == 1)))


# PV-DM separates less on this tiny corpus: gensim's Doc2Vec(dm=1, dm_mean=1) scores 0.83 on it too.
@pytest.mark.parametrize("options, least", [(("--dm", "0"), 0.95), (("--dm", "0", "--dbow-words"), 0.95),
                                            (("--dm", "1", "--epochs", "40"), 0.75)])
def test_documents_on_two_topics_separate_and_rows_map_to_lines(documents: tuple[Path, list[int]],
                                                                options: tuple[str, ...], least: float) -> None:
    directory, topics = documents
    model = train(directory, "model-" + "-".join(options).replace("--", ""), *options)
    docvecs = np.load(model / "docvecs.npy", allow_pickle=False)
    tags = read_doctags(model)
    assert docvecs.dtype == np.float32 and docvecs.shape == (len(tags), 24)
    lines = np.array([int(line) for _, _, line in tags])
    assert len(tags) == sum(t >= 0 for t in topics)  # the blank lines are no documents
    labels = np.array([topics[line - 1] for line in lines])
    assert (labels >= 0).all()  # every row points at a non-blank input line
    assert separation(docvecs, labels) > least
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["model"] == "doc2vec" and manifest["files"]["docvecs"] == "docvecs.npy"
    assert manifest["counts"]["vocab_size"] == len(np.load(model / "vectors.npy"))


def test_inference_is_deterministic_and_lands_near_its_topic(documents: tuple[Path, list[int]]) -> None:
    from embcli.text_vectors import infer_texts

    directory, _ = documents
    model = train(directory, "infer-model")
    texts = ["cat dog grass barn fur milk hay cow", "car truck road engine fuel brakes bus", "", "zzz unknown"]
    first = infer_texts(model, texts)
    again = infer_texts(model, texts[::-1])[::-1]
    assert np.array_equal(first, again)  # same text + seed: the same vector, whatever the batch
    assert not np.array_equal(first[0], infer_texts(model, texts[:1], seed=7)[0])
    assert not first[2].any() and not first[3].any()  # no known word: a zero row
    docvecs = np.load(model / "docvecs.npy")
    unit = docvecs / np.linalg.norm(docvecs, axis=1, keepdims=True)
    nearest_animal = unit @ (first[0] / np.linalg.norm(first[0]))
    nearest_vehicle = unit @ (first[1] / np.linalg.norm(first[1]))
    assert np.corrcoef(nearest_animal, nearest_vehicle)[0, 1] < 0  # the two texts are near opposite documents
    out = directory / "embedded.npy"
    text = directory / "new.txt"
    text.write_text("\n".join(texts) + "\n", encoding="utf-8")
    assert run("embed", model, text, "-o", out, "--pool", "infer", "-q").exit_code == 0
    assert np.array_equal(np.load(out), first)


def test_inference_in_small_kernel_calls_gives_the_same_vectors(documents, monkeypatch) -> None:
    """Inference runs in slices of texts (so a signal is seen between them); slicing changes no vector."""
    import embcli.doc2vec_inference as inference
    from embcli.text_vectors import infer_texts

    directory, _ = documents
    model = train(directory, "slice-model")
    texts = ["cat dog grass barn fur milk hay cow", "car truck road engine fuel brakes bus", "", "cow hay"] * 3
    whole = infer_texts(model, texts)
    from embcli.kernels import doc2vec_kernels

    calls = []
    kernel = doc2vec_kernels.infer_documents

    def counted(*args):
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(inference, "WORDS_PER_CALL", 8)
    monkeypatch.setattr(doc2vec_kernels, "infer_documents", counted)
    sliced = infer_texts(model, texts)
    assert len(calls) >= 6  # about one call per text at this budget
    np.testing.assert_array_equal(sliced, whole)


def test_tags_file_and_line_numbers(documents: tuple[Path, list[int]]) -> None:
    directory, topics = documents
    tags_file = directory / "tags.txt"
    tags_file.write_text("".join(f"doc-{i + 1}\n" for i in range(len(topics))), encoding="utf-8")
    model = train(directory, "tagged", "--tags", tags_file, "--epochs", "1")
    assert all(tag == f"doc-{line}" for _, tag, line in read_doctags(model))
    short = directory / "short-tags.txt"
    short.write_text("a\nb\n", encoding="utf-8")
    result = run("train", directory / "corpus", "--model", "doc2vec", "-o", directory / "bad", "--tags", short, "-q")
    assert result.exit_code != 0 and "one tag per input line" in result.output
    assert not (directory / "bad").exists()


@pytest.mark.parametrize("args, message", [
    (("--model", "skipgram", "--dm", "1"), "--dm does not apply to --model skipgram"),
    (("--model", "skipgram", "--dbow-words"), "--dbow-words does not apply"),
    (("--model", "doc2vec", "--hs"), "--hs does not apply to --model doc2vec"),
    (("--model", "doc2vec", "--dm", "1", "--dbow-words"), "--dbow-words applies only to --dm 0"),
    (("--model", "doc2vec", "--negative", "0"), "--negative 0: must be an integer of at least 1"),
])
def test_options_of_the_other_model_are_refused(documents: tuple[Path, list[int]], args: tuple[str, ...],
                                                message: str) -> None:
    directory, _ = documents
    result = run("train", directory / "corpus", "-o", directory / "refused", "-q", *args)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
    assert not (directory / "refused").exists()


def test_pool_infer_on_a_word_model_is_refused(documents: tuple[Path, list[int]]) -> None:
    directory, _ = documents
    words = directory / "words"
    assert run("train", directory / "corpus", "-o", words, "--dim", "8", "--epochs", "1", "-q").exit_code == 0
    text = directory / "one.txt"
    text.write_text("cat dog\n", encoding="utf-8")
    result = run("embed", words, text, "-o", directory / "no.npy", "--pool", "infer")
    assert result.exit_code != 0 and "--pool infer needs a model made by" in result.output
    assert not (directory / "no.npy").exists()


def test_a_line_split_into_sentences_is_one_document(tmp_path: Path) -> None:
    from embcli.corpus.token_corpus import MAX_SENTENCE_TOKENS

    rng = random.Random(5)
    long_line = " ".join(rng.choice(ANIMALS + FILLER) for _ in range(2 * MAX_SENTENCE_TOKENS + 7))
    lines = ["cat dog barn", "", long_line, "car bus road"]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "c", "--min-count", "1", "-q").exit_code == 0
    assert len(np.load(tmp_path / "c" / "offsets.npy")) - 1 == 5  # the long line is three sentences
    assert np.load(tmp_path / "c" / "lines.npy").tolist() == [0, 2, 2, 2, 3]
    model = tmp_path / "m"
    result = run("train", tmp_path / "c", "--model", "doc2vec", "-o", model, "--dim", "8", "--epochs", "1", "-q")
    assert result.exit_code == 0, result.output
    assert [line for _, _, line in read_doctags(model)] == ["1", "3", "4"]
    assert np.load(model / "docvecs.npy").shape == (3, 8)


def test_document_rows_start_at_gensims_scale(documents):
    """Untrained (alpha ~0) document rows are uniform in (-1, 1) / dim as gensim's; half that scale cost SUBJ accuracy."""
    directory, _ = documents
    model = train(directory, "start", "--epochs", "1", "--alpha", "1e-9", "--min-alpha", "0")
    docvecs = np.load(model / "docvecs.npy")
    bound = 1.0 / docvecs.shape[1]
    assert np.abs(docvecs).max() <= bound and np.abs(docvecs).max() > 0.95 * bound
    assert abs(float(np.abs(docvecs).mean()) - bound / 2) < 0.05 * bound


def test_the_learning_rate_steps_down_once_per_epoch_by_default(documents):
    """One epoch at --alpha-decay epoch is one epoch at a constant rate; the manifest records each epoch's rate."""
    directory, _ = documents
    stepped = train(directory, "stepped", "--epochs", "1", "--workers", "1", "--alpha", "0.03")
    constant = train(directory, "constant", "--epochs", "1", "--workers", "1", "--alpha", "0.03", "--min-alpha", "0.03",
                     "--alpha-decay", "word")
    decayed = train(directory, "decayed", "--epochs", "1", "--workers", "1", "--alpha", "0.03", "--alpha-decay", "word")
    vectors = {name: np.load(model / "docvecs.npy") for name, model in
               (("stepped", stepped), ("constant", constant), ("decayed", decayed))}
    assert np.array_equal(vectors["stepped"], vectors["constant"])
    assert not np.allclose(vectors["stepped"], vectors["decayed"], atol=1e-4)
    manifest = json.loads((train(directory, "four", "--epochs", "4", "--alpha", "0.02", "--min-alpha", "0.004")
                           / "manifest.json").read_text())
    assert manifest["config"]["alpha_decay"] == "epoch"
    assert [epoch["alpha"] for epoch in manifest["epochs"]] == pytest.approx([0.02, 0.016, 0.012, 0.008])
