"""The external sort: sorted runs of (cell key, weight sum), kept in memory or spilled, merged in bounded blocks.

A *run* is a pair of int64 arrays (cell keys, strictly increasing; weight sums).
Runs stay in memory until they reach a budget, then are merged into one run
file (two raw little-endian int64 files). At the end all runs are merged, at
most `MERGE_FAN_IN` files at a time (in several passes if there are more),
straight into a sink such as the artifact's writer.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embcli.cooccurrence.keys import RECORD_BYTES
from embcli.errors import FormatError
from embcli.kernels.cooccur_kernels import merge_two_runs

MERGE_FAN_IN = 32  # run files merged at once (two open files each)
MIN_MERGE_BLOCK = 256  # smallest block of records read from one run while merging

Sink = Callable[[np.ndarray, np.ndarray], None]  # receives merged (keys, sums) blocks in increasing key order


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
    """Merge sorted runs pairwise (a balanced tree), summing equal cells.

    >>> keys, sums = merge_in_memory([(np.array([1, 5]), np.array([2, 2])), (np.array([5, 7]), np.array([1, 1]))])
    >>> keys.tolist(), sums.tolist()
    ([1, 5, 7], [2, 3, 1])
    """
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


def merge_runs(runs: list[MemoryRun | RunFile], sink: Sink, merge_budget_bytes: int) -> None:
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


class RunStore:
    """Runs kept in memory up to `run_budget_bytes`, then merged into run files under `spill_dir`."""

    def __init__(self, spill_dir: Path, run_budget_bytes: int, merge_budget_bytes: int, fan_in: int = MERGE_FAN_IN) -> None:
        self.spill_dir = spill_dir
        self.run_budget_bytes = run_budget_bytes
        self.merge_budget_bytes = merge_budget_bytes
        self.fan_in = fan_in
        self.memory: list[MemoryRun] = []
        self.memory_bytes = 0
        self.files: list[RunFile] = []
        self.runs_spilled = 0
        self.merge_passes = 0
        self.records_added = 0  # cells of every run added (an upper bound on the merged cells)

    def add(self, run: MemoryRun) -> None:
        self.memory.append(run)
        self.memory_bytes += run.records * RECORD_BYTES
        self.records_added += run.records
        if self.memory_bytes > self.run_budget_bytes:
            self.spill()

    def _new_file(self, sources: list[MemoryRun | RunFile]) -> RunFile:
        self.spill_dir.mkdir(exist_ok=True)
        writer = RunFileWriter(self.spill_dir / f"run-{self.runs_spilled:06d}")
        self.runs_spilled += 1
        try:
            merge_runs(sources, writer, self.merge_budget_bytes)
        finally:
            run = writer.close()
        return run

    def spill(self) -> None:
        """Merge the in-memory runs into one run file and free them."""
        if self.memory:
            self.files.append(self._new_file(self.memory))
            self.memory, self.memory_bytes = [], 0

    def finish(self, sink: Sink) -> None:
        """Merge everything into `sink`, first reducing the run files to at most `fan_in`."""
        while len(self.files) > self.fan_in:
            self.merge_passes += 1
            merged = []
            for i in range(0, len(self.files), self.fan_in):
                group = self.files[i : i + self.fan_in]
                merged.append(self._new_file(group) if len(group) > 1 else group[0])
                for run in group if len(group) > 1 else []:
                    run.remove()
            self.files = merged
        self.merge_passes += 1
        merge_runs([*self.files, *self.memory], sink, self.merge_budget_bytes)

    def cleanup(self) -> None:
        shutil.rmtree(self.spill_dir, ignore_errors=True)
