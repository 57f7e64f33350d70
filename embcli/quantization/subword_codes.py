"""A fastText model's n-gram table, quantized with the vocabulary's codec, and read back row by row.

Why: the n-gram table (buckets x dim float32, 800 MB at fastText's 2M
buckets x 100 dims) is almost all of a fastText model. `embcli quantize`
encodes it with the same codec as the word vectors (int8 codes + scales, or
PQ codes + codebooks) so the small model still composes vectors for unseen
words. `EncodedRows` decodes only the rows a word asks for, so loading a
quantized model never rebuilds the float32 table.

Files (named in the manifest's `subwords.quantized` section): int8
`ngram_codes.npy` + `ngram_scales.npy`; PQ `ngram_codes.npy` + `ngram_codebooks.npy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embcli.quantization.codecs import dequantize_pq, quantize_int8, train_product_quantizer

NGRAM_CODES = "ngram_codes.npy"
NGRAM_SCALES = "ngram_scales.npy"
NGRAM_CODEBOOKS = "ngram_codebooks.npy"
NGRAM_FILES = {"int8": (NGRAM_CODES, NGRAM_SCALES), "pq": (NGRAM_CODES, NGRAM_CODEBOOKS)}


def encode_ngram_table(ngrams: np.ndarray, method: str, *, scale: str = "row", subspaces: int = 0,
                       pq_options: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """The n-gram table's arrays under `method` ('int8' or 'pq'), keyed by file name."""
    if method == "int8":
        codes, scales = quantize_int8(ngrams, scale)
        return {NGRAM_CODES: codes, NGRAM_SCALES: scales}
    codes, codebooks = train_product_quantizer(ngrams, subspaces, **(pq_options or {}))
    return {NGRAM_CODES: codes, NGRAM_CODEBOOKS: codebooks}


class EncodedRows:
    """Read-only, row-indexable view of an encoded table: `rows[indices]` decodes just those rows (float32).

    >>> codes, scales = quantize_int8(np.array([[1.0, -0.5], [0.0, 2.0]], dtype=np.float32))
    >>> table = EncodedRows("int8", {NGRAM_CODES: codes, NGRAM_SCALES: scales})
    >>> table.shape, table[np.array([1])].round(2).tolist()
    ((2, 2), [[0.0, 2.0]])
    """

    def __init__(self, method: str, arrays: dict[str, np.ndarray]) -> None:
        self.method = method
        self.codes = arrays[NGRAM_CODES]
        self.side = arrays[NGRAM_FILES[method][1]]  # int8 scales, or PQ codebooks
        fits = self.codes.ndim == 2 and (method == "int8" or self.side.ndim == 3)
        width = (self.codes.shape[1] if method == "int8" else self.side.shape[0] * self.side.shape[2]) if fits else 0
        self.shape = (int(self.codes.shape[0]) if self.codes.ndim else 0, int(width))
        self.row_scaled = method == "int8" and self.side.shape == (self.codes.shape[0],)

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:  # the whole table (e.g. for export)
        table = self[slice(None)]
        return table if dtype is None else table.astype(dtype)

    def __getitem__(self, rows: Any) -> np.ndarray:
        codes = self.codes[rows]
        if self.method == "pq":
            return dequantize_pq(np.atleast_2d(codes), self.side).reshape(np.shape(codes)[:-1] + (self.shape[1],))
        scales = self.side[rows][..., None] if self.row_scaled else self.side
        return codes.astype(np.float32) * np.asarray(scales, dtype=np.float32)

    def check(self) -> str | None:
        """What is wrong with the arrays (None if they fit together)."""
        if self.codes.ndim != 2:
            return f"codes of shape {self.codes.shape}"
        if self.method == "int8":
            if self.codes.dtype != np.int8 or self.side.dtype.kind != "f" \
                    or self.side.shape not in ((self.codes.shape[0],), (self.codes.shape[1],)):
                return f"int8 codes {self.codes.shape} {self.codes.dtype} and scales {self.side.shape}"
        elif (self.codes.dtype != np.uint8 or self.side.ndim != 3 or self.side.dtype.kind != "f"
              or self.side.shape[0] != self.codes.shape[1]
              or (self.codes.size and int(self.codes.max()) >= self.side.shape[1])):
            return f"PQ codes {self.codes.shape} {self.codes.dtype} and codebooks {self.side.shape}"
        return None
