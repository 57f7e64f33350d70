"""`cooccur --engine spark`: co-occurrence counting on Spark, written as the local artifact.

What runs where:

1. the driver cuts the corpus into tasks of about TASK_TOKENS tokens (whole
   sentences) and the cell-key space (row * V + col) into R ranges of about
   equal work (rows weighted by their word's count);
2. each executor task reads its sentences straight from the corpus directory
   (memory-mapped, only the shards it spans) and counts them with the local
   engine's `CellLayout.count_run` — the same window pairs, the same
   1/distance weights as exact integers in units of 1/lcm(1..window) — into
   one sorted run per range;
3. `reduceByKey` merges the runs of each range (the local `merge_in_memory`),
   one range per reduce partition, so partition r holds range r;
4. the driver streams the ranges in order into `rows.npy`, `cols.npy` and
   `values.npy` with the local `MatrixWriter`: the same sorted artifact, equal
   cell for cell to the local engine's (sums are exact integers either way).

The corpus directory must be readable at the same path on every executor
(local mode, or a shared filesystem on a cluster; see docs/scaling.md).
"""

from __future__ import annotations

import math
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import MANIFEST_NAME, staged_directory
from embcli.config import CooccurConfig
from embcli.cooccurrence import (COOCCURRENCE_KIND, RECORD_BYTES, CellLayout, MatrixWriter, check_token_ids, counting_layout, memory_cap_bytes,
                                 merge_in_memory, write_matrix_manifest)
from embcli.corpus.token_corpus import OFFSETS_NAME, TokenCorpus, read_token_range
from embcli.progress import SILENT, Progress
from embcli.spark.session import SparkSettings, describe_session, require_spark, spark_job, spark_session

TASK_TOKENS = 2_000_000  # tokens per map task: bounds its runs (up to 2 * window * 16 B per token)
RANGE_CELLS_TARGET = 4_000_000  # aimed-at nonzero cells per reduce range


# ---------------------------------------------------------------------------
# planning (driver)


def plan_tasks(offsets: np.ndarray, tasks: int) -> list[tuple[int, int]]:
    """Sentence ranges [first, stop) of about equal token counts, at least one sentence each."""
    n_sentences = len(offsets) - 1
    targets = np.linspace(0, offsets[-1], tasks + 1)[1:-1]
    cuts = np.unique(np.concatenate([[0], np.searchsorted(offsets, targets, side="left"), [n_sentences]]))
    return [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]


def plan_ranges(counts: np.ndarray, ranges: int) -> np.ndarray:
    """Row boundaries [0, b1, ..., V] cutting rows into `ranges` groups of about equal count (work)."""
    weights = np.asarray(counts, dtype=np.float64).copy()
    weights[weights <= 0] = 0.0
    cumulative = np.cumsum(weights)
    total = cumulative[-1] if len(cumulative) else 0.0
    if total <= 0 or ranges <= 1:
        return np.array([0, len(counts)], dtype=np.int64)
    cuts = np.searchsorted(cumulative, np.linspace(0, total, ranges + 1)[1:-1], side="right")
    return np.unique(np.concatenate([[0], cuts, [len(counts)]])).astype(np.int64)


# ---------------------------------------------------------------------------
# executor side


