"""Sentence and document vectors from word vectors: one input line in, one row out.

Lines are tokenized exactly as the vectors' corpus was (the tokenizer
settings and stop words recorded inside the vectors artifact, never a path
it names; vectors that record none use preprocess's defaults, with a note),
then pooled:

- `mean`: the average of the known tokens' vectors;
- `sum`: their sum;
- `sif`: Arora, Liang & Ma (2017), "A simple but tough-to-beat baseline for
  sentence embeddings": the average weighted by `a / (a + p(w))`, p(w) being
  the word's corpus frequency from `vocab.tsv`, then the projection on the
  first principal component of all output rows (uncentred, as in the paper's
  code) removed.

Tokens outside the vocabulary take the vector the model gives them (a hashed
model's bucket row, a fastText model's n-gram mean: `Embeddings.rows_for` /
`composed_vectors`); the others are skipped, or with `oov="unk"` take the
`<unk>` row. A line with no token that has a vector gives a zero row and is
counted. The output is a float32
`.npy` of shape (lines, dim) plus a JSON sidecar (`OUT.npy.json`) with the
counts, the settings and, for SIF, the removed component.

Memory is bounded by the batch size: rows are pooled a batch at a time into a
raw staging file (the row count is unknown until the input ends), then copied
behind a `.npy` header, with the SIF projection removed during that copy.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from embcli.artifacts import (check_output, disk_full_error, library_versions, manifest_reference, staged_file,
                              staging_prefix)
from embcli.config import EmbedConfig, PreprocessConfig, as_dict
from embcli.corpus.readers import InputFile, LineSource
from embcli.corpus.tokenize import Tokenizer
from embcli.corpus.vocabulary import UNK
from embcli.doc2vec_inference import infer_token_lists, load_doc2vec
from embcli.embeddings import Embeddings, load_embeddings
from embcli.embeddings.tokenizer_settings import TOKENIZER_SECTION
from embcli.errors import ConfigError, FormatError, InputError
from embcli.progress import SILENT, Progress

SIDECAR_SUFFIX = ".json"
COPY_ROWS = 65_536  # rows per block when copying the staged rows behind the .npy header


@dataclass
class EmbedResult:
    lines: int  # input lines = output rows
    empty_rows: int  # lines with no known token (zero rows)
    tokens: int  # tokens seen
    oov_tokens: int  # tokens not in the vocabulary (skipped, or mapped to <unk>)
    first_component: np.ndarray | None  # SIF: the removed unit direction (dim,)
    tokenizer: dict[str, Any]  # the settings used and where they came from
    seconds: float
    resolved_tokens: int = 0  # tokens outside the vocabulary given a vector by the model (hash bucket, subwords)


@dataclass
class PooledBatch:
    rows: np.ndarray  # (lines, dim) float32
    oov_tokens: int  # tokens without a vector (skipped, or mapped to <unk>)
    empty_rows: int  # lines without any token that has a vector
    resolved_tokens: int  # unseen tokens the model resolved


# ---------------------------------------------------------------------------
# tokenizer of the vectors' corpus


def tokenizer_for(embeddings: Embeddings, progress: Progress = SILENT) -> tuple[Tokenizer, dict[str, Any]]:
    """The corpus's tokenizer as the vectors artifact records it, or preprocess's defaults (with a note)."""
    section = (embeddings.manifest or {}).get(TOKENIZER_SECTION)
    section = section if isinstance(section, dict) else {}
    if not embeddings.knows_tokenizer:
        progress.note(f"{embeddings.source} records no tokenizer settings (vectors made before embcli recorded them, "
                      f"or not by embcli train); tokenizing with preprocess's defaults")
        section = {key: value for key, value in as_dict(PreprocessConfig()).items() if key in _DESCRIBED}
    elif section.get("stopwords_missing"):
        progress.note(f"{embeddings.source}: the corpus's stop-word file was not stored with it, so stop words are "
                      f"not removed (they are out of vocabulary anyway)")
    described = {key: section.get(key) for key in _DESCRIBED}
    described["stopwords"] = section.get("stopwords_source", section.get("stopwords"))
    if embeddings.phrase_passes:  # a corpus made by `embcli phrases`: new text's phrases are joined as its were
        described["phrases"] = sum(map(len, embeddings.phrase_passes))
        return embeddings.text_tokenizer(), {"from": "vectors manifest", **described}
    return embeddings.tokenizer(), {"from": "vectors manifest" if embeddings.knows_tokenizer else "defaults",
                                    **described}


_DESCRIBED = ("tokenizer", "token_pattern", "lowercase", "nfkc", "stopwords")


# ---------------------------------------------------------------------------
# pooling


def token_weights(embeddings: Embeddings, config: EmbedConfig) -> np.ndarray | None:
    """SIF weights a / (a + p(w)) per row (float32), or None for mean/sum."""
    if config.pool != "sif":
        return None
    counts = embeddings.counts
    if counts is None or float(np.sum(counts)) <= 0:
        raise InputError(f"{embeddings.source}: SIF needs corpus word counts and these vectors have none (word2vec "
                         f"text/binary files carry no counts); use vectors made by embcli train, or --pool mean")
    probability = np.asarray(counts, dtype=np.float64) / float(np.sum(counts))
    return (config.sif_a / (config.sif_a + probability)).astype(np.float32)


def pool_lines(
    token_lists: list[list[str]], embeddings: Embeddings, pool: str, *, weights: np.ndarray | None = None,
    unk_row: int | None = None,
) -> PooledBatch:
    """One float32 row per token list; a list with no token that has a vector gives zeros.

    Tokens outside the vocabulary are resolved as the model resolves them (a hashed model's
    bucket row, a fastText model's n-gram vector, weighted as unseen: p(w) = 0 for SIF);
    the rest are skipped, or take `unk_row`.
    """
    index = embeddings.key_to_index
    unseen: dict[str, int | None] = {}  # unseen token -> its row, a column of `composed`, or None (no vector)
    composed: list[np.ndarray] = []
    ids: list[int] = []
    indptr = [0]
    oov = resolved = 0
    for tokens in token_lists:
        for token in tokens:
            row = index.get(token)
            if row is None:
                if token not in unseen:
                    unseen[token] = _unseen_column(embeddings, token, composed)
                row = unseen[token]
                if row is not None:
                    resolved += 1
                elif unk_row is None:
                    oov += 1
                    continue
                else:
                    row = unk_row
                    oov += 1
            ids.append(row)
        indptr.append(len(ids))
    columns = np.asarray(ids, dtype=np.int64)
    pointers = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(pointers)
    if weights is not None and composed:  # an unseen word's p(w) is 0: weight a / (a + 0) = 1
        weights = np.concatenate([weights, np.ones(len(composed), dtype=np.float32)])
    values = np.ones(len(columns), dtype=np.float32) if weights is None else weights[columns]
    if pool in ("mean", "sif"):
        values = values / np.repeat(np.maximum(lengths, 1), lengths).astype(np.float32)
    matrix = sparse.csr_matrix((values, columns, pointers), shape=(len(token_lists), len(embeddings) + len(composed)))
    rows = np.asarray(matrix[:, : len(embeddings)] @ embeddings.vectors, dtype=np.float32)
    if composed:
        rows += np.asarray(matrix[:, len(embeddings):] @ np.vstack(composed), dtype=np.float32)
    return PooledBatch(rows, oov, int(np.count_nonzero(lengths == 0)), resolved)


def _unseen_column(embeddings: Embeddings, token: str, composed: list[np.ndarray]) -> int | None:
    """Column of an unseen token: the row the model maps it to, or one past the matrix for a vector it builds."""
    row = int(embeddings.rows_for([token])[0])
    if row >= 0:
        return row
    built = embeddings.composed_vectors([token]).get(token)
    if built is None:
        return None
    composed.append(built)
    return len(embeddings) + len(composed) - 1


def remove_component(rows: np.ndarray, component: np.ndarray) -> np.ndarray:
    """rows - (rows . u) u for a unit vector u: every row becomes orthogonal to u."""
    return rows - np.outer(rows @ component, component).astype(np.float32)


def first_component(gram: np.ndarray) -> np.ndarray | None:
    """Unit top eigenvector of X^T X (X's first right singular vector), sign fixed; None if X is all zeros."""
    if not np.any(gram):
        return None
    _, eigenvectors = np.linalg.eigh(gram)
    component = eigenvectors[:, -1]
    if component[np.argmax(np.abs(component))] < 0:
        component = -component
    return component.astype(np.float32)


# ---------------------------------------------------------------------------
# the stage


def embed_file(
    vectors: Path, input_path: str, output: Path, config: EmbedConfig, *, vocab_path: Path | None = None,
    force: bool = False, progress: Progress = SILENT,
) -> EmbedResult:
    """Embed every line of `input_path` (a file, compressed or not, or `-`) into `output` (.npy)."""
    started = time.perf_counter()
    output = Path(output)
    if output.suffix != ".npy":
        raise ConfigError(f"-o {output}: the output must be a .npy file")
    sidecar = sidecar_path(output)
    inputs = tuple(str(path) for path in (input_path, vectors, vocab_path, config.sif_component) if path is not None)
    check_output(output, force=force, kind="npy", inputs=inputs)
    check_output(sidecar, force=force, kind="json", inputs=inputs)
    if input_path != "-" and not Path(input_path).is_file():
        raise InputError(f"input {input_path} does not exist or is not a file")
    embeddings = load_embeddings(vectors, vocab_path=vocab_path)
    doc2vec = load_doc2vec(embeddings) if config.pool == "infer" else None
    weights = token_weights(embeddings, config)
    unk_row = _unk_row(embeddings) if config.oov == "unk" else None
    tokenize, tokenizer_settings = tokenizer_for(embeddings, progress)
    dim = embeddings.dim
    saved_component = saved_sif_component(config, dim)
    gram = np.zeros((dim, dim), dtype=np.float64) if config.pool == "sif" and saved_component is None else None
    lines = empty = tokens = oov = resolved = 0
    fd, raw_name = tempfile.mkstemp(prefix=staging_prefix(output.name) + "rows-", dir=Path(os.path.abspath(output)).parent)
    raw_path = Path(raw_name)
    try:
        # One BLAS thread: the only BLAS call is a small (dim x dim) Gram update, and idle spinning threads
        # cost far more than they bring on a busy machine.
        with os.fdopen(fd, "wb") as raw, progress.bar(None, "embedding", unit="line") as bar, \
                threadpool_limits(limits=1, user_api="blas"):
            for batch in _line_batches(input_path, config.batch_lines):
                token_lists = [tokenize(line) for line in batch]
                pooled = PooledBatch(*infer_token_lists(doc2vec, token_lists, seed=config.seed, epochs=config.infer_epochs),
                                     0) if doc2vec else pool_lines(token_lists, embeddings, config.pool, weights=weights,
                                                                   unk_row=unk_row)
                raw.write(np.ascontiguousarray(pooled.rows, dtype="<f4").tobytes())
                if gram is not None:
                    gram += pooled.rows.T.astype(np.float64) @ pooled.rows.astype(np.float64)
                lines += len(batch)
                empty += pooled.empty_rows
                tokens += sum(map(len, token_lists))
                oov += pooled.oov_tokens
                resolved += pooled.resolved_tokens
                bar.update(len(batch))
        component = first_component(gram) if gram is not None else saved_component
        with staged_file(output, force=force, kind="npy", inputs=inputs) as staging:
            _write_npy_from_raw(raw_path, staging, lines, dim, component)
            _check_rows(staging, lines, dim)
        result = EmbedResult(lines, empty, tokens, oov, component, tokenizer_settings, time.perf_counter() - started,
                             resolved_tokens=resolved)
        with staged_file(sidecar, force=force, kind="json", inputs=inputs) as sidecar_staging:
            sidecar_staging.write_text(json.dumps(_sidecar(result, embeddings, config, input_path, output),
                                                  indent=2) + "\n", encoding="utf-8")
    except OSError as exc:  # the rows file is written before the staged output: a full disk shows here
        full = disk_full_error(exc, output, raw_path)
        if full is not None:
            raise full from None
        raise
    finally:
        raw_path.unlink(missing_ok=True)
    return result


def infer_texts(vectors: Path | str, texts: list[str], *, seed: int = 1, epochs: int | None = None) -> np.ndarray:
    """Doc2vec vectors (float32, one row per text) inferred for new texts, tokenized as the model's corpus was.

    Deterministic: the same text, model and seed give the same row on every call.
    """
    embeddings = load_embeddings(vectors)
    tokenize, _ = tokenizer_for(embeddings)
    return infer_token_lists(load_doc2vec(embeddings), [tokenize(text) for text in texts], seed=seed, epochs=epochs)[0]


def sidecar_path(output: Path) -> Path:
    """`sents.npy` -> `sents.npy.json` (settings, counts, the SIF component)."""
    return output.with_name(output.name + SIDECAR_SUFFIX)


def saved_sif_component(config: EmbedConfig, dim: int) -> np.ndarray | None:
    """The component stored by an earlier SIF run (`--sif-component OUT.npy.json`), so new text is
    embedded in the same space as the old; None when not asked for."""
    if config.sif_component is None:
        return None
    path = Path(config.sif_component)
    try:
        stored = json.loads(path.read_text(encoding="utf-8")).get("sif_first_component")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        raise InputError(f"--sif-component {path}: not a readable sidecar of embcli embed (OUT.npy.json)") from None
    if stored is None:
        raise InputError(f"--sif-component {path}: the sidecar holds no SIF component (was it made with --pool sif?)")
    component = np.asarray(stored, dtype=np.float32)
    if component.shape != (dim,):
        raise InputError(f"--sif-component {path}: a component of {component.size} dims for vectors of {dim}")
    return component


def _unk_row(embeddings: Embeddings) -> int:
    row = embeddings.index.get(UNK)
    if row is None:
        raise InputError(f"{embeddings.source} has no {UNK} row; use --oov skip")
    return row


def _line_batches(input_path: str, batch_lines: int) -> Iterator[list[str]]:
    """Decoded lines (newline removed), `batch_lines` at a time; every input line counts, empty ones too."""
    source = LineSource(InputFile(input_path))
    try:
        batch: list[str] = []
        for raw_line in source.lines():
            batch.append(raw_line.decode("utf-8", errors="replace").rstrip("\r\n"))
            if len(batch) >= batch_lines:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        source.close()


def _write_npy_from_raw(raw_path: Path, target: Path, rows: int, dim: int, component: np.ndarray | None) -> None:
    """Put a .npy header before the staged float32 rows, removing `component` from each block on the way."""
    with open(raw_path, "rb") as raw, open(target, "wb") as out:
        np.lib.format.write_array_header_1_0(out, {"descr": "<f4", "fortran_order": False, "shape": (rows, dim)})
        block_bytes = COPY_ROWS * dim * 4
        while block := raw.read(block_bytes):
            block_rows = np.frombuffer(block, dtype="<f4").reshape(-1, dim)
            if component is not None:
                block_rows = remove_component(block_rows, component)
            out.write(np.ascontiguousarray(block_rows, dtype="<f4").tobytes())


def _check_rows(path: Path, expected_rows: int, dim: int) -> None:
    written = np.load(path, mmap_mode="r", allow_pickle=False)
    if written.shape != (expected_rows, dim) or written.dtype != np.float32:
        raise FormatError(f"{path}: wrote {written.shape} {written.dtype} for {expected_rows} lines of {dim} dims; "
                          f"the output is incomplete (is the disk full?)")


def _sidecar(result: EmbedResult, embeddings: Embeddings, config: EmbedConfig, input_path: str,
             output: Path) -> dict[str, Any]:
    source = Path(embeddings.source)
    return {
        "kind": "text-vectors",
        "output": output.name,
        "shape": [result.lines, embeddings.dim],
        "input": input_path,
        "vectors": manifest_reference(source) if embeddings.manifest is not None else {"path": str(source)},
        "config": as_dict(config),
        "tokenizer": result.tokenizer,
        "counts": {"lines": result.lines, "empty_rows": result.empty_rows, "tokens": result.tokens,
                   "oov_tokens": result.oov_tokens, "resolved_tokens": result.resolved_tokens},
        "sif_first_component": None if result.first_component is None else result.first_component.tolist(),
        "seconds": round(result.seconds, 3),
        "libraries": library_versions(),
    }
