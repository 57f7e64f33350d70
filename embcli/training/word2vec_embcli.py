"""embcli's own word2vec engine (`--engine embcli`, the default): skip-gram and CBOW on the token-id corpus.

Why our own engine: it reads `ids.npy` memory-mapped (no text parsing on
any epoch), shares negative samples across each skip-gram window and
updates with small dense products (HogBatch), reports the true loss per
epoch (per-thread float64 sums), and has a bit-reproducible
`--deterministic` mode. Hierarchical softmax (`--hs`, alone or with negative
sampling) follows word2vec's Huffman tree.

What it shares with word2vec, so results are comparable:
- negatives drawn from unigram counts ** 0.75 (exactly, with an alias table);
- subsampling keep-probability (sqrt(f / (s * total)) + 1) * (s * total) / f;
- a window reduced uniformly at random per centre word;
- learning rate decaying linearly from `alpha` to `min_alpha` over all epochs' words (each thread
  counts its progress through its own slice; gensim's corpus_file mode counts a worker's words against
  the whole epoch, so with several workers its rate stays higher than linear);
- input rows initialised uniform in (-0.5, 0.5) / dim, output rows zero.

Counts come from the id stream itself (a word that never occurs, such as
`<unk>` after `--oov drop`, is never a negative and keeps its initial row).
On `--resume` the vocabulary grows as `embcli.training.resume` describes, the
parent's rows are the starting point, and counts are parent + new text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from embcli.config import Word2VecConfig
from embcli.corpus.token_corpus import TokenCorpus
from embcli.kernels.compile_notice import announce_compilation
from embcli.progress import SILENT, Progress
from embcli.training.common import finish_vectors_artifact, require_trainable, staged_vectors_directory
from embcli.training.resume import (
    OUTPUT_VECTORS_NPY,
    load_parent,
    resume_sections,
    training_ids,
)
from embcli.training.word2vec_gensim import subsampling_keep_probability

NEGATIVE_POWER = 0.75  # word2vec's exponent for the negative-sampling distribution
WORDS_PER_CALL = 100_000  # words per kernel call: progress granularity, negligible call overhead


# ---------------------------------------------------------------------------
# tables


def negative_sampling_table(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Alias table (probability float32, alias uint32) drawing word i with probability count_i**0.75 / sum.

    A word that never occurs (count 0) is never drawn.
    """
    from embcli.kernels.word2vec_kernels import alias_table

    return alias_table(np.asarray(counts, dtype=np.float64) ** NEGATIVE_POWER)


