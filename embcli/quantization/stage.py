"""The `embcli quantize` stage: a vectors artifact in, a smaller `quantized` directory out.

A quantized artifact is a directory of kind `quantized`:

- `vocab.tsv`: the source vocabulary, in the same row order;
- the codec's arrays (`embcli.quantization.codecs`): int8 `codes.npy` +
  `scales.npy`, or PQ `codes.npy` + `codebooks.npy`;
- `manifest.json`: method, resolved config, sizes, reconstruction error, a
  reference to the source vectors' manifest, and what unseen words and text
  need from the source (its `hashing` and `tokenizer` sections, `stopwords.txt`).

Readers (`embcli.embeddings.load_embeddings`, hence eval, neighbors, analogy,
embed and plot) dequantize on load into a float32 matrix: the compression is
of the shipped files, not of the reader's memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import MANIFEST_NAME, check_output, describe_file, manifest_reference, staged_directory, write_manifest
from embcli.artifacts.arrays import require_usable_matrix
from embcli.config import QuantizeConfig, as_dict
from embcli.corpus.subword_ngrams import NGRAMS_NPY
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.embeddings.loading import load_embeddings
from embcli.embeddings.npy_format import VOCAB_NAME
from embcli.embeddings.quantized_dir import QUANTIZED_KIND
from embcli.embeddings.tokenizer_settings import copy_tokenizer
from embcli.embeddings.vectors_dir import VECTORS_NPY
from embcli.errors import InputError
from embcli.progress import SILENT, Progress
from embcli.quantization.codecs import (
    CODEBOOKS_NAME,
    CODES_NAME,
    SCALES_NAME,
    check_subspaces,
    decode_arrays,
    default_subspaces,
    quantize_int8,
    reconstruction_error,
    train_product_quantizer,
)
from embcli.quantization.subword_codes import EncodedRows, encode_ngram_table


def quantize_vectors(
    source: Path, output: Path, config: QuantizeConfig, *, vocab_path: Path | None = None, force: bool = False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Quantize the vectors at `source` into a `quantized` directory at `output`; returns its manifest."""
    started = time.perf_counter()
    check_output(output, force=force, kind=QUANTIZED_KIND, inputs=tuple(p for p in (source, vocab_path) if p))
    embeddings = load_embeddings(source, vocab_path=vocab_path, mmap=False)
    manifest = embeddings.manifest or {}
    if manifest.get("kind") == QUANTIZED_KIND:
        raise InputError(f"{source} is already quantized; quantize the original vectors instead")
    require_usable_matrix(embeddings.vectors, source, f"quantize --method {config.method}")
    if config.method == "pq":
        check_subspaces(config.subspaces or default_subspaces(embeddings.dim), embeddings.dim)
    carried: dict[str, Any] = {}
    composes = embeddings.resolver is not None and embeddings.resolver.composes_vectors
    if embeddings.resolver is not None and not composes:  # a hashed corpus's bucket lookup needs only this section
        carried.update(embeddings.resolver.manifest_sections())
    vectors = np.asarray(embeddings.vectors, dtype=np.float32)
    with staged_directory(output, force=force, kind=QUANTIZED_KIND, inputs=tuple(p for p in (source, vocab_path) if p)) as staging:
        arrays = _encode(vectors, config, progress)
        for name, array in arrays.items():
            np.save(staging / name, array, allow_pickle=False)
        if composes:  # fastText: the n-gram table with the same codec, so unseen words still get vectors
            ngram_files, carried["subwords"] = _encode_subwords(embeddings, manifest, config, staging, progress)
            arrays = {**arrays, **ngram_files}
        counts = embeddings.counts if embeddings.counts is not None else np.zeros(len(embeddings), dtype=np.int64)
        write_vocabulary(staging / VOCAB_NAME, Vocabulary(list(embeddings.words), counts))
        tokenizer, tokenizer_files = copy_tokenizer(Path(source), manifest, staging) if manifest else ({}, {})
        restored = decode_arrays(config.method, {name: arrays[name] for name in (CODES_NAME, SCALES_NAME, CODEBOOKS_NAME)
                                                  if name in arrays})
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
            files={**{name.removesuffix(".npy"): name for name in arrays}, "vocab": VOCAB_NAME, **tokenizer_files},
            timings={"wall_seconds": round(time.perf_counter() - started, 3)},
            **carried, **tokenizer,
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


def _encode_subwords(embeddings: Any, manifest: dict[str, Any], config: QuantizeConfig, staging: Path,
                     progress: Progress) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Write the n-gram table's codes; (its arrays by file name, the quantized model's `subwords` section)."""
    ngrams = np.asarray(embeddings.resolver.ngrams, dtype=np.float32)
    progress.note(f"quantizing the {ngrams.shape[0]:,} n-gram rows too ({config.method})")
    ngram_arrays = encode_ngram_table(
        ngrams, config.method, scale=config.scale, subspaces=config.subspaces or default_subspaces(ngrams.shape[1]),
        pq_options={"centroids": config.centroids, "iterations": config.iterations, "train_rows": config.train_rows,
                    "seed": config.seed, "workers": config.workers, "progress": progress})
    for name, array in ngram_arrays.items():
        np.save(staging / name, array, allow_pickle=False)
    section = {key: value for key, value in manifest["subwords"].items() if key != "file"}
    section["quantized"] = {"method": config.method, "files": list(ngram_arrays),
                            "reconstruction": reconstruction_error(ngrams[: 100_000],
                                                                   EncodedRows(config.method, ngram_arrays)[: 100_000])}
    return ngram_arrays, section


def float32_matrix_bytes(source: Path, vectors: np.ndarray) -> int:
    """Size of the source's float32 matrix file (`vectors.npy`), or of the raw matrix if there is none."""
    matrix_file = source / VECTORS_NPY if source.is_dir() else source
    if matrix_file.suffix == ".npy" and matrix_file.exists():
        ngram_file = source / NGRAMS_NPY  # a fastText model: the n-gram table is part of what is compressed
        return matrix_file.stat().st_size + (ngram_file.stat().st_size if source.is_dir() and ngram_file.exists() else 0)
    return int(vectors.shape[0]) * int(vectors.shape[1]) * 4


def _source_reference(source: Path) -> dict[str, Any]:
    if source.is_dir() and (source / MANIFEST_NAME).exists():
        return manifest_reference(source)
    return describe_file(source)
