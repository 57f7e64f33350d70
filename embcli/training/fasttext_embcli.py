"""embcli's own fastText engine (`--model fasttext --engine embcli`, the default): subword skip-gram and CBOW.

Trains on the memory-mapped token-id corpus with the kernels of
`embcli.kernels.fasttext_kernels` (each window's centre composed once, its
gradient scattered once) on Hogwild threads, and writes the same artifact as
the gensim engine: `vectors.npy` (each word's mean of its own row and its
n-gram rows, fastText's word vector), `ngrams.npy` (the bucket rows),
`input_word_vectors.npy` and `output_vectors.npy` (what `--resume` needs) and
the manifest's `subwords` section. N-grams and their hash are those of
`embcli.corpus.subword_ngrams` (fastText's), so vectors of unseen words agree with fastText.

What it shares with fastText, so results are comparable:
- learning rate 0.05 by default, decaying linearly to `min_alpha` as tokens are read;
- negatives drawn from unigram counts ** 0.5 (fastText's exponent; word2vec uses 0.75),
  exactly, with an alias table;
- input rows (words and buckets) uniform in (-1/dim, 1/dim), output rows zero; only the buckets some
  word uses are held and trained (`embcli.training.subword_table`), the full table is written;
- the input gradient is added in full to every row of the word (fastText does not
  divide it by the number of rows for unsupervised models);
- subsampling keep-probability sqrt(t/f) + t/f (fastText's and word2vec's);
- with `--hs`, hierarchical softmax over the Huffman tree fastText builds from the same counts, a node's
  label its code; `--hs --negative 0` is fastText's `-loss hs`, `--hs` beside negative sampling trains both
  (word2vec's `-hs 1 -negative 5`). As with embcli's word2vec engine, the tree's layer is not written (only
  the negative-sampling layer, `output_vectors.npy`, which `--resume` continues from).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.config import FastTextConfig
from embcli.corpus.subword_ngrams import NGRAMS_NPY, ngram_buckets, subwords_section
from embcli.corpus.token_corpus import TokenCorpus
from embcli.kernels.compile_notice import announce_compilation
from embcli.progress import SILENT, Progress
from embcli.training.common import finish_vectors_artifact, require_trainable, staged_vectors_directory
from embcli.training.resume import (
    INPUT_WORD_VECTORS_NPY,
    OUTPUT_VECTORS_NPY,
    ParentModel,
    load_parent,
    resume_sections,
    training_ids,
)
from embcli.training.subword_table import SubwordTable
from embcli.training.word2vec_embcli import train_epochs
from embcli.training.word2vec_gensim import subsampling_keep_probability

NEGATIVE_POWER = 0.5  # fastText's exponent for the negative-sampling distribution
# Skip-gram draws fresh negatives for every (centre, context) pair, as fastText does: sharing one draw per window
# (HogBatch) was faster but cost 8 points of Google analogy after one epoch (28.3% vs 37.0%, fastText 36.5%).
SHARED_NEGATIVES = False


def word_rows(tokens: list[str], config: FastTextConfig, parent: ParentModel | None
              ) -> tuple[np.ndarray, np.ndarray, SubwordTable | None]:
    """CSR rows of each word's input vector (offsets int64[V + 1], rows int32): the word, then its n-gram buckets.

    Bucket rows are numbered V + their place among the buckets in use (see `SubwordTable`).
    """
    from embcli.kernels.fasttext_kernels import subword_rows

    if not config.uses_subwords:
        return *subword_rows(np.zeros(0, dtype=np.int64), np.zeros(len(tokens) + 1, dtype=np.int64), len(tokens)), None
    buckets = [ngram_buckets(token, config.minn, config.maxn, config.buckets) for token in tokens]
    lengths = np.fromiter((len(b) for b in buckets), dtype=np.int64, count=len(tokens))
    word_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.concatenate(buckets).astype(np.int64) if len(tokens) else np.zeros(0, dtype=np.int64)
    table = SubwordTable(flat, buckets=config.buckets, dim=config.dim, seed=config.seed,
                         parent_rows=None if parent is None else parent.ngrams)
    return *subword_rows(table.compact(flat), word_offsets, len(tokens)), table


def initial_rows(vocab_size: int, table: SubwordTable | None, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(input rows: words, then the buckets in use, uniform in (-1/dim, 1/dim); output rows zero), as fastText starts."""
    rng = np.random.default_rng(seed)
    n_used = 0 if table is None else len(table.used)
    input_rows = np.empty((vocab_size + n_used, dim), dtype=np.float32)
    rng.random((vocab_size, dim), dtype=np.float32, out=input_rows[:vocab_size])
    input_rows[:vocab_size] -= np.float32(0.5)
    input_rows[:vocab_size] *= np.float32(2.0 / dim)
    if table is not None:
        table.fill_initial(input_rows[vocab_size:])
    return input_rows, np.zeros((vocab_size, dim), dtype=np.float32)


