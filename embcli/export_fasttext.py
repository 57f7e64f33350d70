"""`embcli export --format fasttext-bin`: an embcli fastText model as a file `fasttext.load_model` loads.

The n-gram rows are written as they are, so unseen words get embcli's vectors;
the word rows are solved for so that fastText's composition gives embcli's word
vectors (see `embcli.embeddings.fasttext_bin`). The hyperparameters fastText
records (window, epochs, ...) come from the model's manifest where it has them.
The output matrix is the model's trained output rows where the artifact has
them (embcli's fastText engine writes `output_vectors.npy`), else zeros:
fastText needs one to load, and word and unseen-word queries never read it.
A model trained with hierarchical softmax alone (`--hs --negative 0`) is
written as fastText's `-loss hs`, with a zero output matrix: its node rows are
not kept (fastText would read them along the tree it rebuilds from the written
counts, which is the training tree only in special cases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts.arrays import load_npy
from embcli.artifacts.manifests import artifact_member
from embcli.embeddings import Embeddings, SubwordResolver
from embcli.embeddings.fasttext_bin import FastTextArgs, write_fasttext_bin
from embcli.errors import FormatError, InputError


def subword_rows(embeddings: Embeddings) -> tuple[np.ndarray, int, int] | None:
    """The n-gram matrix, minn and maxn of a model that composes unseen words from n-grams, else None."""
    resolver = embeddings.resolver
    if not isinstance(resolver, SubwordResolver):
        return None
    return resolver.ngrams, resolver.minn, resolver.maxn


def trained_output_rows(embeddings: Embeddings) -> np.ndarray | None:
    """The model's output rows (fastText's output matrix, one per word), memory-mapped, if its artifact has them."""
    name = ((embeddings.manifest or {}).get("files") or {}).get("output_vectors")
    if name is None or not embeddings.source or not Path(embeddings.source).is_dir():
        return None
    path = artifact_member(Path(embeddings.source), name, "output_vectors")
    rows = load_npy(path, mmap=True, remedy="re-train the model, or remove output_vectors from its manifest")
    if rows.dtype != np.float32 or rows.shape != (len(embeddings), embeddings.dim):
        raise FormatError(f"{path}: expected float32 ({len(embeddings)}, {embeddings.dim}) output rows, found "
                          f"{rows.dtype} {rows.shape}")
    return rows


LOSS_HS, LOSS_NS = 1, 2  # fastText's loss_name


def fasttext_args(manifest: dict[str, Any] | None, dim: int, buckets: int, minn: int, maxn: int) -> FastTextArgs:
    """fastText's `Args` for the model, taking training options from the manifest's config."""
    config = (manifest or {}).get("config") or {}
    defaults = FastTextArgs()
    return FastTextArgs(
        dim=dim, ws=int(config.get("window", defaults.ws)), epoch=int(config.get("epochs", defaults.epoch)),
        min_count=int(config.get("min_count", 1)), neg=int(config.get("negative", defaults.neg)),
        loss=LOSS_HS if config.get("hs") is True and config.get("negative") == 0 else LOSS_NS,
        model=1 if config.get("arch") == "cbow" else 2, bucket=buckets, minn=minn, maxn=maxn,
        t=float(config.get("sample", defaults.t)))


def write_fasttext_export(path: Path, embeddings: Embeddings, *, top: int | None = None) -> int:
    """Write `embeddings` (first `top` words) as a fastText `.bin`; returns the number of words written."""
    subwords = subword_rows(embeddings)
    if subwords is None:
        raise InputError(f"{embeddings.source or 'these vectors'} has no subword (character n-gram) vectors, so a "
                         f"fastText model cannot answer unseen words as embcli does; train with --model fasttext, "
                         f"or export --format word2vec-binary for fastText's -pretrainedVectors")
    ngrams, minn, maxn = subwords
    size = len(embeddings) if top is None else min(top, len(embeddings))
    counts = np.ones(size, np.int64) if embeddings.counts is None else np.asarray(embeddings.counts[:size])
    args = fasttext_args(embeddings.manifest, embeddings.dim, int(ngrams.shape[0]), minn, maxn)
    output = trained_output_rows(embeddings)
    write_fasttext_bin(path, list(embeddings.words[:size]), counts, np.asarray(embeddings.vectors[:size]), ngrams, args,
                       None if output is None else output[:size])
    return size
