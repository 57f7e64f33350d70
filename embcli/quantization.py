"""Compressing word vectors: int8 scaled codes or product quantization (PQ).

A quantized artifact is a directory of kind `quantized`:

- `vocab.tsv`: the source vocabulary, in the same row order;
- int8: `codes.npy` (int8, n x dim) and `scales.npy` (float32, n for
  `--scale row`, dim for `--scale dim`); a value is `code * scale`, with
  `scale = max|x| / 127` over its row (or dimension), so the error of every
  value is at most `scale / 2`;
- pq: `codes.npy` (uint8, n x M) and `codebooks.npy` (float32,
  M x 256 x dim/M); row i is the concatenation of
  `codebooks[m, codes[i, m]]` over the M sub-spaces, each codebook being a
  k-means (scikit-learn) of that slice of the rows;
- `manifest.json`: method, resolved config, sizes, reconstruction error and
  a reference to the source vectors' manifest.

Readers (`embcli.vectors.load_embeddings`, hence eval, neighbors, analogy,
embed and plot) dequantize on load into a float32 matrix: at vocabulary
sizes that fit a machine this is simplest and makes every consumer exact
with respect to the stored codes. The compression is of the shipped files,
not of the reader's memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import MANIFEST_NAME, check_output, load_npy, describe_file, manifest_reference, staged_directory, write_manifest
from embcli.config import EvalConfig, QuantizeConfig, as_dict
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.errors import ConfigError, FormatError, InputError
from embcli.progress import SILENT, Progress
from embcli.vectors import VECTORS_NPY, VOCAB_NAME, Embeddings, load_embeddings

QUANTIZED_KIND = "quantized"
CODES_NAME = "codes.npy"
SCALES_NAME = "scales.npy"
CODEBOOKS_NAME = "codebooks.npy"
INT8_LIMIT = 127  # symmetric: codes in [-127, 127], so -x is always representable
MIN_SUBSPACE_WIDTH = 4  # default PQ sub-space width (dims per sub-space)


# ---------------------------------------------------------------------------
# int8


def quantize_int8(vectors: np.ndarray, scale: str = "row") -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 codes and float32 scales, per row (n,) or per dimension (dim,).

    >>> codes, scales = quantize_int8(np.array([[1.0, -0.5], [0.0, 0.0]], dtype=np.float32))
    >>> codes.tolist(), scales.tolist()
    ([[127, -64], [0, 0]], [0.007874015718698502, 0.0])
    """
    matrix = np.asarray(vectors, dtype=np.float32)
    axis = 1 if scale == "row" else 0
    scales = (np.abs(matrix).max(axis=axis) / INT8_LIMIT).astype(np.float32)
    divisor = np.where(scales > 0, scales, 1.0).astype(np.float32)
    divisor = divisor[:, None] if axis == 1 else divisor[None, :]
    codes = np.clip(np.rint(matrix / divisor), -INT8_LIMIT, INT8_LIMIT).astype(np.int8)
    return codes, scales