def train_fasttext_embcli(corpus: TokenCorpus, output: Path, config: FastTextConfig, *, force: bool = False,
                          progress: Progress = SILENT) -> dict[str, Any]:
    """Train fastText (skip-gram or CBOW with character n-grams) and write the vectors artifact to `output`.

    Returns the manifest (its `epochs` list holds each epoch's mean loss per training example).
    """
    from embcli.kernels import fasttext_kernels, word2vec_kernels
    from embcli.kernels.huffman import huffman_tree

    started = time.perf_counter()
    config = config.resolved()
    corpus.check_ids()
    require_trainable(corpus)
    announce_compilation(progress, (fasttext_kernels.train_chunk,), "fastText")
    parent = load_parent(config, corpus)
    artifact_corpus, ids, counts = training_ids(corpus, parent)
    vocab_size = len(artifact_corpus.vocab)
    offsets = np.ascontiguousarray(corpus.offsets, dtype=np.int64)
    keep_prob = subsampling_keep_probability(counts, config.sample).astype(np.float32)
    alias_probability, alias_word = word2vec_kernels.alias_table(np.asarray(counts, dtype=np.float64) ** NEGATIVE_POWER)
    sigmoid_table, log_sigmoid_table = word2vec_kernels.sigmoid_tables()
    row_offsets, row_index, table = word_rows(list(artifact_corpus.vocab.tokens), config, parent)
    input_rows, output_rows = initial_rows(vocab_size, table, config.dim, config.seed)
    if parent is not None:
        _seed_from_parent(input_rows, output_rows, parent)
    hs_codes, hs_points, hs_lengths = huffman_tree(counts) if config.hs else (None, None, None)
    hs_rows = np.zeros_like(output_rows) if config.hs else None  # internal node k's row k (fastText's -loss hs)
    workers = 1 if config.deterministic else config.workers
    setup_seconds = time.perf_counter() - started

    def chunk(first: int, end: int, progress_start: float, per_word: float, rng_state: np.ndarray):
        return fasttext_kernels.train_chunk(
            input_rows, output_rows, row_offsets, row_index, ids, offsets, first, end, keep_prob, alias_probability,
            alias_word, sigmoid_table, log_sigmoid_table, config.window, config.negative, config.alpha,
            config.min_alpha, progress_start, per_word, rng_state, config.trains_cbow, SHARED_NEGATIVES, hs_rows,
            hs_codes, hs_points, hs_lengths)

    train_started = time.perf_counter()
    with staged_vectors_directory(output, corpus, force=force, inputs=(config.resume or "-",)) as staging:
        epochs = train_epochs(chunk, offsets, config, workers, progress, desc=f"fasttext {config.arch} (embcli)")
        train_seconds = time.perf_counter() - train_started
        vectors = np.empty((vocab_size, config.dim), dtype=np.float32)
        fasttext_kernels.composed_vectors(input_rows, row_offsets, row_index, vectors)
        files = {"input_word_vectors": INPUT_WORD_VECTORS_NPY}
        np.save(staging / INPUT_WORD_VECTORS_NPY, input_rows[:vocab_size], allow_pickle=False)
        if config.negative > 0:  # the output layer `--resume` continues from
            np.save(staging / OUTPUT_VECTORS_NPY, output_rows, allow_pickle=False)
            files["output_vectors"] = OUTPUT_VECTORS_NPY
        subwords = None
        if table is not None:
            table.write_full(staging / NGRAMS_NPY, input_rows[vocab_size:])
            files["ngrams"] = NGRAMS_NPY
            subwords = subwords_section(config.minn, config.maxn, config.buckets)
        total_words = corpus.n_tokens * config.epochs
        return finish_vectors_artifact(
            staging, artifact_corpus, vectors, config, started=started, extra_files=files,
            **resume_sections(parent, artifact_corpus), subwords=subwords,
            timings={"setup_seconds": round(setup_seconds, 3), "train_seconds": round(train_seconds, 3),
                     "words_per_second": round(total_words / max(train_seconds, 1e-9))},
            epochs=epochs, engine=engine_section(config, workers),
        )


def engine_section(config: FastTextConfig, workers: int) -> dict[str, Any]:
    """The manifest's account of how the engine trained."""
    drawn = "centre word" if config.trains_cbow else "(centre, context) pair"
    return {"name": "embcli", "scheme": "fasttext-" + ("cbow-bag" if config.trains_cbow else "window-composed"),
            "threads": workers, "deterministic": config.deterministic,
            "learning_rate": {"start": config.alpha, "end": config.min_alpha,
                              "schedule": "linear in tokens read, updated at every centre word"},
            "negative_sampling": f"alias table of unigram counts ** {NEGATIVE_POWER}, drawn for every {drawn}"
                                 if config.negative else None,
            "hierarchical_softmax": "fastText's Huffman tree of the counts, a node's label its code"
                                    if config.hs else None,
            "initialisation": "input rows uniform in (-1/dim, 1/dim), output rows zero",
            "loss": "mean loss per training example (negative-sampling and hierarchical-softmax terms)"}


def _seed_from_parent(input_rows: np.ndarray, output_rows: np.ndarray, parent: ParentModel) -> None:
    """The parent's word rows and output rows (the grown vocabulary starts with the parent's words; its n-gram rows
    come through the `SubwordTable`)."""
    n = len(parent.vocab)
    input_rows[:n] = parent.input_vectors
    output_rows[:n] = parent.output_vectors

