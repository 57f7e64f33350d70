"""The co-occurrence artifact: reading it (checked before any kernel sees it) and writing it as a stream.

Artifact (kind `cooccurrence`), sorted by (row, col), one entry per nonzero cell:

- `rows.npy`: int32 row word ids (the vocabulary index, as in the corpus);
- `cols.npy`: int32 column (context) word ids;
- `values.npy`: float64 weighted counts (sum of 1/distance);
- `vocab.tsv`: the corpus vocabulary the ids index;
- `manifest.json`: window, weighting, symmetry, nonzeros, and the corpus manifest's hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import load_npy, manifest_reference, peak_rss_mb, read_manifest, write_manifest
from embcli.config import CooccurConfig, as_dict
from embcli.cooccurrence.keys import CellLayout
from embcli.corpus.token_corpus import TokenCorpus
from embcli.corpus.vocabulary import Vocabulary, read_vocabulary, write_vocabulary
from embcli.errors import FormatError
from embcli.kernels.cooccur_kernels import split_cells
from embcli.npy_stream import NpyStreamWriter, scan_blocks

COOCCURRENCE_KIND = "cooccurrence"
ROWS_NAME = "rows.npy"
COLS_NAME = "cols.npy"
VALUES_NAME = "values.npy"
VOCAB_NAME = "vocab.tsv"
WEIGHTING = "harmonic"  # a pair at distance d adds 1/d
REMEDY = "re-run embcli cooccur (or remove the directory)"
MATRIX_BYTES_PER_CELL = 16  # int32 row + int32 col + float64 value


# ---------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class Cooccurrence:
    """A co-occurrence matrix in COO form, sorted by (row, col); every row and col indexes `vocab`."""

    directory: Path
    manifest: dict[str, Any]
    vocab: Vocabulary
    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    values: np.ndarray  # float64, positive and finite

    @property
    def nnz(self) -> int:
        return int(self.rows.shape[0])


def load_cooccurrence(directory: Path, *, mmap: bool = False) -> Cooccurrence:
    """Open a directory made by `embcli cooccur` (or cached by `train --model glove`), checking every entry.

    Rows and cols must index the artifact's vocabulary and values must be
    positive and finite: consumers index parameter rows by them. The check
    reads the arrays once, front to back (memory-mapped ones without keeping their pages).
    """
    directory = Path(directory)
    manifest = read_manifest(directory, COOCCURRENCE_KIND)
    vocab = read_vocabulary(directory / VOCAB_NAME)
    arrays = []
    for name, dtype in ((ROWS_NAME, np.int32), (COLS_NAME, np.int32), (VALUES_NAME, np.float64)):
        path = directory / name
        array = load_npy(path, mmap=mmap, remedy=REMEDY)
        if array.dtype != dtype or array.ndim != 1:
            raise FormatError(f"{path}: expected a 1-D {np.dtype(dtype)} array, found {array.ndim}-D {array.dtype}; {REMEDY}")
        arrays.append(array)
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else {}
    if not (len(arrays[0]) == len(arrays[1]) == len(arrays[2]) == counts.get("nnz")):
        raise FormatError(f"{directory}: rows, cols and values disagree with the manifest's nnz; {REMEDY}")
    matrix = Cooccurrence(directory, manifest, vocab, *arrays)
    check_entries(matrix)
    return matrix


def check_entries(matrix: Cooccurrence) -> None:
    """Refuse a row or col outside the vocabulary, or a value that is not a positive finite number."""
    vocab_size = len(matrix.vocab)
    for name, ids in ((ROWS_NAME, matrix.rows), (COLS_NAME, matrix.cols)):
        for start, block in scan_blocks(ids):
            if int(block.min()) < 0 or int(block.max()) >= vocab_size:
                position = start + int(np.argmax((block < 0) | (block >= vocab_size)))
                raise FormatError(f"{matrix.directory / name}: word id {int(ids[position])} at entry {position} is outside "
                                  f"the vocabulary ({vocab_size} words in {VOCAB_NAME}); {REMEDY}")
    for start, block in scan_blocks(matrix.values):
        if not (block.min() > 0 and np.isfinite(block.max())):
            position = start + int(np.argmax(~((block > 0) & np.isfinite(block))))
            raise FormatError(f"{matrix.directory / VALUES_NAME}: value {float(matrix.values[position])!r} at entry "
                              f"{position} is not a positive finite count; {REMEDY}")


# ---------------------------------------------------------------------------
# writing


class MatrixWriter:
    """A sink for merged runs (cell keys, unit-weight sums) that decodes them into rows/cols/values.npy."""

    def __init__(self, directory: Path, layout: CellLayout) -> None:
        self.layout = layout
        self.files = [NpyStreamWriter(directory / ROWS_NAME, np.int32), NpyStreamWriter(directory / COLS_NAME, np.int32),
                      NpyStreamWriter(directory / VALUES_NAME, np.float64)]

    def __call__(self, keys: np.ndarray, sums: np.ndarray) -> None:
        rows = np.empty(len(keys), dtype=np.int32)
        cols = np.empty(len(keys), dtype=np.int32)
        values = np.empty(len(keys), dtype=np.float64)
        split_cells(keys, sums, self.layout.vocab_size, float(self.layout.scale), rows, cols, values)
        for writer, block in zip(self.files, (rows, cols, values)):
            writer.write(block)

    @property
    def nnz(self) -> int:
        return self.files[0].length

    def close(self) -> None:
        for writer in self.files:
            writer.close()


def write_matrix_manifest(directory: Path, corpus: TokenCorpus, config: CooccurConfig, *, nnz: int,
                          counts: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    """Write `vocab.tsv` and (last) `manifest.json` beside the matrix files; shared by every counting engine.

    `sections` add engine-specific blocks (timings, spill, engine, ...).
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
