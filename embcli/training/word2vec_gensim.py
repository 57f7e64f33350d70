"""word2vec (skip-gram / CBOW) on gensim's fast `corpus_file` path, with embcli's vocabulary.

The vocabulary is the one preprocess fixed (not re-counted by gensim), and the
result is re-ordered into our vocabulary order, so row i of `vectors.npy` is
`vocab.tsv` index i whichever engine trained it.

Loss: gensim's `get_latest_training_loss` is cumulative over the whole call,
accumulated in float32 (so at corpus scale additions are rounded away) and
updated racily between threads, so it is not reported. Instead, after each
epoch we compute the mean negative-sampling loss of the current weights on a
fixed sample of (centre, context) pairs drawn once from the corpus: an honest,
comparable number per epoch (`heldout_pair_loss` in the manifest).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.config import Word2VecConfig, Word2VecFamilyConfig
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import ConfigError
from embcli.progress import SILENT, Progress
from embcli.training.common import finish_vectors_artifact, require_trainable, staged_vectors_directory
from embcli.training.resume import OUTPUT_VECTORS_NPY, ParentModel, load_parent, prepare_vocabulary, resume_sections

LOSS_SAMPLE_PAIRS = 20_000


def train_word2vec(corpus: TokenCorpus, output: Path, config: Word2VecConfig, *, force: bool = False,
                   progress: Progress = SILENT) -> dict[str, Any]:
    """Train skip-gram or CBOW with gensim (continuing `config.resume` if set) and write the vectors artifact."""
    config = config.resolved()
    if config.engine != "gensim":
        raise ConfigError(f"train_word2vec is the gensim engine; embcli.training.train_model dispatches --engine {config.engine}")
    require_trainable(corpus)
    parent = load_parent(config, corpus)
    started = time.perf_counter()
    from gensim.models import Word2Vec

    with staged_vectors_directory(output, corpus, force=force, inputs=(config.resume or "-",)) as staging:
        model = progress_reporting(Word2Vec)(**gensim_options(config))
        run = train_gensim_model(model, corpus, config, progress, parent)
        return write_gensim_artifact(staging, run, config, started=started, engine="gensim")


def gensim_options(config: Word2VecFamilyConfig) -> dict[str, Any]:
    """Keyword arguments of gensim's Word2Vec (and FastText) for a word2vec or fastText config."""
    return dict(vector_size=config.dim, window=config.window, min_count=1, sample=config.sample,
                workers=config.workers, sg=0 if config.trains_cbow else 1, hs=1 if config.hs else 0,
                negative=config.negative, alpha=config.alpha, min_alpha=config.min_alpha, seed=config.seed,
                epochs=config.epochs, cbow_mean=1)


def gensim_to_vocab_order(corpus: TokenCorpus, key_to_index: dict[str, int], matrix: np.ndarray) -> np.ndarray:
    """Reorder gensim rows into vocabulary order; words gensim never saw get the mean vector."""
    rows = np.array([key_to_index.get(token, -1) for token in corpus.vocab.tokens])
    out = np.empty((len(rows), matrix.shape[1]), dtype=np.float32)
    known = rows >= 0
    out[known] = matrix[rows[known]]
    if not known.all():
        out[~known] = matrix.mean(axis=0)
    return out


@dataclass
class GensimRun:
    """A trained gensim model and what the artifact records about its training."""

    model: Any
    corpus: TokenCorpus  # as the artifact describes it (on --resume: with the grown vocabulary)
    parent: ParentModel | None
    epochs: list[dict[str, Any]]
    timings: dict[str, float]


def train_gensim_model(model: Any, corpus: TokenCorpus, config: Any, progress: Progress,
                       parent: ParentModel | None = None, input_vectors: Callable[[Any], Any] | None = None) -> GensimRun:
    """Build the vocabulary (grown from `parent` when resuming), then train with progress and loss probe."""
    setup_started = time.perf_counter()
    artifact_corpus = prepare_vocabulary(model, corpus, parent)
    loss_probe = PairLossProbe(corpus, config, model.wv.key_to_index) if config.negative > 0 else None
    epochs = run_gensim_epochs(model, corpus, config, progress, loss_probe, input_vectors)
    train_seconds = sum(epoch["seconds"] for epoch in epochs)
    timings = {"setup_seconds": round(time.perf_counter() - setup_started - train_seconds, 3),
               "train_seconds": round(train_seconds, 3),
               "words_per_second": round(corpus.n_tokens * config.epochs / max(train_seconds, 1e-9))}
    return GensimRun(model, artifact_corpus, parent, epochs, timings)


def write_gensim_artifact(staging: Path, run: GensimRun, config: Any, *, started: float,
                          extra_files: dict[str, str] | None = None, **sections: Any) -> dict[str, Any]:
    """Vectors in vocabulary order plus the output layer (`output_vectors.npy`) that `--resume` needs."""
    files = dict(extra_files or {})
    if config.negative > 0:
        output = gensim_to_vocab_order(run.corpus, run.model.wv.key_to_index, run.model.syn1neg)
        np.save(staging / OUTPUT_VECTORS_NPY, output, allow_pickle=False)
        files["output_vectors"] = OUTPUT_VECTORS_NPY
    vectors = gensim_to_vocab_order(run.corpus, run.model.wv.key_to_index, run.model.wv.vectors)
    return finish_vectors_artifact(staging, run.corpus, vectors, config, started=started, timings=run.timings,
                                   epochs=run.epochs, extra_files=files, **resume_sections(run.parent, run.corpus),
                                   **sections)


