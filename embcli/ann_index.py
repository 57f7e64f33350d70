"""`embcli index`: an approximate nearest-neighbour index over a model's rows, tied to those rows.

The library is faiss (`pip install 'embcli[ann]'`, the `faiss-cpu` wheel), index type
IVF-Flat over unit rows with inner product (= cosine): k-means cuts the rows into
`lists` cells, a query scans only the `probe` cells nearest to it. Why this and not
an HNSW graph (hnswlib, usearch): on this project's 2-core machines HNSW had to insert
a million rows one graph walk at a time (usearch took 213 s for 50,000 rows under load,
~1 hour for 1M), while IVF trains k-means on a sample and assigns every row with
matrix products (1M rows in 70 s at load 20); recall is tuned at query time (`probe`)
without rebuilding; faiss ships wheels for Linux, macOS and Windows, is maintained by
Meta (releases through 2026), and stores the rows once (1M x 100 = 400 MB + 8 MB ids).
See docs/frameworks.md for the measured recall and speed.

The index directory holds `index.faiss` and a manifest recording the SHA-256 of the
rows and words it was built from (`fingerprint`). Loading it for other vectors is
refused: its row numbers would name the wrong words. Hashing 400 MB costs about a
second, so the manifest also keeps the size and modification time of the vectors'
files; when they are unchanged the recorded hash is trusted (as `git status` trusts
unchanged file stats), otherwise the rows are hashed again and compared.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts.arrays import require_usable_matrix
from embcli.artifacts.manifest_values import manifest_int, manifest_table
from embcli.artifacts import (
    artifact_member,
    check_output,
    manifest_reference,
    read_manifest,
    staged_directory,
    write_manifest,
)
from embcli.embeddings import Embeddings, load_embeddings
from embcli.errors import ConfigError, FormatError, InputError
from embcli.progress import SILENT, Progress

INDEX_KIND = "ann-index"
INDEX_FILE = "index.faiss"
HASH_BLOCK_ROWS = 65536
FAISS_POINTS_PER_CELL = 39  # faiss warns (on stderr, unasked) when k-means has fewer training rows per cell
FAISS_MISSING = "the approximate index needs faiss; install it with: pip install 'embcli[ann]'"


@dataclass(frozen=True)
class IndexConfig:
    """How the IVF index is built and searched."""

    lists: int | None = None  # k-means cells; None: sqrt(rows), at least 1
    probe: int = 32  # cells scanned per query (the recall/speed knob; can be changed at query time)
    train_rows: int = 100_000  # rows sampled to train k-means (at least 39 per cell, faiss's advice)
    seed: int = 1

    def validate(self, rows: int) -> None:
        if self.lists is not None and not 1 <= self.lists <= rows:
            raise ConfigError(f"--lists must be between 1 and the number of rows ({rows}), got {self.lists}")
        if self.probe < 1:
            raise ConfigError(f"--probe must be at least 1, got {self.probe}")
        if self.train_rows < 1:
            raise ConfigError(f"--train-rows must be at least 1, got {self.train_rows}")

    def lists_for(self, rows: int) -> int:
        return self.lists if self.lists is not None else max(1, int(round(math.sqrt(rows))))


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise InputError(FAISS_MISSING) from None
    return faiss


# ---------------------------------------------------------------------------
# the rows an index belongs to


def vectors_fingerprint(embeddings: Embeddings) -> str:
    """SHA-256 of the float32 rows (row-major, little-endian) followed by the words, one per line."""
    digest = hashlib.sha256()
    for start in range(0, len(embeddings), HASH_BLOCK_ROWS):
        block = np.ascontiguousarray(embeddings.vectors[start : start + HASH_BLOCK_ROWS], dtype="<f4")
        digest.update(memoryview(block).cast("B"))
    digest.update("\n".join(embeddings.words).encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def source_stats(embeddings: Embeddings) -> list[list[Any]] | None:
    """(name, size, mtime_ns) of the files the vectors were read from, or None when not from files."""
    source = Path(embeddings.source) if embeddings.source else None
    if source is None or not source.exists():
        return None
    files = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [source]
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def unit_rows(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, np.finfo(np.float32).tiny), dtype=np.float32)


# ---------------------------------------------------------------------------
# building


def build_index(vectors: Path | str | Embeddings, output: Path | str, config: IndexConfig = IndexConfig(), *,
                force: bool = False, progress: Progress = SILENT) -> dict[str, Any]:
    """Build the IVF index of `vectors` into the directory `output`; returns its manifest."""
    faiss = _faiss()
    inputs = () if isinstance(vectors, Embeddings) else (vectors,)
    check_output(Path(output), force=force, kind=INDEX_KIND, inputs=inputs)
    embeddings = vectors if isinstance(vectors, Embeddings) else load_embeddings(vectors)
    inputs = inputs or ((embeddings.source,) if embeddings.source else ())
    rows, dim = len(embeddings), embeddings.dim
    require_usable_matrix(embeddings.vectors, embeddings.source or "the vectors", "index")
    config.validate(rows)
    lists = config.lists_for(rows)
    started = time.perf_counter()
    with staged_directory(Path(output), force=force, kind=INDEX_KIND, inputs=inputs) as staging:
        progress.note(f"hashing {rows:,} rows")
        fingerprint = vectors_fingerprint(embeddings)
        rng = np.random.default_rng(config.seed)
        sample_size = min(rows, max(config.train_rows, FAISS_POINTS_PER_CELL * lists))
        sample = np.sort(rng.choice(rows, sample_size, replace=False)) if sample_size < rows else np.arange(rows)
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = config.seed
        per_cell = sample_size // lists
        if per_cell < FAISS_POINTS_PER_CELL:  # a small model: say so once, in embcli's voice (quiet with -q)
            index.cp.min_points_per_centroid = max(1, per_cell)
            progress.note(f"{sample_size:,} rows for {lists:,} cells: fewer than {FAISS_POINTS_PER_CELL} train each "
                          "cell, so the cells are rough")
        progress.note(f"training {lists:,} cells on {sample_size:,} rows")
        index.train(unit_rows(embeddings.vectors[sample]))
        with progress.bar(rows, "indexing", unit="rows") as bar:
            for start in range(0, rows, HASH_BLOCK_ROWS):
                block = unit_rows(embeddings.vectors[start : start + HASH_BLOCK_ROWS])
                index.add_with_ids(block, np.arange(start, start + len(block), dtype=np.int64))
                bar.update(len(block))
        faiss.write_index(index, str(staging / INDEX_FILE))
        parents = [manifest_reference(Path(embeddings.source))] if _is_artifact(embeddings.source) else []
        return write_manifest(staging, INDEX_KIND, config={**asdict(config), "lists": lists, "library": "faiss",
                                                           "index": "IVFFlat", "metric": "cosine"},
                              inputs={"vectors": embeddings.source, "fingerprint": fingerprint,
                                      "source_stats": source_stats(embeddings)},
                              parents=parents, files={"index": INDEX_FILE},
                              counts={"rows": rows, "dim": dim, "train_rows": sample_size},
                              timings={"seconds": round(time.perf_counter() - started, 3)})


def _is_artifact(source: str) -> bool:
    return bool(source) and Path(source).is_dir() and (Path(source) / "manifest.json").exists()


# ---------------------------------------------------------------------------
# searching


class ApproximateIndex:
    """A loaded index and the embeddings it belongs to; also gensim's `indexer` interface (`most_similar`)."""

    def __init__(self, index: Any, embeddings: Embeddings, manifest: dict[str, Any]) -> None:
        self.index, self.embeddings, self.manifest = index, embeddings, manifest
        self.index.nprobe = manifest_int(manifest_table(manifest, "config", "the index manifest"), "probe",
                                         "the index manifest: config", at_least=1, at_most=1 << 31,
                                         default=IndexConfig.probe)

    @property
    def probe(self) -> int:
        return int(self.index.nprobe)

    @probe.setter
    def probe(self, value: int) -> None:
        if value < 1:
            raise ConfigError(f"--probe must be at least 1, got {value}")
        self.index.nprobe = int(value)

    def search(self, targets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows (int64, -1 where fewer were found) and cosines (float32) of the k nearest rows, (m, k) each."""
        scores, rows = self.index.search(unit_rows(np.atleast_2d(targets)), int(k))
        return rows, scores

    def neighbors(self, targets: np.ndarray, k: int, exclude: Sequence[Sequence[int]] = ()
                  ) -> list[list[tuple[int, float]]]:
        """`approximate_neighbors` of this index (what `answer_queries(index=...)` calls)."""
        return approximate_neighbors(self, targets, k, exclude)

    def most_similar(self, vector: np.ndarray, num_neighbors: int) -> list[tuple[str, float]]:
        """gensim's indexer protocol: the `num_neighbors` nearest (word, cosine) to `vector`."""
        rows, scores = self.search(vector, num_neighbors)
        words = self.embeddings.index_to_key
        return [(words[row], float(score)) for row, score in zip(rows[0].tolist(), scores[0].tolist()) if row >= 0]


def approximate_neighbors(index: ApproximateIndex, targets: np.ndarray, k: int,
                          exclude: Sequence[Sequence[int]] = ()) -> list[list[tuple[int, float]]]:
    """The k best (row, cosine) of each target, rows in `exclude[q]` left out: `scan_top`'s answer, approximately.

    Asks the index for k + len(exclude[q]) rows so that leaving the query's own words out still leaves k.
    """
    extra = max((len(rows) for rows in exclude), default=0)
    rows, scores = index.search(targets, k + extra)
    answers = []
    for q in range(rows.shape[0]):
        excluded = set(exclude[q]) if q < len(exclude) else set()
        found = [(row, score) for row, score in zip(rows[q].tolist(), scores[q].tolist())
                 if row >= 0 and row not in excluded]
        answers.append(found[:k])
    return answers


def load_index(directory: Path | str, embeddings: Embeddings) -> ApproximateIndex:
    """Open the index in `directory` for `embeddings`; refused (FormatError) if it was built from other vectors."""
    directory = Path(directory)
    manifest = read_manifest(directory, INDEX_KIND)
    where = directory / "manifest.json"
    inputs, counts = manifest_table(manifest, "inputs", where), manifest_table(manifest, "counts", where)
    if counts.get("rows") != len(embeddings) or counts.get("dim") != embeddings.dim \
            or not _same_rows(inputs, embeddings):
        raise FormatError(f"{directory} was built from other vectors ({inputs.get('vectors')}, {counts.get('rows')} "
                          f"rows), not {embeddings.source or 'these vectors'}; rebuild it with: embcli index "
                          f"{embeddings.source or 'VECTORS'} -o {directory} --force")
    faiss = _faiss()
    path = artifact_member(directory, manifest_table(manifest, "files", where).get("index", INDEX_FILE), "files.index")
    try:
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError as exc:
        raise FormatError(f"{path}: not a readable faiss index ({str(exc).splitlines()[0]}); rebuild it") from None
    check_index_rows(path, index, embeddings)
    return ApproximateIndex(index, embeddings, manifest)


def check_index_rows(path: Path, index: Any, embeddings: Embeddings) -> None:
    """Refuse an index whose size, width or stored row ids do not fit the vectors (checked once, at load)."""
    faiss = _faiss()
    rows = len(embeddings)
    problem = None
    if index.d != embeddings.dim or index.ntotal != rows:
        problem = f"{index.ntotal} rows of {index.d} dimensions"
    else:
        try:
            lists = faiss.extract_index_ivf(index).invlists
        except RuntimeError:
            lists, problem = None, "not an IVF index"
        for cell in range(lists.nlist if lists is not None else 0):
            size = lists.list_size(cell)
            if size:
                ids = faiss.rev_swig_ptr(lists.get_ids(cell), size)
                if int(ids.min()) < 0 or int(ids.max()) >= rows:
                    problem = f"row id {int(ids.max()) if ids.max() >= rows else int(ids.min())} in cell {cell}"
                    break
    if problem:
        raise FormatError(f"{path}: {problem} do not fit {rows} vectors of {embeddings.dim} dimensions; rebuild it "
                          "with embcli index")


def _same_rows(inputs: dict[str, Any], embeddings: Embeddings) -> bool:
    """Unchanged source files (same names, sizes, times) keep the recorded hash; anything else is hashed again."""
    if inputs.get("source_stats") is not None and inputs.get("source_stats") == source_stats(embeddings):
        return True
    return inputs.get("fingerprint") == vectors_fingerprint(embeddings)
