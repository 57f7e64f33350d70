"""`embcli export`: vectors in the files other tools load (PyTorch, Keras, TensorBoard, fastText, gensim).

Every format keeps embcli's row order: row i is vocabulary index i, `<unk>` at 0
(the row a model uses for unseen tokens). The options change that matrix first,
in this order: `top` keeps the first N rows, `normalize` scales rows to unit
length, `padding` prepends an all-zero `<pad>` row at index 0 (so `padding_idx=0`
works and every other index grows by one), `dtype` stores float16 or float32.

Formats that are one file (`word2vec`, `word2vec-binary`, `glove`, `fasttext-bin`)
are written to OUT; the others make OUT a directory with a `manifest.json`
(kind `export`) naming its files:

- `safetensors`: `embeddings.safetensors` (one tensor `embeddings`, the vocabulary
  in its metadata as JSON) and `vocab.tsv`;
- `npy`: `vectors.npy` and `vocab.tsv` (what a vectors directory holds);
- `projector`: TensorBoard's Embedding Projector files `tensors.tsv`,
  `metadata.tsv` (`word<TAB>count` header) and `projector_config.pbtxt`.

Output is staged beside OUT and renamed into place, so a failure leaves nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from embcli.artifacts import check_output, describe_file, manifest_reference, staged_directory, staged_file, write_manifest
from embcli.artifacts.arrays import require_usable_matrix
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.errors import ConfigError, InputError
from embcli.progress import SILENT, Progress
from embcli.embeddings import Embeddings, load_embeddings
from embcli.embeddings.binary_format import write_word2vec_binary
from embcli.embeddings.text_format import write_word2vec_text

ExportFormat = Literal["safetensors", "npy", "word2vec", "word2vec-binary", "glove", "projector", "fasttext-bin"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
SINGLE_FILE_FORMATS = ("word2vec", "word2vec-binary", "glove", "fasttext-bin")
OUTPUT_KINDS = {"word2vec": "vector-text", "glove": "vector-text", "word2vec-binary": "vector-binary",
                "fasttext-bin": "vector-binary"}  # file kinds
EXPORT_KIND = "export"
PAD = "<pad>"
PROJECTOR_DEFAULT_TOP = 10_000
SAFETENSORS_NAME = "embeddings.safetensors"
SAFETENSORS_TENSOR = "embeddings"


@dataclass(frozen=True)
class ExportOptions:
    """How `export_embeddings` shapes the matrix before writing it."""

    format: ExportFormat = "npy"
    padding: bool = False  # prepend an all-zero `<pad>` row at index 0; other rows shift by one
    top: int | None = None  # keep the first N rows (most frequent words); projector: 10,000 unless given
    normalize: bool = False  # scale every row to unit length (zero rows stay zero)
    dtype: Literal["float32", "float16"] = "float32"

    def validate(self) -> None:
        if self.format not in EXPORT_FORMATS:
            raise ConfigError(f"unknown export format {self.format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
        if self.dtype not in ("float32", "float16"):
            raise ConfigError(f"--dtype must be float32 or float16, got {self.dtype!r}")
        if self.top is not None and self.top < 1:
            raise ConfigError(f"--top must be at least 1, got {self.top}")
        if self.dtype == "float16" and self.format in ("word2vec-binary", "fasttext-bin"):
            raise ConfigError(f"--dtype float16 does not apply to {self.format}, whose format stores float32; "
                              f"drop --dtype or export safetensors/npy")
        if self.format == "fasttext-bin" and (self.padding or self.normalize):
            raise ConfigError("--padding and --normalize do not apply to fasttext-bin: fastText composes unseen words "
                              "from n-gram rows, which would no longer match; export fasttext-bin without them")

    @property
    def rows_kept(self) -> int | None:
        return PROJECTOR_DEFAULT_TOP if self.top is None and self.format == "projector" else self.top


@dataclass
class ExportResult:
    """What an export wrote: the path, its files (role -> name) and the matrix shape."""

    path: Path
    format: str
    rows: int
    dim: int
    files: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


# ---------------------------------------------------------------------------
# the matrix a user gets


def export_matrix(embeddings: Embeddings, options: ExportOptions) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Words, rows and counts after `top`, `normalize`, `padding` and `dtype`, in that order.

    >>> toy = Embeddings(["<unk>", "cat"], np.array([[0, 0], [3, 4]], dtype=np.float32))
    >>> words, rows, counts = export_matrix(toy, ExportOptions(padding=True, normalize=True))
    >>> words, rows.tolist(), counts.tolist()
    (['<pad>', '<unk>', 'cat'], [[0.0, 0.0], [0.0, 0.0], [0.6000000238418579, 0.800000011920929]], [0, 0, 0])
    """
    size = len(embeddings) if options.rows_kept is None else min(options.rows_kept, len(embeddings))
    words = list(embeddings.words[:size])
    rows = np.asarray(embeddings.vectors[:size], dtype=np.float32)
    counts = np.zeros(size, np.int64) if embeddings.counts is None else np.asarray(embeddings.counts[:size], np.int64)
    if options.normalize:
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        rows = rows / np.maximum(norms, np.finfo(np.float32).tiny)
    if options.padding:
        if PAD in words:
            raise InputError(f"the vocabulary already has a '{PAD}' token (index {words.index(PAD)}); export without "
                             f"--padding and use that index as padding_idx")
        words = [PAD] + words
        rows = np.vstack([np.zeros((1, rows.shape[1]), np.float32), rows])
        counts = np.concatenate([[0], counts])
    return words, rows.astype(np.dtype(options.dtype), copy=False), counts


