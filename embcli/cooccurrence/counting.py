"""`cooccur`: a token-id corpus in, a word-word co-occurrence matrix out, in bounded memory.

Counting follows Stanford GloVe's `cooccur`, so matrices (and their nonzero
counts) can be compared with it:

- out-of-vocabulary tokens (`<unk>`, id 0) are removed from the stream before
  windows form, so a window closes over them (`keep_unk` counts `<unk>` as a word);
- windows never cross a sentence (an input line);
- a pair at distance d adds 1/d; symmetric by default (both orders), or, with
  `asymmetric`, once as (left word, right word) as Stanford's `-symmetric 0`.

How (bounded memory): the corpus is cut into chunks of sentences whose window
pairs fit a buffer (`planning`); worker threads turn each chunk into a sorted
run (`keys.CellLayout.count_run`); runs are kept, spilled and merged by the
external sort (`external_sort`) straight into the artifact files (`matrix`).
Weights are summed as exact integers, so the matrix is identical whatever the
memory cap, chunking or thread count.
"""

from __future__ import annotations

import errno
import queue
import shutil
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from embcli.artifacts import MANIFEST_NAME, staged_directory
from embcli.config import CooccurConfig
from embcli.cooccurrence.external_sort import MERGE_FAN_IN, MemoryRun, RunStore
from embcli.cooccurrence.matrix import COOCCURRENCE_KIND, MATRIX_BYTES_PER_CELL, MatrixWriter, write_matrix_manifest
from embcli.cooccurrence.planning import CountPlan, plan_counting
from embcli.cooccurrence.keys import RECORD_BYTES
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import InputError, ResourceError
from embcli.npy_stream import release_pages
from embcli.progress import SILENT, Progress

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


@dataclass
class CountStats:
    total_pairs: int = 0
    nnz: int = 0
    chunks: int = 0
    runs_spilled: int = 0
    merge_passes: int = 0
    workers: int = 1
    count_seconds: float = 0.0
    merge_seconds: float = 0.0


def count_cooccurrences(corpus: TokenCorpus, output: Path, config: CooccurConfig, *, force: bool = False,
                        progress: Progress = SILENT, fan_in: int = MERGE_FAN_IN) -> dict[str, Any]:
    """Count `corpus` into a co-occurrence artifact at `output`; return its manifest.

    Every token id is checked against the vocabulary first. `fan_in` bounds the
    run files merged at once (tests lower it to force several passes).
    """
    started = time.perf_counter()
    plan = plan_counting(corpus, config)
    with staged_directory(output, force=force, kind=COOCCURRENCE_KIND, inputs=(corpus.directory / MANIFEST_NAME,)) as staging:
        stats = count_into(staging, corpus, plan, progress=progress, fan_in=fan_in, target=Path(output))
        manifest = write_matrix_manifest(
            staging, corpus, config, nnz=stats.nnz, counts={"window_pairs": stats.total_pairs},
            spill={"memory_mb": config.memory_mb, "workers": stats.workers, "chunks": stats.chunks,
                   "runs_spilled": stats.runs_spilled, "merge_passes": stats.merge_passes},
            timings={"count_seconds": round(stats.count_seconds, 3), "merge_seconds": round(stats.merge_seconds, 3),
                     "wall_seconds": round(time.perf_counter() - started, 3)},
        )
    progress.note(f"co-occurrence: {stats.total_pairs:,} window pairs -> {stats.nnz:,} nonzeros in "
                  f"{time.perf_counter() - started:.1f}s ({stats.runs_spilled} runs spilled)")
    return manifest


def count_into(directory: Path, corpus: TokenCorpus, plan: CountPlan, *, progress: Progress = SILENT,
               fan_in: int = MERGE_FAN_IN, target: Path | None = None) -> CountStats:
    """Write rows/cols/values.npy for `corpus` into `directory`, spilling runs under it; temp runs never survive.

    `target` is the path the user named (for messages; default `directory`).
    """
    stats = CountStats(total_pairs=plan.total_pairs, chunks=len(plan.chunks), workers=plan.workers)
    store = RunStore(directory / "spill-runs", plan.run_budget_bytes, plan.merge_budget_bytes, fan_in)
    started = time.perf_counter()
    pairs_done = 0
    try:
        with progress.bar(plan.total_pairs, "co-occurrence", unit="pair") as bar:
            for run, pairs in sorted_chunk_runs(corpus, plan):
                store.add(run)
                pairs_done += pairs
                bar.update(pairs)
        stats.count_seconds = time.perf_counter() - started
        writer = MatrixWriter(directory, plan.layout)
        try:
            store.finish(writer)
        finally:
            writer.close()
        stats.nnz = writer.nnz
        stats.merge_seconds = time.perf_counter() - started - stats.count_seconds
    except OSError as exc:
        where = target or directory
        if exc.errno in DISK_FULL_ERRNOS:
            raise disk_full_error(where, store, pairs_done, plan.total_pairs) from None
        raise InputError(f"cannot write the co-occurrence matrix {where}: {exc.strerror or exc}") from None
    finally:
        store.cleanup()
    stats.runs_spilled, stats.merge_passes = store.runs_spilled, store.merge_passes
    return stats


def disk_full_error(target: Path, store: RunStore, pairs_done: int, total_pairs: int) -> ResourceError:
    """One line: where, about how many bytes the matrix (and its spilled runs) need, how much is free."""
    cells = store.records_added * (total_pairs / pairs_done if 0 < pairs_done < total_pairs else 1)
    needed = int(cells * MATRIX_BYTES_PER_CELL + (cells * RECORD_BYTES if store.runs_spilled else 0))
    try:
        free = f", {shutil.disk_usage(Path(target).absolute().parent).free:,} free"
    except OSError:
        free = ""
    return ResourceError(f"disk full while writing the co-occurrence matrix {target}: it needs up to about {needed:,} "
                         f"bytes there{free}; temporary files were removed; free some space or choose another path")


def sorted_chunk_runs(corpus: TokenCorpus, plan: CountPlan) -> Iterator[tuple[MemoryRun, int]]:
    """Yield (run, window pairs) per chunk, computed by `plan.workers` threads, oldest chunk first."""
    layout = plan.layout
    buffers: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(plan.workers):
        buffers.put(layout.buffers(plan.buffer_pairs))

    def chunk_run(first: int, stop: int) -> tuple[MemoryRun, int]:
        keys, sums = buffers.get()
        try:
            run_keys, run_sums, pairs = layout.count_run(corpus.ids, corpus.offsets, first, stop, keys, sums)
            return MemoryRun(run_keys, run_sums), pairs
        finally:
            buffers.put((keys, sums))

    def finished_oldest() -> tuple[MemoryRun, int]:
        """The oldest chunk's result; every earlier chunk is done too, so the corpus pages before it can go."""
        stop, future = pending.popleft()
        result = future.result()
        release_pages(corpus.ids, int(corpus.offsets[stop]))
        return result

    pool = ThreadPoolExecutor(max_workers=plan.workers, thread_name_prefix="cooccur")
    pending: deque = deque()
    try:
        for first, stop in plan.chunks:
            pending.append((stop, pool.submit(chunk_run, first, stop)))
            if len(pending) >= plan.workers:
                yield finished_oldest()
        while pending:
            yield finished_oldest()
    except BaseException:  # an error, Ctrl-C or SIGTERM: do not wait for the chunks in flight
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


