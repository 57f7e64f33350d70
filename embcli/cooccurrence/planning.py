"""Planning a count: which sentences go into each chunk, and how the memory cap is shared out.

Planning reads the corpus front to back (in slices of `PLAN_SENTENCES`
sentences, letting go of each slice's pages), so its memory does not grow with
the corpus. It is also where the corpus is checked before any kernel sees it:
every token id must index the vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from embcli.config import CooccurConfig
from embcli.config.cooccurrence import MAX_WINDOW
from embcli.cooccurrence.keys import RECORD_BYTES, CellLayout
from embcli.corpus.token_corpus import IDS_NAME, REMEDY, TokenCorpus
from embcli.errors import ConfigError, FormatError
from embcli.npy_stream import release_pages, scan_blocks

MIN_BUFFER_PAIRS = 256  # smallest useful pair buffer
PLAN_SENTENCES = 1 << 16  # sentences per slice of the planning pass
ID_SCAN_TOKENS = 1 << 24  # ids per slice of the id range check
MAX_COUNTING_THREADS = 256  # more threads than this only add buffers and scheduling


@dataclass(frozen=True)
class CountPlan:
    """How the corpus is cut into chunks and the memory cap shared out."""

    layout: CellLayout
    chunks: list[tuple[int, int]]  # sentence ranges [first, stop)
    total_pairs: int
    buffer_pairs: int  # pair keys one worker buffers at once
    workers: int
    run_budget_bytes: int  # in-memory runs past this are merged into a run file
    merge_budget_bytes: int  # blocks held while merging


def memory_cap_bytes(memory_mb: float) -> int:
    """`--memory-mb` in bytes, refusing what is not a positive finite number.

    >>> memory_cap_bytes(1.5)
    1572864
    """
    if not isinstance(memory_mb, (int, float)) or not math.isfinite(memory_mb * (1 << 20)) or memory_mb <= 0:
        raise ConfigError(f"--memory-mb must be a positive finite number (got {memory_mb})")
    return int(memory_mb * (1 << 20))


def counting_layout(config: CooccurConfig, corpus: TokenCorpus) -> CellLayout:
    """Range checks shared by every counting engine (the config may come from a TOML file or Python)."""
    if not isinstance(config.window, int) or not 1 <= config.window <= MAX_WINDOW:
        raise ConfigError(f"--window must be between 1 and {MAX_WINDOW} (got {config.window})")
    if not isinstance(config.workers, int) or config.workers < 1:
        raise ConfigError(f"--workers must be at least 1 (got {config.workers})")
    memory_cap_bytes(config.memory_mb)
    return CellLayout.of(config, len(corpus.vocab))


def check_token_ids(corpus: TokenCorpus) -> None:
    """Every id of `corpus` must index its vocabulary: the counting kernels use ids as row numbers.

    One streaming pass, slice by slice, letting go of each slice's pages.
    """
    vocab_size = len(corpus.vocab)
    for start, block in scan_blocks(corpus.ids, ID_SCAN_TOKENS):
        if int(block.max()) >= vocab_size:
            position = start + int(np.argmax(block >= vocab_size))
            raise FormatError(f"{corpus.directory / IDS_NAME}: token id {int(block[position - start])} at position "
                              f"{position} is beyond the vocabulary ({vocab_size} entries); {REMEDY}")


def plan_counting(corpus: TokenCorpus, config: CooccurConfig) -> CountPlan:
    """Cut the corpus so each chunk's window pairs fit one buffer within `memory_mb`.

    The cap is shared: a fifth for the workers' pair buffers, two fifths for
    runs kept in memory, a fifth for finished chunks waiting to be added, a
    fifth for merge blocks. Fails if one buffer cannot hold the longest sentence.
    Two streaming passes (sizes, then cuts) keep the plan's memory independent
    of the number of sentences.
    """
    layout = counting_layout(config, corpus)
    check_token_ids(corpus)
    total = longest = 0
    for _, pairs in sentence_pairs_by_slice(corpus, layout):
        total += int(pairs.sum())
        longest = max(longest, int(pairs.max(initial=0)))
    cap = memory_cap_bytes(config.memory_mb)
    needed = max(longest, MIN_BUFFER_PAIRS)
    workers = max(1, min(config.workers, MAX_COUNTING_THREADS, cap // (5 * RECORD_BYTES * needed)))
    buffer_pairs = cap // (5 * RECORD_BYTES * workers)
    if buffer_pairs < needed:
        need_mb = 5 * RECORD_BYTES * needed / (1 << 20)
        raise ConfigError(
            f"--memory-mb {config.memory_mb:g} is too small: one counting buffer needs {need_mb:.2f} MB "
            f"(the longest sentence gives {longest} window pairs); raise --memory-mb to at least {math.ceil(need_mb * 100) / 100:g}"
        )
    buffer_pairs = min(buffer_pairs, max(needed, -(-total // workers)))  # never more than the corpus needs
    return CountPlan(layout, chunk_ranges(corpus, layout, buffer_pairs), total, buffer_pairs, workers,
                     2 * cap // 5, cap // 5)


def sentence_pairs_by_slice(corpus: TokenCorpus, layout: CellLayout) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first sentence, window pairs of each sentence) for slices of `PLAN_SENTENCES` sentences."""
    for first in range(0, corpus.n_sentences, PLAN_SENTENCES):  # the corpus pages are let go slice by slice
        stop = min(first + PLAN_SENTENCES, corpus.n_sentences)
        yield first, layout.sentence_pairs(corpus.ids, corpus.offsets[first : stop + 1])
        release_pages(corpus.ids, int(corpus.offsets[stop]))


def chunk_ranges(corpus: TokenCorpus, layout: CellLayout, buffer_pairs: int) -> list[tuple[int, int]]:
    """Greedy sentence ranges [first, stop) whose window pairs fit `buffer_pairs` (every sentence does)."""
    chunks = []
    chunk_first = 0
    in_chunk = 0  # pairs of the open chunk
    for first, pairs in sentence_pairs_by_slice(corpus, layout):
        cumulative = np.cumsum(pairs)
        consumed = 0  # cumulative pairs of this slice already placed in closed chunks
        while True:
            fits = int(np.searchsorted(cumulative, buffer_pairs - in_chunk + consumed, side="right"))
            if fits >= len(pairs):  # the rest of the slice joins the open chunk
                in_chunk += int(cumulative[-1]) - consumed if len(pairs) else 0
                break
            chunks.append((chunk_first, first + fits))  # sentence first + fits does not fit: close the chunk
            chunk_first, in_chunk = first + fits, 0
            consumed = int(cumulative[fits - 1]) if fits else 0
    if chunk_first < corpus.n_sentences:
        chunks.append((chunk_first, corpus.n_sentences))
    return chunks