def run_gensim_epochs(model: Any, corpus: TokenCorpus, config: Any, progress: Progress,
                      loss_probe: "PairLossProbe | None",
                      input_vectors: Callable[[Any], Any] | None = None) -> list[dict[str, Any]]:
    """Train a gensim Word2Vec-family model on the corpus text, one progress bar over all epochs.

    `input_vectors(model)` gives the loss probe the current input rows (default: `model.wv.vectors`).
    """
    from gensim.models.callbacks import CallbackAny2Vec

    epochs: list[dict[str, Any]] = []
    bar = progress.bar(corpus.n_tokens * config.epochs, f"training {config.model}", unit="word")

    class EpochRecorder(CallbackAny2Vec):  # gensim calls these between epochs
        def on_epoch_begin(self, model: Any) -> None:
            self.started = time.perf_counter()
            model.embcli_progress = lambda done: bar.update(len(epochs) * corpus.n_tokens + done - bar.n)

        def on_epoch_end(self, model: Any) -> None:
            seconds = time.perf_counter() - self.started
            record: dict[str, Any] = {"epoch": len(epochs) + 1, "seconds": round(seconds, 3),
                                      "words_per_second": round(corpus.n_tokens / max(seconds, 1e-9))}
            if loss_probe is not None:
                current = input_vectors(model) if input_vectors is not None else model.wv.vectors
                record["heldout_pair_loss"] = round(loss_probe.loss(current, model.syn1neg), 5)
            epochs.append(record)
            bar.update((len(epochs)) * corpus.n_tokens - bar.n)
            loss_text = f", pair loss {record['heldout_pair_loss']:.4f}" if "heldout_pair_loss" in record else ""
            progress.note(f"epoch {record['epoch']}/{config.epochs}: {record['words_per_second']:,.0f} words/s{loss_text}")

    model.train(corpus_file=str(corpus.text_path), total_words=corpus.n_tokens, epochs=config.epochs,
                callbacks=[EpochRecorder()], report_delay=0.5)
    bar.close()
    return epochs


def progress_reporting(model_class: type) -> type:
    """A subclass of a gensim model that forwards its periodic progress to `model.embcli_progress(words_done)`."""

    class ProgressReporting(model_class):  # type: ignore[misc, valid-type]
        def _log_progress(self, job_queue, progress_queue, cur_epoch, example_count, total_examples,  # noqa: ANN001
                          raw_word_count, total_words, trained_word_count, elapsed):
            callback = getattr(self, "embcli_progress", None)
            if callback is not None:
                callback(raw_word_count)

    ProgressReporting.__name__ = model_class.__name__
    return ProgressReporting


def subsampling_keep_probability(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's probability of keeping each occurrence of a word: (sqrt(f/t) + 1) * t/f, t = sample * total."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1) * threshold / counts
    return np.where(counts > 0, np.minimum(keep, 1.0), 1.0)


class PairLossProbe:
    """Mean negative-sampling loss on a fixed sample of training pairs, computed with numpy.

    The same pairs and negatives are used after every epoch, so the numbers are
    comparable between epochs and between engines.
    """

    def __init__(self, corpus: TokenCorpus, config: Any, key_to_index: dict[str, int]) -> None:
        rng = np.random.default_rng(config.seed)
        to_model = np.array([key_to_index.get(token, -1) for token in corpus.vocab.tokens])
        ids = np.asarray(corpus.ids)
        keep = subsampling_keep_probability(corpus.vocab.counts, config.sample)
        n = min(4 * LOSS_SAMPLE_PAIRS, max(1, corpus.n_tokens))
        positions = rng.integers(0, corpus.n_tokens, size=n)
        positions = positions[rng.random(n) < keep[ids[positions]]][:LOSS_SAMPLE_PAIRS]
        n = len(positions)
        sentence = np.searchsorted(corpus.offsets, positions, side="right") - 1
        start, end = corpus.offsets[sentence], corpus.offsets[sentence + 1]
        distance = rng.integers(1, config.window + 1, size=n) * rng.choice([-1, 1], size=n)
        context = positions + distance
        valid = (context >= start) & (context < end)
        valid[valid] &= rng.random(int(valid.sum())) < keep[ids[context[valid]]]
        centre_ids, context_ids = ids[positions[valid]], ids[context[valid]]
        centre, target = to_model[centre_ids], to_model[context_ids]
        known = (centre >= 0) & (target >= 0)
        # skip-gram predicts the context word from the centre; CBOW the centre from its context.
        self.inputs, self.outputs = (target[known], centre[known]) if config.trains_cbow else (centre[known], target[known])
        counts = np.zeros(len(key_to_index))
        usable = to_model >= 0
        counts[to_model[usable]] = corpus.vocab.counts[usable]
        noise = counts ** 0.75
        self.negatives = rng.choice(len(counts), size=(len(self.inputs), config.negative), p=noise / noise.sum())

    def loss(self, input_vectors: np.ndarray, output_vectors: np.ndarray) -> float:
        if len(self.inputs) == 0:
            return float("nan")
        total = 0.0
        for start in range(0, len(self.inputs), 2048):  # chunks keep the gathered rows to a few MB
            chunk = slice(start, start + 2048)
            hidden = input_vectors[self.inputs[chunk]].astype(np.float64)
            positive = np.einsum("ij,ij->i", hidden, output_vectors[self.outputs[chunk]])
            negative = np.einsum("ij,ikj->ik", hidden, output_vectors[self.negatives[chunk]])
            total += float(np.sum(np.logaddexp(0, -positive) + np.logaddexp(0, negative).sum(axis=1)))
        return total / len(self.inputs)
