"""Quantization codecs: int8 and product quantization of any float32 matrix, pure numpy (+ scikit-learn's k-means).

Used for the rows of word vectors (`embcli quantize`, read back by
`embcli.embeddings.quantized_dir`) and reusable for any other matrix (such
as a fastText n-gram table). Array names are those of the `quantized`
artifact:

- int8: `codes.npy` (int8, n x dim) and `scales.npy` (float32, n for
  `scale="row"`, dim for `scale="dim"`); a value is `code * scale`, with
  `scale = max|x| / 127` over its row (or dimension), so the error of every
  value is at most `scale / 2`;
- pq: `codes.npy` (uint8, n x M) and `codebooks.npy` (float32,
  M x 256 x dim/M); row i is the concatenation of
  `codebooks[m, codes[i, m]]` over the M sub-spaces, each codebook being a
  k-means (scikit-learn) of that slice of the rows.
"""

from __future__ import annotations

import numpy as np

from embcli.errors import ConfigError
from embcli.progress import SILENT, Progress

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
# decoding and error


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