# ---------------------------------------------------------------------------
# the one entry point


def export_embeddings(vectors: Path | str | Embeddings, output: Path | str, format: ExportFormat = "npy", *,
                      padding: bool = False, top: int | None = None, normalize: bool = False,
                      dtype: Literal["float32", "float16"] = "float32", force: bool = False,
                      progress: Progress = SILENT) -> ExportResult:
    """Write `vectors` (any path `load_embeddings` reads, or an Embeddings) to `output` as `format`.

    >>> import tempfile
    >>> toy = Embeddings(["<unk>", "cat"], np.array([[0, 0], [3, 4]], dtype=np.float32))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = export_embeddings(toy, Path(tmp) / "out", "npy", padding=True)
    ...     sorted(result.files), np.load(Path(tmp) / "out" / "vectors.npy").tolist()
    (['vectors', 'vocab'], [[0.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    """
    options = ExportOptions(format=format, padding=padding, top=top, normalize=normalize, dtype=dtype)
    options.validate()
    output = Path(output)
    started = time.perf_counter()
    inputs = () if isinstance(vectors, Embeddings) else (vectors,)
    kind = OUTPUT_KINDS.get(options.format, EXPORT_KIND)
    check_output(output, force=force, kind=kind, inputs=inputs)  # before reading a multi-GB model
    embeddings = vectors if isinstance(vectors, Embeddings) else load_embeddings(vectors)
    require_usable_matrix(embeddings.vectors, embeddings.source or "the vectors", f"export --format {options.format}")
    if options.format == "fasttext-bin":
        from embcli.export_fasttext import write_fasttext_export

        with staged_file(output, force=force, kind=kind, inputs=inputs) as staging:
            rows = write_fasttext_export(staging, embeddings, top=options.top)
        return ExportResult(output, options.format, rows, embeddings.dim, {"model": output.name},
                            time.perf_counter() - started)
    words, matrix, counts = export_matrix(embeddings, options)
    if options.format in SINGLE_FILE_FORMATS:
        with staged_file(output, force=force, kind=kind, inputs=inputs) as staging:
            _write_single_file(staging, options.format, words, matrix, progress)
        files = {"vectors": output.name}
    else:
        with staged_directory(output, force=force, kind=EXPORT_KIND, inputs=inputs) as staging:
            files = DIRECTORY_WRITERS[options.format](staging, words, matrix, counts, progress)
            _write_export_manifest(staging, embeddings, options, files, matrix.shape, started)
    return ExportResult(output, options.format, int(matrix.shape[0]), int(matrix.shape[1]), files,
                        time.perf_counter() - started)