def count_task(task: tuple[int, int], corpus_dir: str, layout: CellLayout, buffer_pairs: int,
               key_bounds: np.ndarray) -> list[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """Count sentences [first, stop) into sorted runs of (cell key, unit-weight sum), one per key range.

    The ids were range-checked on the driver before the job started.
    """
    first, stop = task
    offsets = np.load(Path(corpus_dir) / OFFSETS_NAME, mmap_mode="r", allow_pickle=False)[first : stop + 1]
    offsets = np.asarray(offsets, dtype=np.int64)
    ids = read_token_range(Path(corpus_dir), int(offsets[0]), int(offsets[-1]))
    offsets = offsets - offsets[0]
    pairs = layout.sentence_pairs(ids, offsets)
    cumulative = np.concatenate([[0], np.cumsum(pairs)])
    longest = int(pairs.max()) if len(pairs) else 0
    capacity = max(min(buffer_pairs, int(cumulative[-1])), longest)  # never more than the task needs
    keys, sums = layout.buffers(capacity)
    runs = []
    sentence = 0
    while sentence < len(pairs):
        end = max(sentence + 1, int(np.searchsorted(cumulative, cumulative[sentence] + capacity, side="right")) - 1)
        run_keys, run_sums, _ = layout.count_run(ids, offsets, sentence, end, keys, sums)
        runs.append((run_keys, run_sums))
        sentence = end
    merged_keys, merged_sums = merge_in_memory(runs)
    cuts = np.searchsorted(merged_keys, key_bounds)
    return [(r, (merged_keys[a:b], merged_sums[a:b])) for r, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])) if b > a]


def merge_two(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return merge_in_memory([a, b])


def range_partition(key: int) -> int:
    return key  # range r goes to reduce partition r, so partitions come back in key order


# ---------------------------------------------------------------------------
# the stage


def cooccur_on_spark(corpus: TokenCorpus, output: Path, config: CooccurConfig, settings: SparkSettings, *,
                     force: bool = False, progress: Progress = SILENT) -> dict[str, Any]:
    """Count `corpus` on Spark into the same co-occurrence artifact as `count_cooccurrences`; return its manifest."""
    started = time.perf_counter()
    layout = counting_layout(config, corpus)
    require_spark()
    check_token_ids(corpus)
    buffer_pairs = max(1024, memory_cap_bytes(config.memory_mb) // (5 * RECORD_BYTES))
    with (staged_directory(output, force=force, kind=COOCCURRENCE_KIND, inputs=(corpus.directory / MANIFEST_NAME,)) as staging,
          spark_session(settings) as spark, spark_job("cooccur")):
        context = spark.sparkContext
        tasks = plan_tasks(corpus.offsets, max(2 * context.defaultParallelism, math.ceil(corpus.n_tokens / TASK_TOKENS)))
        expected_cells = corpus.n_tokens * config.window * (2 if layout.symmetric else 1)
        row_bounds = plan_ranges(corpus.vocab.counts, max(context.defaultParallelism,
                                                            math.ceil(expected_cells / 4 / RANGE_CELLS_TARGET)))
        key_bounds = layout.row_keys(row_bounds)
        ranges = len(row_bounds) - 1
        progress.note(f"spark: counting {corpus.n_tokens:,} tokens in {len(tasks)} tasks into {ranges} key ranges "
                      f"on {context.master}")
        runs = context.parallelize(tasks, len(tasks)).flatMap(partial(
            count_task, corpus_dir=str(Path(corpus.directory).resolve()), layout=layout, buffer_pairs=buffer_pairs,
            key_bounds=key_bounds))
        reduced = runs.reduceByKey(merge_two, numPartitions=ranges, partitionFunc=range_partition)
        writer = MatrixWriter(staging, layout)
        previous = -1
        try:
            for r, (keys, sums) in reduced.toLocalIterator():
                if r <= previous:
                    raise RuntimeError(f"internal error: key range {r} arrived after {previous}")
                writer(keys, sums)
                previous = r
        finally:
            writer.close()
        counted = time.perf_counter()
        manifest = write_matrix_manifest(
            staging, corpus, config, nnz=writer.nnz,
            engine=describe_session(spark) | {"map_tasks": len(tasks), "key_ranges": ranges,
                                              "task_buffer_pairs": buffer_pairs},
            timings={"count_seconds": round(counted - started, 3), "wall_seconds": round(time.perf_counter() - started, 3)},
        )
    progress.note(f"co-occurrence on spark: {writer.nnz:,} nonzeros in {time.perf_counter() - started:.1f}s")
    return manifest
