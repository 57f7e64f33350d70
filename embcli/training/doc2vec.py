"""Paragraph vectors (`train --model doc2vec`): PV-DBOW and PV-DM on embcli's kernels and id corpus.

A document is one input line of the text given to preprocess: its sentences
are grouped back by `lines.npy` (preprocess drops lines that end up empty, so
document i is not always line i; `doctags.tsv` says which line each row came
from). A corpus written before `lines.npy` existed falls back to one
document per stored sentence, without line numbers.

What it shares with embcli's word2vec engine, so the two behave alike: the
alias table of counts ** 0.75 for negatives, word2vec's subsampling, its
seeded generator, the line along which the learning rate decays (from alpha
to min_alpha over all epochs), and the split of the corpus into equal-token
slices for the threads (Hogwild). By default the rate steps down that line
once per epoch rather than word by word (`alpha_decay`, `rate_progress`).

Artifacts: the vectors set of every model (word rows in `vectors.npy`), plus
`output_vectors.npy` (the negative-sampling layer, which inference needs),
`docvecs.npy` (float32, row i = document i) and `doctags.tsv`
(`row<TAB>tag<TAB>line`, line numbers 1-based over all inputs in order).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import staged_directory
from embcli.config import Doc2VecConfig
from embcli.corpus.token_corpus import TokenCorpus, sentence_line_numbers
from embcli.errors import DivergenceError, InputError
from embcli.kernels.compile_notice import announce_compilation
from embcli.progress import SILENT, Progress
from embcli.training.common import finish_vectors_artifact, require_trainable
from embcli.training.resume import OUTPUT_VECTORS_NPY
from embcli.training.word2vec_embcli import WORDS_PER_CALL, initial_vectors, negative_sampling_table, split_sentences
from embcli.training.word2vec_gensim import subsampling_keep_probability

DOCVECS_NPY = "docvecs.npy"
DOCTAGS_TSV = "doctags.tsv"
DOCTAGS_HEADER = "row\ttag\tline"
# Document rows start uniform in (-1, 1) / dim, as gensim's (word rows: word2vec's (-0.5, 0.5) / dim). With
# the output layer at zero, this start sets how fast PV-DBOW leaves it: half of it cost SUBJ ~0.7 points.
DOC_ROW_SCALE = 2.0


def documents_of(corpus: TokenCorpus) -> tuple[np.ndarray, np.ndarray | None]:
    """(token offsets of the documents, len = documents + 1; each document's 0-based input line or None)."""
    offsets = np.asarray(corpus.offsets, dtype=np.int64)
    lines = sentence_line_numbers(corpus)
    if lines is None:
        return offsets, None
    starts = np.flatnonzero(np.concatenate([[True], lines[1:] != lines[:-1]])) if len(lines) else np.zeros(0, np.int64)
    return offsets[np.concatenate([starts, [len(lines)]])], lines[starts]


def read_tags(path: str, corpus: TokenCorpus, doc_lines: np.ndarray | None) -> list[str]:
    """The tag of each document from a file of one tag per input line."""
    if doc_lines is None:
        raise InputError(f"{corpus.directory}: --tags needs the input line of each sentence (lines.npy), which this "
                         f"corpus predates; re-run embcli preprocess")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            tags = [line.rstrip("\r\n") for line in handle]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--tags {path}: cannot read it ({exc})") from None
    expected = int(corpus.manifest.get("counts", {}).get("lines", -1))
    if len(tags) != expected:
        raise InputError(f"--tags {path}: {len(tags):,} tags for {expected:,} input lines; give one tag per input line")
    for number, tag in enumerate(tags, start=1):
        if "\t" in tag:
            raise InputError(f"--tags {path}:{number}: a tag may not contain a tab")
    return [tags[line] for line in doc_lines.tolist()]


def train_doc2vec(corpus: TokenCorpus, output: Path, config: Doc2VecConfig, *, force: bool = False,
                  progress: Progress = SILENT) -> dict[str, Any]:
    """Train paragraph vectors and write the vectors artifact (with docvecs.npy, doctags.tsv); returns the manifest."""
    from embcli.kernels import doc2vec_kernels, word2vec_kernels

    started = time.perf_counter()
    config = config.resolved()  # its checks ran when it was built (embcli.config.doc2vec)
    corpus.check_ids()
    require_trainable(corpus)
    announce_compilation(progress, (doc2vec_kernels.train_documents,), "Doc2Vec")
    doc_offsets, doc_lines = documents_of(corpus)
    tags = read_tags(config.tags, corpus, doc_lines) if config.tags else None
    ids = np.asarray(corpus.ids)
    vocab_size, n_docs = len(corpus.vocab), len(doc_offsets) - 1
    counts = word2vec_kernels.count_ids(ids, vocab_size)
    keep_prob = subsampling_keep_probability(counts, config.sample).astype(np.float32)
    alias_probability, alias_word = negative_sampling_table(counts)
    sigmoid_table, log_sigmoid_table = word2vec_kernels.sigmoid_tables()
    syn0, _ = initial_vectors(vocab_size + n_docs, config.dim, config.seed)  # word rows, then document rows
    syn0[vocab_size:] *= np.float32(DOC_ROW_SCALE)
    syn1neg = np.zeros((vocab_size, config.dim), dtype=np.float32)
    workers = config.workers
    thread_bounds = split_sentences(doc_offsets, 0, n_docs, workers)
    rng_states = [np.array([seed], dtype=np.uint64)
                  for seed in np.random.default_rng(config.seed).integers(1, 2**62, size=workers)]
    setup_seconds = time.perf_counter() - started

    def train_slice(t: int, epoch: int, on_words: Callable[[int], None]) -> tuple[float, int]:
        first, end = int(thread_bounds[t]), int(thread_bounds[t + 1])
        slice_words = max(1, int(doc_offsets[end] - doc_offsets[first]))
        chunks = split_sentences(doc_offsets, first, end, max(1, slice_words // WORDS_PER_CALL))
        loss_sum, examples, done = 0.0, 0, 0
        for a, b in zip(chunks[:-1], chunks[1:]):
            loss, n, words = doc2vec_kernels.train_documents(
                syn0, syn1neg, ids, doc_offsets, int(a), int(b), vocab_size, keep_prob, alias_probability, alias_word,
                sigmoid_table, log_sigmoid_table, config.window, config.negative, config.alpha, config.min_alpha,
                *rate_progress(config.alpha_decay, epoch, config.epochs, done, slice_words), rng_states[t],
                config.dm == 1, config.dbow_words)
            loss_sum, examples, done = loss_sum + loss, examples + n, done + words
            on_words(words)
        return loss_sum, examples

    with staged_directory(output, force=force, kind="vectors", inputs=(corpus.directory,)) as staging:
        train_started = time.perf_counter()
        epochs = run_epochs(train_slice, workers, config.epochs, corpus.n_tokens, progress,
                            f"doc2vec {'PV-DM' if config.dm else 'PV-DBOW'}")
        train_seconds = time.perf_counter() - train_started
        for record in epochs:  # the rate each epoch starts at (all through it, with alpha_decay "epoch")
            start, _ = rate_progress(config.alpha_decay, record["epoch"] - 1, config.epochs, 0, 1)
            record["alpha"] = round(word2vec_kernels.alpha_at(config.alpha, config.min_alpha, start), 9)
        docvecs = syn0[vocab_size:]
        if not np.all(np.isfinite(docvecs)):
            raise DivergenceError("training diverged (NaN or infinite document vectors); lower --alpha and try again")
        np.save(staging / DOCVECS_NPY, docvecs, allow_pickle=False)
        np.save(staging / OUTPUT_VECTORS_NPY, syn1neg, allow_pickle=False)
        write_doctags(staging / DOCTAGS_TSV, n_docs, tags, doc_lines)
        total_words = corpus.n_tokens * config.epochs
        unk_in_text = bool(counts[0] > 0) if vocab_size else False
        return finish_vectors_artifact(
            staging, corpus, syn0[:vocab_size], config, started=started,
            extra_files={"output_vectors": OUTPUT_VECTORS_NPY, "docvecs": DOCVECS_NPY, "doctags": DOCTAGS_TSV},
            timings={"setup_seconds": round(setup_seconds, 3), "train_seconds": round(train_seconds, 3),
                     "words_per_second": round(total_words / max(train_seconds, 1e-9))},
            epochs=epochs,
            documents={"count": n_docs, "source": "input lines" if doc_lines is not None else "sentences",
                       "tags": "tags file" if tags else "document number", "unk_in_text": unk_in_text},
            engine={"name": "embcli", "scheme": "pv-dm-mean" if config.dm else
                    ("pv-dbow+skipgram" if config.dbow_words else "pv-dbow"), "threads": workers,
                    "negative_sampling": "alias table of unigram counts ** 0.75",
                    "loss": "mean negative-sampling loss per training example"},
        )


def rate_progress(alpha_decay: str, epoch: int, epochs: int, done: int, slice_words: int) -> tuple[float, float]:
    """(progress down the learning-rate line at a slice's word `done`, progress per word after it).

    The kernels train at `alpha - (alpha - min_alpha) * progress`. "word": word2vec's linear decay over
    every word of every epoch; "epoch": where that line is at the epoch's start, for the whole epoch. PV-DBOW
    trains a short document's vector on a few words an epoch, so its last updates come at the rate of the
    epoch's end: word by word that anneals to min_alpha, and those vectors classify 0.3-0.9 points worse.

    >>> rate_progress("epoch", 1, 4, 500, 1000), rate_progress("word", 1, 4, 500, 1000)
    ((0.25, 0.0), (0.375, 0.00025))
    """
    if alpha_decay == "epoch":
        return epoch / epochs, 0.0
    return (epoch + done / slice_words) / epochs, 1.0 / (slice_words * epochs)


def run_epochs(train_slice: Callable[[int, int, Callable[[int], None]], tuple[float, int]], workers: int,
               n_epochs: int, epoch_words: int, progress: Progress, description: str) -> list[dict[str, Any]]:
    """Run `train_slice(thread, epoch, on_words)` on `workers` threads per epoch; one record per epoch."""
    records: list[dict[str, Any]] = []
    words_done = [0] * workers
    with progress.bar(total=epoch_words * n_epochs, desc=description, unit="word") as bar:
        for epoch in range(n_epochs):
            epoch_started = time.perf_counter()
            results: list[tuple[float, int]] = [(0.0, 0)] * workers
            errors: list[BaseException] = []

            def work(t: int) -> None:
                def on_words(words: int) -> None:
                    words_done[t] += words

                try:
                    results[t] = train_slice(t, epoch, on_words)
                except BaseException as exc:  # re-raised in the main thread
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                while thread.is_alive():
                    thread.join(timeout=0.25)
                    bar.update(sum(words_done) - bar.n)
            if errors:
                raise errors[0]
            seconds = time.perf_counter() - epoch_started
            loss, examples = sum(r[0] for r in results), sum(r[1] for r in results)
            records.append({"epoch": epoch + 1, "loss": float(loss / max(1, examples)), "examples": int(examples),
                            "words": epoch_words, "seconds": round(seconds, 3),
                            "words_per_second": round(epoch_words / max(seconds, 1e-9))})
            progress.note(f"epoch {epoch + 1}/{n_epochs}: loss {records[-1]['loss']:.4f}, "
                          f"{records[-1]['words_per_second']:,} words/s")
    return records


def write_doctags(path: Path, n_docs: int, tags: list[str] | None, doc_lines: np.ndarray | None) -> None:
    """`row<TAB>tag<TAB>line` per document (line 1-based; empty when the corpus has no line record)."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(DOCTAGS_HEADER + "\n")
        for row in range(n_docs):
            line = "" if doc_lines is None else str(int(doc_lines[row]) + 1)
            handle.write(f"{row}\t{tags[row] if tags is not None else row}\t{line}\n")