def initial_vectors(vocab_size: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(input rows uniform in (-0.5, 0.5) / dim, output rows zero), as word2vec starts."""
    rng = np.random.default_rng(seed)
    syn0 = rng.random((vocab_size, dim), dtype=np.float32)
    syn0 -= np.float32(0.5)
    syn0 /= np.float32(dim)
    return syn0, np.zeros((vocab_size, dim), dtype=np.float32)


def split_sentences(offsets: np.ndarray, first: int, end: int, parts: int) -> np.ndarray:
    """`parts + 1` sentence boundaries splitting [first, end) into runs of about equal token counts."""
    targets = np.linspace(offsets[first], offsets[end], parts + 1)
    bounds = np.searchsorted(offsets[first : end + 1], targets, side="left") + first
    bounds[0], bounds[-1] = first, end
    return np.maximum.accumulate(bounds)


# ---------------------------------------------------------------------------
# training


def train_word2vec_embcli(corpus: TokenCorpus, output: Path, config: Word2VecConfig, *, force: bool = False,
                          progress: Progress = SILENT) -> dict[str, Any]:
    """Train skip-gram or CBOW with negative sampling and write a vectors artifact to `output`.

    Returns the manifest (its `epochs` list holds each epoch's mean loss).
    """
    from embcli.kernels import word2vec_kernels
    from embcli.kernels.huffman import huffman_tree

    started = time.perf_counter()
    config = config.resolved()
    corpus.check_ids()
    require_trainable(corpus)
    announce_compilation(progress, (word2vec_kernels.train_chunk,), "word2vec")
    parent = load_parent(config, corpus)
    artifact_corpus, ids, counts = training_ids(corpus, parent)
    offsets = np.ascontiguousarray(corpus.offsets, dtype=np.int64)
    keep_prob = subsampling_keep_probability(counts, config.sample).astype(np.float32)
    alias_probability, alias_word = negative_sampling_table(counts)
    # hierarchical softmax: word2vec's Huffman paths (codes, points, lengths), or None without --hs
    hs_codes, hs_points, hs_lengths = huffman_tree(counts) if config.hs else (None, None, None)
    sigmoid_table, log_sigmoid_table = word2vec_kernels.sigmoid_tables()
    syn0, syn1neg = initial_vectors(len(artifact_corpus.vocab), config.dim, config.seed)
    syn1 = np.zeros_like(syn0) if config.hs else None  # the hierarchical-softmax layer
    if parent is not None:
        syn0[: len(parent.vocab)] = parent.input_vectors
        syn1neg[: len(parent.vocab)] = parent.output_vectors
    workers = 1 if config.deterministic else config.workers
    setup_seconds = time.perf_counter() - started

    total_words = corpus.n_tokens * config.epochs

    def chunk(first: int, end: int, progress_start: float, per_word: float, rng_state: np.ndarray):
        return word2vec_kernels.train_chunk(
            syn0, syn1neg, syn1, ids, offsets, first, end, keep_prob, alias_probability, alias_word, hs_codes,
            hs_points, hs_lengths, sigmoid_table, log_sigmoid_table, config.window, config.negative, config.alpha,
            config.min_alpha, progress_start, per_word, rng_state, config.trains_cbow)

    train_started = time.perf_counter()
    with staged_vectors_directory(output, corpus, force=force, inputs=(config.resume or "-",)) as staging:
        epochs = train_epochs(chunk, offsets, config, workers, progress, desc=f"{config.model} (embcli)")
        train_seconds = time.perf_counter() - train_started
        files = {}
        if config.negative > 0:  # the output layer `--resume` continues from
            np.save(staging / OUTPUT_VECTORS_NPY, syn1neg, allow_pickle=False)
            files["output_vectors"] = OUTPUT_VECTORS_NPY
        return finish_vectors_artifact(
            staging, artifact_corpus, syn0, config, started=started, extra_files=files,
            **resume_sections(parent, artifact_corpus),
            timings={"setup_seconds": round(setup_seconds, 3), "train_seconds": round(train_seconds, 3),
                     "words_per_second": round(total_words / max(train_seconds, 1e-9))},
            epochs=epochs,
            engine={"name": "embcli", "scheme": "hogbatch" if config.model == "skipgram" else "cbow-mean",
                    "threads": workers, "deterministic": config.deterministic,
                    "negative_sampling": "alias table of unigram counts ** 0.75" if config.negative else None,
                    "hierarchical_softmax": "word2vec's Huffman tree of the counts" if config.hs else None,
                    "loss": "mean loss per training example (negative-sampling and hierarchical-softmax terms)"},
        )


def train_epochs(chunk: Callable[[int, int, float, float, np.ndarray], tuple[float, int, int]], offsets: np.ndarray,
                 config: Any, workers: int, progress: Progress, *, desc: str) -> list[dict[str, Any]]:
    """Run `config.epochs` Hogwild epochs of `chunk` over the sentences on `workers` threads; each epoch's record.

    Each thread trains its own contiguous slice of sentences, calling
    `chunk(first, end, progress_start, progress_per_word, rng_state)` (a nogil
    kernel returning (loss sum, examples, words)) on runs of about
    WORDS_PER_CALL words; `progress_start + progress_per_word * words` is the
    fraction of all training done, as the thread counts it. Progress bar and
    per-epoch loss notes on `progress`.
    """
    n_sentences = len(offsets) - 1
    thread_bounds = split_sentences(offsets, 0, n_sentences, workers)
    rng_states = [np.array([seed], dtype=np.uint64)
                  for seed in np.random.default_rng(config.seed).integers(1, 2**62, size=workers)]
    words_done = [0] * workers
    epochs: list[dict[str, Any]] = []
    bar = progress.bar(total=int(offsets[-1]) * config.epochs, desc=desc, unit="word")
    with bar:
        for epoch in range(config.epochs):
            epoch_started = time.perf_counter()
            losses = np.zeros(workers, dtype=np.float64)
            examples = np.zeros(workers, dtype=np.int64)
            errors: list[BaseException] = []

            def work(t: int) -> None:
                try:
                    first, end = int(thread_bounds[t]), int(thread_bounds[t + 1])
                    slice_words = max(1, int(offsets[end] - offsets[first]))
                    chunks = split_sentences(offsets, first, end, max(1, slice_words // WORDS_PER_CALL))
                    per_word = 1.0 / (slice_words * config.epochs)
                    done = 0
                    for a, b in zip(chunks[:-1], chunks[1:]):
                        loss, n, words = chunk(int(a), int(b), (epoch + done / slice_words) / config.epochs,
                                               per_word, rng_states[t])
                        losses[t] += loss
                        examples[t] += n
                        done += words
                        words_done[t] += words
                except BaseException as exc:  # re-raised in the main thread
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(workers)]
            for thread in threads:
                thread.start()
            shown = bar.n
            for thread in threads:
                while thread.is_alive():
                    thread.join(timeout=0.25)
                    bar.update(sum(words_done) - shown)
                    shown = sum(words_done)
            if errors:
                raise errors[0]
            seconds = time.perf_counter() - epoch_started
            epoch_words = int(offsets[-1])
            record = {
                "epoch": epoch + 1,
                "loss": float(losses.sum() / max(1, examples.sum())),
                "loss_sum": float(losses.sum()),
                "examples": int(examples.sum()),
                "words": epoch_words,
                "seconds": round(seconds, 3),
                "words_per_second": round(epoch_words / max(seconds, 1e-9)),
            }
            epochs.append(record)
            bar.set_postfix_str(f"epoch {epoch + 1} loss {record['loss']:.4f}")
            progress.note(f"epoch {epoch + 1}/{config.epochs}: loss {record['loss']:.4f} "
                          f"({record['examples']:,} examples), {record['words_per_second']:,} words/s")
    return epochs

