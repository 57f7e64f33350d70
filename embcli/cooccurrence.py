"""`cooccur`: a token-id corpus in, a word-word co-occurrence matrix out, in bounded memory.

Counting follows Stanford GloVe's `cooccur`, so matrices (and their nonzero
counts) can be compared with it:

- out-of-vocabulary tokens (`<unk>`, id 0) are removed from the stream before
  windows form, so a window closes over them (`keep_unk` counts `<unk>` as a word);
- windows never cross a sentence (an input line);
- a pair at distance d adds 1/d; symmetric by default (both orders), or, with
  `asymmetric`, once as (left word, right word) as Stanford's `-symmetric 0`.

How (bounded memory): the corpus is cut into chunks of sentences whose window
pairs fit a buffer; worker threads turn each chunk into a sorted *run* (encode
pairs as int64 keys, sort, sum equal cells). Runs stay in memory until they
reach the memory budget, then are merged into a run file on disk. At the end
all runs are merged in bounded blocks, at most `MERGE_FAN_IN` files at a time
(in several passes if there are more), straight into the artifact files.
Weights are summed as exact integers in units of 1/scale (scale = lcm(1..window)),
so the matrix is identical whatever the memory cap, chunking or thread count.

Artifact (kind `cooccurrence`), sorted by (row, col), one entry per nonzero cell:

- `rows.npy`: int32 row word ids (the vocabulary index, as in the corpus);
- `cols.npy`: int32 column (context) word ids;
- `values.npy`: float64 weighted counts (sum of 1/distance);
- `vocab.tsv`: the corpus vocabulary the ids index;
- `manifest.json`: window, weighting, symmetry, nonzeros, and the corpus manifest's hash.
"""

from __future__ import annotations

import errno
import math
import mmap
import queue
import shutil
import struct
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import load_npy, manifest_reference, peak_rss_mb, read_manifest, staged_directory, write_manifest
from embcli.config import CooccurConfig, as_dict
from embcli.corpus.token_corpus import TokenCorpus
from embcli.corpus.vocabulary import Vocabulary, read_vocabulary, write_vocabulary
from embcli.errors import ConfigError, FormatError, InputError
from embcli.progress import SILENT, Progress

COOCCURRENCE_KIND = "cooccurrence"
ROWS_NAME = "rows.npy"
COLS_NAME = "cols.npy"
VALUES_NAME = "values.npy"
VOCAB_NAME = "vocab.tsv"
WEIGHTING = "harmonic"  # a pair at distance d adds 1/d

RECORD_BYTES = 16  # one buffered pair key or run cell: int64 key + int64 weight sum
MERGE_FAN_IN = 32  # run files merged at once (two open files each)
MIN_BUFFER_PAIRS = 256  # smallest useful pair buffer
MIN_MERGE_BLOCK = 256  # smallest block of records read from one run while merging
PLAN_SENTENCES = 1 << 16  # sentences per slice of the planning pass
EXACT_SCALE_LIMIT = 1 << 28  # above this lcm(1..window), weights are rounded to 1/2**28 units


# ---------------------------------------------------------------------------
# reading the artifact


@dataclass(frozen=True)
class Cooccurrence:
    """A co-occurrence matrix in COO form, sorted by (row, col)."""

    directory: Path
    manifest: dict[str, Any]
    vocab: Vocabulary
    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    values: np.ndarray  # float64

    @property
    def nnz(self) -> int:
        return int(self.rows.shape[0])


def load_cooccurrence(directory: Path, *, mmap: bool = False) -> Cooccurrence:
    """Open a directory made by `embcli cooccur` (or cached by `train --model glove`)."""
    directory = Path(directory)
    manifest = read_manifest(directory, COOCCURRENCE_KIND)
    vocab = read_vocabulary(directory / VOCAB_NAME)
    arrays = []
    for name, dtype in ((ROWS_NAME, np.int32), (COLS_NAME, np.int32), (VALUES_NAME, np.float64)):
        path = directory / name
        array = load_npy(path, mmap=mmap, remedy="re-run embcli cooccur")
        if array.dtype != dtype or array.ndim != 1:
            raise FormatError(f"{path}: expected a 1-D {np.dtype(dtype)} array, found {array.ndim}-D {array.dtype}")
        arrays.append(array)
    if not (len(arrays[0]) == len(arrays[1]) == len(arrays[2]) == manifest.get("counts", {}).get("nnz")):
        raise FormatError(f"{directory}: rows, cols and values disagree with the manifest's nnz; re-run embcli cooccur")
    return Cooccurrence(directory, manifest, vocab, *arrays)