def dequantize_int8(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """float32 (n, dim) from int8 codes and row (n,) or dimension (dim,) scales."""
    codes = np.asarray(codes)
    scales = np.asarray(scales, dtype=np.float32)
    if scales.shape == (codes.shape[0],):
        return codes.astype(np.float32) * scales[:, None]
    return codes.astype(np.float32) * scales[None, :]


# ---------------------------------------------------------------------------
# product quantization


def default_subspaces(dim: int) -> int:
    """M for sub-spaces of 4 dims, or of the next width that divides `dim` (dim 100 -> 25, dim 30 -> 6)."""
    for width in range(MIN_SUBSPACE_WIDTH, dim + 1):
        if dim % width == 0:
            return dim // width
    return 1


def check_subspaces(subspaces: int, dim: int) -> None:
    if subspaces < 1:
        raise ConfigError(f"--subspaces must be at least 1, got {subspaces}")
    if subspaces > dim:
        raise ConfigError(f"--subspaces {subspaces} is more than the {dim} dimensions of the vectors; "
                          f"use a divisor of {dim} such as {default_subspaces(dim)}")
    if dim % subspaces:
        divisors = [m for m in range(1, dim + 1) if dim % m == 0]
        raise ConfigError(f"--subspaces {subspaces} does not divide the {dim} dimensions of the vectors; "
                          f"choose one of {', '.join(map(str, divisors))}")


def train_product_quantizer(
    vectors: np.ndarray, subspaces: int, *, centroids: int = 256, iterations: int = 20, train_rows: int = 100_000,
    seed: int = 1, workers: int | None = None, progress: Progress = SILENT,
) -> tuple[np.ndarray, np.ndarray]:
    """PQ codes (uint8, n x M) and codebooks (float32, M x centroids x dim/M).

    Each sub-space is clustered with scikit-learn's KMeans (k-means++, one
    init, seeded) on at most `train_rows` rows; then every row takes its
    nearest centroid. With fewer rows than centroids, every row is its own
    centroid and the unused centroids repeat the last one.
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = matrix.shape
    check_subspaces(subspaces, dim)
    if not 1 <= centroids <= 256:
        raise ConfigError(f"PQ needs 1 to 256 centroids per sub-space (codes are uint8), got {centroids}")
    width = dim // subspaces
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=train_rows, replace=False)) if n > train_rows else np.arange(n)
    k = min(centroids, len(sample))
    codes = np.empty((n, subspaces), dtype=np.uint8)
    codebooks = np.empty((subspaces, centroids, width), dtype=np.float32)
    with threadpool_limits(limits=workers), progress.bar(subspaces, "k-means", unit="subspace") as bar:
        for m in range(subspaces):
            block = matrix[:, m * width : (m + 1) * width]
            kmeans = KMeans(n_clusters=k, n_init=1, max_iter=iterations, random_state=seed + m)
            kmeans.fit(block[sample])
            codebooks[m, :k] = kmeans.cluster_centers_
            codebooks[m, k:] = kmeans.cluster_centers_[-1]
            codes[:, m] = kmeans.predict(block)
            bar.update(1)
    return codes, codebooks


def dequantize_pq(codes: np.ndarray, codebooks: np.ndarray) -> np.ndarray:
    """float32 (n, M * width): each row's sub-space centroids side by side."""
    subspaces, _, width = codebooks.shape
    out = np.empty((codes.shape[0], subspaces * width), dtype=np.float32)
    for m in range(subspaces):
        out[:, m * width : (m + 1) * width] = codebooks[m][codes[:, m]]
    return out


# ---------------------------------------------------------------------------
# the artifact


def quantize_vectors(
    source: Path, output: Path, config: QuantizeConfig, *, vocab_path: Path | None = None, force: bool = False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Quantize the vectors at `source` into a `quantized` directory at `output`; returns its manifest."""
    started = time.perf_counter()
    check_output(output, force=force, kind=QUANTIZED_KIND, inputs=(source, vocab_path or "-"))
    embeddings = load_embeddings(source, vocab_path=vocab_path, mmap=False)
    if embeddings.extras.get("quantization"):
        raise InputError(f"{source} is already quantized; quantize the original vectors instead")
    if config.method == "pq":
        check_subspaces(config.subspaces or default_subspaces(embeddings.dim), embeddings.dim)
    if "subwords" in embeddings.extras:
        progress.note(f"{source} has fastText subword vectors; only the vocabulary's rows are quantized, so the "
                      f"quantized model has no vectors for unseen words")
    # A hashed corpus's bucket lookup needs only the vocabulary and this manifest section, so it carries over.
    hashing = {"hashing": embeddings.manifest["hashing"]} if (embeddings.manifest or {}).get("hashing") else {}
    vectors = np.asarray(embeddings.vectors, dtype=np.float32)
    with staged_directory(output, force=force, kind=QUANTIZED_KIND, inputs=(source, vocab_path or "-")) as staging:
        arrays = _encode(vectors, config, progress)
        for name, array in arrays.items():
            np.save(staging / name, array, allow_pickle=False)
        counts = embeddings.counts if embeddings.counts is not None else np.zeros(len(embeddings), dtype=np.int64)
        write_vocabulary(staging / VOCAB_NAME, Vocabulary(list(embeddings.words), counts))
        restored = decode_arrays(config.method, arrays)
        quantized_bytes = sum((staging / name).stat().st_size for name in arrays)
        source_bytes = float32_matrix_bytes(Path(source), vectors)
        parameters = {"scale": config.scale} if config.method == "int8" else {
            "subspaces": int(arrays[CODES_NAME].shape[1]), "centroids": config.centroids,
            "subspace_width": int(arrays[CODEBOOKS_NAME].shape[2])}
        return write_manifest(
            staging, QUANTIZED_KIND,
            method=config.method,
            parameters=parameters,
            config=as_dict(config),
            inputs={"vectors": _source_reference(Path(source))},
            counts={"vocab_size": len(embeddings), "dim": embeddings.dim},
            sizes={"source_bytes": source_bytes, "quantized_bytes": quantized_bytes,
                   "ratio": round(source_bytes / quantized_bytes, 3)},
            reconstruction=reconstruction_error(vectors, restored),
            files={**{name.removesuffix(".npy"): name for name in arrays}, "vocab": VOCAB_NAME},
            timings={"wall_seconds": round(time.perf_counter() - started, 3)},
            **hashing,
        )


def _encode(vectors: np.ndarray, config: QuantizeConfig, progress: Progress) -> dict[str, np.ndarray]:
    if config.method == "int8":
        codes, scales = quantize_int8(vectors, config.scale)
        return {CODES_NAME: codes, SCALES_NAME: scales}
    subspaces = config.subspaces or default_subspaces(vectors.shape[1])
    codes, codebooks = train_product_quantizer(
        vectors, subspaces, centroids=config.centroids, iterations=config.iterations, train_rows=config.train_rows,
        seed=config.seed, workers=config.workers, progress=progress)
    return {CODES_NAME: codes, CODEBOOKS_NAME: codebooks}


def decode_arrays(method: str, arrays: dict[str, np.ndarray]) -> np.ndarray:
    if method == "int8":
        return dequantize_int8(arrays[CODES_NAME], arrays[SCALES_NAME])
    return dequantize_pq(arrays[CODES_NAME], arrays[CODEBOOKS_NAME])


def reconstruction_error(original: np.ndarray, restored: np.ndarray) -> dict[str, float]:
    """How far dequantized rows are from the originals: relative RMS error and mean row cosine."""
    original = np.asarray(original, dtype=np.float64)
    restored = np.asarray(restored, dtype=np.float64)
    norms = np.linalg.norm(original, axis=1) * np.linalg.norm(restored, axis=1)
    nonzero = norms > 0
    cosines = np.einsum("ij,ij->i", original, restored)[nonzero] / norms[nonzero]
    total = float(np.linalg.norm(original))
    return {"relative_rms_error": float(np.linalg.norm(original - restored) / total) if total else 0.0,
            "mean_row_cosine": float(cosines.mean()) if cosines.size else 1.0,
            "max_abs_error": float(np.abs(original - restored).max()) if original.size else 0.0}


def float32_matrix_bytes(source: Path, vectors: np.ndarray) -> int:
    """Size of the source's float32 matrix file (`vectors.npy`), or of the raw matrix if there is none."""
    matrix_file = source / VECTORS_NPY if source.is_dir() else source
    if matrix_file.suffix == ".npy" and matrix_file.exists():
        return matrix_file.stat().st_size
    return int(vectors.shape[0]) * int(vectors.shape[1]) * 4


def _source_reference(source: Path) -> dict[str, Any]:
    if source.is_dir() and (source / MANIFEST_NAME).exists():
        return manifest_reference(source)
    return describe_file(source)


def evaluation_drop(original: Embeddings, quantized: Embeddings, *, suite: str = "standard",
                    eval_config: EvalConfig | None = None, progress: Progress = SILENT) -> dict[str, list[dict[str, Any]]]:
    """Scores of the original and the quantized vectors on `suite`, side by side (the eval stage's scoring).

    Similarity rows compare Spearman; analogy rows compare total accuracy per
    method (as fractions; `delta` is quantized minus original).
    """
    from embcli.evaluation.report import evaluate_embeddings, load_datasets

    config = eval_config or EvalConfig()
    similarity_sets, analogy_sets = load_datasets(suite=suite)
    before, after = (evaluate_embeddings(embeddings, similarity_sets, analogy_sets, config, progress=progress)
                     for embeddings in (original, quantized))
    similarity = [_compared(a.name, "spearman", a.spearman, b.spearman) for a, b in zip(before.similarity, after.similarity)]
    analogy = [_compared(a.name, method, a.summary(method)["accuracy"], b.summary(method)["accuracy"])
               for a, b in zip(before.analogy, after.analogy) for method in a.methods]
    return {"similarity": similarity, "analogy": analogy}


def _compared(name: str, measure: str, before: float | None, after: float | None) -> dict[str, Any]:
    delta = None if before is None or after is None else after - before
    return {"name": name, "measure": measure, "original": before, "quantized": after, "delta": delta}


def load_quantized_directory(directory: Path, manifest: dict[str, Any], mmap: bool = True) -> Embeddings:
    """Read a `quantized` directory into float32 Embeddings (dequantized once, here)."""
    from embcli.corpus.vocabulary import read_vocabulary

    method = manifest.get("method")
    needed = {"int8": (CODES_NAME, SCALES_NAME), "pq": (CODES_NAME, CODEBOOKS_NAME)}.get(str(method))
    if needed is None:
        raise FormatError(f"{directory / MANIFEST_NAME}: unknown quantization method {method!r}; upgrade embcli")
    arrays = {name: load_npy(directory / name, remedy="re-run embcli quantize") for name in needed}
    codes = arrays[CODES_NAME]
    if method == "int8":
        scales = arrays[SCALES_NAME]
        if codes.dtype != np.int8 or codes.ndim != 2 or scales.shape not in ((codes.shape[0],), (codes.shape[1],)):
            raise FormatError(f"{directory}: int8 codes {codes.shape} {codes.dtype} and scales {scales.shape} "
                              f"do not fit together; re-run embcli quantize")
    else:
        codebooks = arrays[CODEBOOKS_NAME]
        if (codes.dtype != np.uint8 or codes.ndim != 2 or codebooks.ndim != 3 or codebooks.shape[0] != codes.shape[1]
                or (codes.size and int(codes.max()) >= codebooks.shape[1])):
            raise FormatError(f"{directory}: PQ codes {codes.shape} {codes.dtype} and codebooks {codebooks.shape} "
                              f"do not fit together; re-run embcli quantize")
    vocab = read_vocabulary(directory / VOCAB_NAME)
    vectors = decode_arrays(str(method), arrays)
    embeddings = Embeddings(vocab.tokens, vectors, vocab.counts, manifest=manifest, source=str(directory),
                            extras={"quantization": method})
    if manifest.get("hashing"):
        from embcli.corpus.hashing import HashedLookup

        embeddings.extras["hashing"] = HashedLookup(embeddings.words, manifest["hashing"])
    return embeddings
