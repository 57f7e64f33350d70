"""What all trainers share: validating a corpus for training and writing the vectors artifact.

The artifact is self-contained: besides the rows it records the corpus's
tokenizer (and copies its stop-word list) and a hashed corpus's bucket layout,
so nothing that reads it needs the corpus directory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from contextlib import AbstractContextManager

from embcli.artifacts import manifest_reference, peak_rss_mb, staged_directory, write_manifest
from embcli.config import as_dict
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import DivergenceError, InputError
from embcli.embeddings.tokenizer_settings import TOKENIZER_SECTION, record_tokenizer
from embcli.embeddings.vectors_dir import VECTORS_KIND, write_vectors_dir_files


def require_trainable(corpus: TokenCorpus) -> None:
    if corpus.n_tokens == 0 or len(corpus.vocab) < 2:
        raise InputError(f"{corpus.directory}: the corpus has no in-vocabulary tokens to train on; lower --min-count in preprocess")


def staged_vectors_directory(output: Path, corpus: TokenCorpus, *, force: bool,
                             inputs: tuple[Path | str, ...] = ()) -> AbstractContextManager[Path]:
    """Staging for the vectors artifact at `output`, which must not touch the corpus or other `inputs`."""
    return staged_directory(output, force=force, kind=VECTORS_KIND, inputs=(corpus.directory, *inputs))


def finish_vectors_artifact(
    staging: Path,
    corpus: TokenCorpus,
    vectors: np.ndarray,
    config: Any,
    *,
    started: float,
    timings: dict[str, float],
    epochs: list[dict[str, Any]],
    extra_files: dict[str, str] | None = None,
    **sections: Any,
) -> dict[str, Any]:
    """Write vectors.npy, vocab.tsv, vectors.vec (and .bin), the tokenizer's files and the manifest into `staging`.

    `vectors` must have one float32 row per vocabulary entry, in vocabulary order.
    """
    if vectors.shape[0] != len(corpus.vocab):
        raise RuntimeError(f"internal error: {vectors.shape[0]} rows for {len(corpus.vocab)} words")
    if not np.all(np.isfinite(vectors)):
        raise DivergenceError("training diverged (NaN or infinite values); lower --alpha/--eta and try again")
    write_started = time.perf_counter()
    files = write_vectors_dir_files(staging, corpus.vocab, vectors, binary=bool(getattr(config, "binary", False)))
    files.update(extra_files or {})
    tokenizer, tokenizer_files = record_tokenizer(corpus.directory, corpus.manifest, staging)
    files.update(tokenizer_files)
    if tokenizer is not None:
        sections.setdefault(TOKENIZER_SECTION, tokenizer)
    timings = dict(timings)
    timings["write_seconds"] = round(time.perf_counter() - write_started, 3)
    timings["wall_seconds"] = round(time.perf_counter() - started, 3)
    if "hashing" in corpus.manifest:  # vectors of a hashed corpus: readers hash query words the same way
        sections.setdefault("hashing", corpus.manifest["hashing"])
    return write_manifest(
        staging,
        VECTORS_KIND,
        model=config.model,
        config=as_dict(config),
        inputs={"corpus": manifest_reference(corpus.directory)},
        counts={"vocab_size": len(corpus.vocab), "dim": int(vectors.shape[1]), "corpus_tokens": corpus.n_tokens,
                "corpus_sentences": corpus.n_sentences},
        files=files,
        epochs=epochs,
        timings=timings,
        peak_rss_mb=round(peak_rss_mb(), 1),
        **sections,
    )