# ---------------------------------------------------------------------------
# weights and key layout


def weight_units(window: int) -> tuple[int, np.ndarray]:
    """(scale, unit_weights): distance d adds unit_weights[d] = scale/d, exactly when scale = lcm(1..window)."""
    scale = math.lcm(*range(1, window + 1))
    if scale > EXACT_SCALE_LIMIT:
        scale = EXACT_SCALE_LIMIT
    units = np.zeros(window + 1, dtype=np.int64)
    units[1:] = [round(scale / d) for d in range(1, window + 1)]
    return scale, units


def distance_bits(window: int) -> int:
    return max(1, int(window).bit_length())


# ---------------------------------------------------------------------------
# planning: chunks and memory


@dataclass(frozen=True)
class CountPlan:
    """How the corpus is cut into chunks and the memory cap shared out."""

    chunks: list[tuple[int, int]]  # sentence ranges [first, stop)
    total_pairs: int
    buffer_pairs: int  # pair keys one worker buffers at once
    workers: int
    run_budget_bytes: int  # in-memory runs past this are merged into a run file
    merge_budget_bytes: int  # blocks held while merging


def plan_counting(corpus: TokenCorpus, config: CooccurConfig) -> CountPlan:
    """Cut the corpus so each chunk's window pairs fit one buffer within `memory_mb`.

    The cap is shared: a fifth for the workers' pair buffers, two fifths for
    runs kept in memory, a fifth for finished chunks waiting to be added, a
    fifth for merge blocks. Fails if one buffer cannot hold the longest sentence.
    Two streaming passes (sizes, then cuts) keep the plan's memory independent
    of the number of sentences.
    """
    validate_cooccur_config(config, corpus)
    total = longest = 0
    for _, pairs in sentence_pairs_by_slice(corpus, config):
        total += int(pairs.sum())
        longest = max(longest, int(pairs.max(initial=0)))
    cap = int(config.memory_mb * (1 << 20))
    needed = max(longest, MIN_BUFFER_PAIRS)
    workers = max(1, min(config.workers, cap // (5 * RECORD_BYTES * needed)))
    buffer_pairs = cap // (5 * RECORD_BYTES * workers)
    if buffer_pairs < needed:
        need_mb = 5 * RECORD_BYTES * needed / (1 << 20)
        raise ConfigError(
            f"--memory-mb {config.memory_mb:g} is too small: one counting buffer needs {need_mb:.2f} MB "
            f"(the longest sentence gives {longest} window pairs); raise --memory-mb to at least {math.ceil(need_mb * 100) / 100:g}"
        )
    buffer_pairs = min(buffer_pairs, max(needed, -(-total // workers)))
    return CountPlan(chunk_ranges(corpus, config, buffer_pairs), total, buffer_pairs, workers, 2 * cap // 5, cap // 5)


def sentence_pairs_by_slice(corpus: TokenCorpus, config: Any):
    """Yield (first sentence, window pairs of each sentence) for slices of `PLAN_SENTENCES` sentences."""
    from embcli.kernels.cooccur_kernels import sentence_pair_counts

    for first in range(0, corpus.n_sentences, PLAN_SENTENCES):  # the corpus pages are let go slice by slice
        stop = min(first + PLAN_SENTENCES, corpus.n_sentences)
        yield first, sentence_pair_counts(corpus.ids, corpus.offsets[first : stop + 1], config.window,
                                          not config.asymmetric, skip_unk(config))
        release_pages(corpus.ids, int(corpus.offsets[stop]))


def chunk_ranges(corpus: TokenCorpus, config: Any, buffer_pairs: int) -> list[tuple[int, int]]:
    """Greedy sentence ranges [first, stop) whose window pairs fit `buffer_pairs` (every sentence does)."""
    chunks = []
    chunk_first = 0
    in_chunk = 0  # pairs of the open chunk
    for first, pairs in sentence_pairs_by_slice(corpus, config):
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


def validate_cooccur_config(config: Any, corpus: TokenCorpus) -> None:
    """Range checks shared by `cooccur` and `train --model glove` (the config may come from a TOML file)."""
    if config.window < 1:
        raise ConfigError(f"--window must be at least 1 (got {config.window})")
    if config.memory_mb <= 0:
        raise ConfigError(f"--memory-mb must be positive (got {config.memory_mb:g})")
    vocab_size = len(corpus.vocab)
    if vocab_size * vocab_size >= (1 << (63 - distance_bits(config.window))):
        raise ConfigError(f"a vocabulary of {vocab_size} words is too large to count; raise --min-count in preprocess")


def skip_unk(config: Any) -> bool:
    return not config.keep_unk


def release_pages(array: np.ndarray, stop: int) -> None:
    """Let go of the resident pages of a memory-mapped array before item `stop` (no-op for in-memory arrays).

    The corpus is read once, front to back: without this, every page read stays
    in this process's RSS, which would grow with the corpus instead of the cap.
    """
    mapping = getattr(array, "_mmap", None)
    if mapping is None or not hasattr(mapping, "madvise"):
        return
    end = array.offset % mmap.ALLOCATIONGRANULARITY + stop * array.itemsize  # numpy maps from an aligned offset
    end -= end % mmap.PAGESIZE
    if end > 0:
        mapping.madvise(mmap.MADV_DONTNEED, 0, end)


# ---------------------------------------------------------------------------
# runs: sorted (cell key, weight sum) arrays, in memory or in two raw int64 files


@dataclass
class MemoryRun:
    keys: np.ndarray
    sums: np.ndarray

    @property
    def records(self) -> int:
        return int(self.keys.shape[0])


@dataclass
class RunFile:
    base: Path  # <base>.keys and <base>.sums hold raw little-endian int64
    records: int

    def paths(self) -> tuple[Path, Path]:
        return self.base.with_suffix(".keys"), self.base.with_suffix(".sums")

    def remove(self) -> None:
        for path in self.paths():
            path.unlink(missing_ok=True)


class RunReader:
    """Reads one run a block at a time; `keys`/`sums` are the unconsumed part of the block."""

    def __init__(self, run: MemoryRun | RunFile, block_records: int) -> None:
        self.run = run
        self.block_records = block_records
        self.loaded = 0  # records of the run read into blocks so far
        self.handles = [open(path, "rb") for path in run.paths()] if isinstance(run, RunFile) else []
        self.keys = self.sums = np.empty(0, dtype=np.int64)
        self._load()

    @property
    def more(self) -> bool:
        """True if records beyond the current block remain."""
        return self.loaded < self.run.records

    def _load(self) -> None:
        n = min(self.block_records, self.run.records - self.loaded)
        if isinstance(self.run, MemoryRun):
            self.keys = self.run.keys[self.loaded : self.loaded + n]
            self.sums = self.run.sums[self.loaded : self.loaded + n]
        else:
            self.keys, self.sums = (np.fromfile(handle, dtype="<i8", count=n) for handle in self.handles)
            if len(self.keys) != n or len(self.sums) != n:
                raise FormatError(f"{self.run.base}: run file is truncated")
        self.loaded += n

    def advance(self, consumed: int) -> None:
        self.keys = self.keys[consumed:]
        self.sums = self.sums[consumed:]
        if len(self.keys) == 0 and self.more:
            self._load()

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def merge_in_memory(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted runs pairwise (a balanced tree), summing equal cells."""
    from embcli.kernels.cooccur_kernels import merge_two_runs

    parts = list(parts)
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    while len(parts) > 1:
        merged = []
        for i in range(0, len(parts) - 1, 2):
            (ka, sa), (kb, sb) = parts[i], parts[i + 1]
            out_keys = np.empty(len(ka) + len(kb), dtype=np.int64)
            out_sums = np.empty(len(ka) + len(kb), dtype=np.int64)
            m = merge_two_runs(ka, sa, kb, sb, out_keys, out_sums)
            merged.append((out_keys[:m], out_sums[:m]))
        if len(parts) % 2:
            merged.append(parts[-1])
        parts = merged
    return parts[0]


def merge_runs(runs: list[MemoryRun | RunFile], sink: Callable[[np.ndarray, np.ndarray], None], merge_budget_bytes: int) -> None:
    """Stream the merge of `runs` into `sink(keys, sums)` in increasing key order, in bounded blocks.

    Each step takes, from every run's current block, the keys up to the smallest
    last key among runs that still have unread records: nothing later in any run
    can be smaller, so that much is final.
    """
    # per record in flight: the block (16 B), its share of the merge output (16 B), the decoded block (16 B)
    block_records = max(MIN_MERGE_BLOCK, merge_budget_bytes // (3 * RECORD_BYTES * max(1, len(runs))))
    readers: list[RunReader] = []
    try:
        for run in runs:
            readers.append(RunReader(run, block_records))
        while True:
            live = [reader for reader in readers if len(reader.keys)]
            if not live:
                break
            bounds = [int(reader.keys[-1]) for reader in live if reader.more]
            bound = min(bounds) if bounds else None
            cuts = [len(reader.keys) if bound is None else int(np.searchsorted(reader.keys, bound, side="right"))
                    for reader in live]
            sink(*merge_in_memory([(reader.keys[:cut], reader.sums[:cut]) for reader, cut in zip(live, cuts) if cut]))
            for reader, cut in zip(live, cuts):
                reader.advance(cut)
    finally:
        for reader in readers:
            reader.close()


class RunFileWriter:
    """A sink that appends merged blocks to a new run file."""

    def __init__(self, base: Path) -> None:
        self.run = RunFile(base, 0)
        self.handles = [open(path, "wb") for path in self.run.paths()]

    def __call__(self, keys: np.ndarray, sums: np.ndarray) -> None:
        self.handles[0].write(memoryview(np.ascontiguousarray(keys, dtype="<i8")))
        self.handles[1].write(memoryview(np.ascontiguousarray(sums, dtype="<i8")))
        self.run.records += len(keys)

    def close(self) -> RunFile:
        for handle in self.handles:
            handle.close()
        return self.run


# ---------------------------------------------------------------------------
# the artifact's .npy files, written block by block


class NpyStreamWriter:
    """A 1-D .npy file (format 1.0) appended to in blocks; the header's length is fixed up on close."""

    HEADER_BYTES = 128  # magic + version + length + padded header dict, a multiple of 64 as NumPy writes it

    def __init__(self, path: Path, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.length = 0
        self.handle = open(path, "wb")
        self.handle.write(self._header(0))

    def _header(self, length: int) -> bytes:
        text = repr({"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": (length,)})
        body_bytes = self.HEADER_BYTES - 10
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", body_bytes) + text.ljust(body_bytes - 1).encode("latin1") + b"\n"

    def write(self, array: np.ndarray) -> None:
        self.handle.write(memoryview(np.ascontiguousarray(array, dtype=self.dtype)))
        self.length += len(array)

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.seek(0)
            self.handle.write(self._header(self.length))
            self.handle.close()


class MatrixWriter:
    """A sink that decodes merged runs into rows.npy, cols.npy and values.npy."""

    def __init__(self, directory: Path, vocab_size: int, scale: int) -> None:
        self.vocab_size = vocab_size
        self.scale = float(scale)
        self.files = [NpyStreamWriter(directory / ROWS_NAME, np.int32), NpyStreamWriter(directory / COLS_NAME, np.int32),
                      NpyStreamWriter(directory / VALUES_NAME, np.float64)]

    def __call__(self, keys: np.ndarray, sums: np.ndarray) -> None:
        from embcli.kernels.cooccur_kernels import split_cells

        rows = np.empty(len(keys), dtype=np.int32)
        cols = np.empty(len(keys), dtype=np.int32)
        values = np.empty(len(keys), dtype=np.float64)
        split_cells(keys, sums, self.vocab_size, self.scale, rows, cols, values)
        for writer, block in zip(self.files, (rows, cols, values)):
            writer.write(block)

    @property
    def nnz(self) -> int:
        return self.files[0].length

    def close(self) -> None:
        for writer in self.files:
            writer.close()


# ---------------------------------------------------------------------------
# counting


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


class RunStore:
    """Runs kept in memory up to a budget, then merged into run files under `spill_dir`."""

    def __init__(self, spill_dir: Path, plan: CountPlan, stats: CountStats, fan_in: int) -> None:
        self.spill_dir = spill_dir
        self.plan = plan
        self.stats = stats
        self.fan_in = fan_in
        self.memory: list[MemoryRun] = []
        self.memory_bytes = 0
        self.files: list[RunFile] = []

    def add(self, run: MemoryRun) -> None:
        self.memory.append(run)
        self.memory_bytes += run.records * RECORD_BYTES
        if self.memory_bytes > self.plan.run_budget_bytes:
            self.spill()

    def _new_file(self, sources: list[MemoryRun | RunFile]) -> RunFile:
        self.spill_dir.mkdir(exist_ok=True)
        writer = RunFileWriter(self.spill_dir / f"run-{self.stats.runs_spilled:06d}")
        self.stats.runs_spilled += 1
        try:
            merge_runs(sources, writer, self.plan.merge_budget_bytes)
        finally:
            run = writer.close()
        return run

    def spill(self) -> None:
        """Merge the in-memory runs into one run file and free them."""
        if self.memory:
            self.files.append(self._new_file(self.memory))
            self.memory, self.memory_bytes = [], 0

    def finish(self, sink: Callable[[np.ndarray, np.ndarray], None]) -> None:
        """Merge everything into `sink`, first reducing the run files to at most `fan_in`."""
        while len(self.files) > self.fan_in:
            self.stats.merge_passes += 1
            merged = []
            for i in range(0, len(self.files), self.fan_in):
                group = self.files[i : i + self.fan_in]
                merged.append(self._new_file(group) if len(group) > 1 else group[0])
                for run in group if len(group) > 1 else []:
                    run.remove()
            self.files = merged
        self.stats.merge_passes += 1
        merge_runs([*self.files, *self.memory], sink, self.plan.merge_budget_bytes)

    def cleanup(self) -> None:
        shutil.rmtree(self.spill_dir, ignore_errors=True)


def count_cooccurrences(corpus: TokenCorpus, output: Path, config: CooccurConfig, *, force: bool = False,
                        progress: Progress = SILENT, fan_in: int = MERGE_FAN_IN) -> dict[str, Any]:
    """Count `corpus` into a co-occurrence artifact at `output`; return its manifest.

    `fan_in` bounds the run files merged at once (tests lower it to force several passes).
    """
    started = time.perf_counter()
    plan = plan_counting(corpus, config)
    with staged_directory(output, force=force, kind=COOCCURRENCE_KIND, inputs=(corpus.directory / "manifest.json",)) as staging:
        stats = count_into(staging, corpus, config, plan, progress=progress, fan_in=fan_in)
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


def write_matrix_manifest(directory: Path, corpus: TokenCorpus, config: Any, *, nnz: int,
                          counts: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    """Write `vocab.tsv` and (last) `manifest.json` beside the matrix files; shared by every counting engine.

    `config` needs `window`, `asymmetric` and `keep_unk`; `sections` add engine-specific blocks (timings, ...).
    """
    write_vocabulary(directory / VOCAB_NAME, corpus.vocab)
    return write_manifest(
        directory,
        COOCCURRENCE_KIND,
        config=as_dict(config),
        weighting=WEIGHTING,
        window=config.window,
        symmetric=not config.asymmetric,
        keep_unk=config.keep_unk,
        inputs={"corpus": manifest_reference(corpus.directory)},
        counts={"vocab_size": len(corpus.vocab), "nnz": nnz, "corpus_tokens": corpus.n_tokens,
                "corpus_sentences": corpus.n_sentences, **(counts or {})},
        files={ROWS_NAME: "int32 row word ids, sorted by (row, col)", COLS_NAME: "int32 column word ids",
               VALUES_NAME: "float64 weighted counts (sum of 1/distance)", VOCAB_NAME: "the corpus vocabulary"},
        peak_rss_mb=round(peak_rss_mb(), 1),
        **sections,
    )


def count_into(directory: Path, corpus: TokenCorpus, config: CooccurConfig, plan: CountPlan, *,
               progress: Progress = SILENT, fan_in: int = MERGE_FAN_IN) -> CountStats:
    """Write rows/cols/values.npy for `corpus` into `directory`, spilling runs under it; temp runs never survive."""
    stats = CountStats(total_pairs=plan.total_pairs, chunks=len(plan.chunks), workers=plan.workers)
    store = RunStore(directory / "spill-runs", plan, stats, fan_in)
    started = time.perf_counter()
    try:
        with progress.bar(plan.total_pairs, "co-occurrence", unit="pair") as bar:
            for run, pairs in _sorted_chunk_runs(corpus, config, plan):
                store.add(run)
                bar.update(pairs)
        stats.count_seconds = time.perf_counter() - started
        scale, _ = weight_units(config.window)
        writer = MatrixWriter(directory, len(corpus.vocab), scale)
        try:
            store.finish(writer)
        finally:
            writer.close()
        stats.nnz = writer.nnz
        stats.merge_seconds = time.perf_counter() - started - stats.count_seconds
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise InputError(f"disk full while writing the co-occurrence matrix under {directory.parent}; "
                             "free some space (temporary runs were removed) and retry") from None
        raise InputError(f"cannot write the co-occurrence matrix under {directory.parent}: {exc.strerror or exc}") from None
    finally:
        store.cleanup()
    return stats


def _sorted_chunk_runs(corpus: TokenCorpus, config: CooccurConfig, plan: CountPlan):
    """Yield (run, window pairs) per chunk, computed by `plan.workers` threads (results in any order)."""
    from embcli.kernels.cooccur_kernels import reduce_sorted_pairs, window_pair_keys

    _, units = weight_units(config.window)
    bits = distance_bits(config.window)
    symmetric = not config.asymmetric
    vocab_size = len(corpus.vocab)
    buffers: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(plan.workers):
        buffers.put((np.empty(plan.buffer_pairs, dtype=np.int64), np.empty(plan.buffer_pairs, dtype=np.int64)))

    def chunk_run(first: int, stop: int) -> tuple[MemoryRun, int]:
        keys, sums = buffers.get()
        try:
            n = window_pair_keys(corpus.ids, corpus.offsets, first, stop, config.window, symmetric, skip_unk(config),
                                 vocab_size, bits, keys)
            keys[:n].sort()  # NumPy releases the GIL while sorting
            m = reduce_sorted_pairs(keys, n, bits, units, sums)
            return MemoryRun(keys[:m].copy(), sums[:m].copy()), n
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


# ---------------------------------------------------------------------------
# the cache `train --model glove` keeps next to the corpus


def cache_name(config: Any) -> str:
    """`cooccur-w10-sym`, `cooccur-w5-asym-unk`, ...: one cache per counting setting."""
    return f"cooccur-w{config.window}-{'asym' if config.asymmetric else 'sym'}{'-unk' if config.keep_unk else ''}"


def cache_mismatch(directory: Path, corpus: TokenCorpus, config: Any) -> str | None:
    """Why the matrix in `directory` cannot stand for `corpus` counted with `config` (None if it can)."""
    try:
        manifest = read_manifest(directory, COOCCURRENCE_KIND)
    except (InputError, FormatError) as exc:
        return str(exc)
    parent = manifest.get("inputs", {}).get("corpus", {})
    if parent.get("manifest_sha256") != manifest_reference(corpus.directory)["manifest_sha256"]:
        return "it was counted from a different corpus (or an older version of this one)"
    wanted = {"window": config.window, "symmetric": not config.asymmetric, "keep_unk": config.keep_unk,
              "weighting": WEIGHTING}
    for key, value in wanted.items():
        if manifest.get(key) != value:
            return f"it was counted with {key}={manifest.get(key)!r}, not {value!r}"
    return None


def ensure_cooccurrence(corpus: TokenCorpus, directory: Path, config: CooccurConfig, *,
                        progress: Progress = SILENT) -> tuple[Path, bool]:
    """Reuse the matrix in `directory` if it matches `corpus` and `config`, else (re)count it there.

    Returns (directory, reused). A stale matrix is never reused silently: the
    note says why it is rebuilt.
    """
    directory = Path(directory)
    if directory.exists():
        reason = cache_mismatch(directory, corpus, config)
        if reason is None:
            progress.note(f"co-occurrence: reusing {directory}")
            return directory, True
        progress.note(f"co-occurrence: rebuilding {directory} because {reason}")
    count_cooccurrences(corpus, directory, config, force=True, progress=progress)
    return directory, False