def _write_single_file(path: Path, format: str, words: list[str], matrix: np.ndarray, progress: Progress) -> None:
    if format == "word2vec-binary":
        write_word2vec_binary(path, words, matrix)
        return
    with progress.bar(matrix.shape[0], "writing", unit="rows") as bar:
        write_word2vec_text(path, words, matrix, header=format == "word2vec", on_rows=bar.update)


def _write_export_manifest(directory: Path, embeddings: Embeddings, options: ExportOptions, files: dict[str, str],
                           shape: tuple[int, ...], started: float) -> None:
    source = Path(embeddings.source) if embeddings.source else None
    inputs: dict[str, Any] = {"vectors": str(source) if source else None}
    parents = []
    if source is not None and source.is_dir() and (source / "manifest.json").exists():
        parents.append(manifest_reference(source))
    elif source is not None and source.is_file():
        inputs["vectors"] = describe_file(source)
    write_manifest(directory, EXPORT_KIND, config={**asdict(options), "rows_kept": options.rows_kept},
                   inputs=inputs, parents=parents, files=files,
                   counts={"rows": int(shape[0]), "dim": int(shape[1]), "padding_index": 0 if options.padding else None,
                           "unk_index": 1 if options.padding else 0},
                   timings={"seconds": round(time.perf_counter() - started, 3)})


# ---------------------------------------------------------------------------
# writers


def _write_vocab(directory: Path, words: list[str], counts: np.ndarray) -> str:
    write_vocabulary(directory / "vocab.tsv", Vocabulary(words, counts))
    return "vocab.tsv"


def write_npy_export(directory: Path, words: list[str], matrix: np.ndarray, counts: np.ndarray,
                     progress: Progress) -> dict[str, str]:
    np.save(directory / "vectors.npy", np.ascontiguousarray(matrix), allow_pickle=False)
    return {"vectors": "vectors.npy", "vocab": _write_vocab(directory, words, counts)}


def write_safetensors_export(directory: Path, words: list[str], matrix: np.ndarray, counts: np.ndarray,
                             progress: Progress) -> dict[str, str]:
    """One tensor `embeddings`; metadata holds the vocabulary (JSON list, index order) for loaders without embcli."""
    try:
        from safetensors.numpy import save_file
    except ImportError:
        raise InputError("the safetensors format needs the safetensors package; "
                         "install it with: pip install 'embcli[export]'") from None
    metadata = {"format": "embcli-embeddings", "vocab": json.dumps(words, ensure_ascii=False),
                "padding_idx": "0" if words and words[0] == PAD else "", "unk_idx": str(words.index("<unk>"))
                if "<unk>" in words else ""}
    save_file({SAFETENSORS_TENSOR: np.ascontiguousarray(matrix)}, str(directory / SAFETENSORS_NAME), metadata=metadata)
    return {"embeddings": SAFETENSORS_NAME, "vocab": _write_vocab(directory, words, counts)}


def write_projector_export(directory: Path, words: list[str], matrix: np.ndarray, counts: np.ndarray,
                           progress: Progress) -> dict[str, str]:
    """TensorBoard's Embedding Projector: tab-separated rows, `word<TAB>count` metadata, a config naming both."""
    with progress.bar(matrix.shape[0], "writing", unit="rows") as bar:
        write_word2vec_text(directory / "tensors.tsv", None, matrix, header=False, separator=b"\t",
                            on_rows=bar.update)
    with open(directory / "metadata.tsv", "w", encoding="utf-8", newline="\n") as handle:
        handle.write("word\tcount\n")
        handle.writelines(f"{word}\t{count}\n" for word, count in zip(words, counts.tolist()))
    (directory / "projector_config.pbtxt").write_text(
        'embeddings {\n  tensor_name: "embcli"\n  tensor_path: "tensors.tsv"\n  metadata_path: "metadata.tsv"\n}\n',
        encoding="utf-8")
    return {"tensors": "tensors.tsv", "metadata": "metadata.tsv", "config": "projector_config.pbtxt"}


DIRECTORY_WRITERS = {"npy": write_npy_export, "safetensors": write_safetensors_export,
                     "projector": write_projector_export}
