"""GloVe training: weighted least squares on log co-occurrences with AdaGrad, as Stanford's `glove`.

`train_glove` counts (or reuses) the co-occurrence matrix of the corpus,
shuffles its nonzeros once, then runs `epochs` Hogwild passes of the numba
kernel over a per-epoch shuffled order of blocks, in float32. The output is
the usual vectors artifact (W + W~ by default), so eval works unchanged.

The co-occurrence cache: unless `cooccurrence` names a directory, the matrix
lives in `<corpus>/cooccur-w<window>-<sym|asym>[-unk]/` (or, if the corpus
directory is read-only, beside the output) and is reused only while its
manifest names this corpus and these counting settings; otherwise it is
rebuilt. A directory named with `cooccurrence` that does not match is refused.
Neither the cache nor a checkpoint directory replaces anything but an empty
directory or an embcli artifact of its own kind, `--force` or not.

Every row and col of the matrix is range-checked when it is opened
(`load_cooccurrence`), and the matrix's vocabulary must be the corpus's, so
the kernel never indexes outside the parameters.

Checkpoints (`checkpoint_every` K epochs; default `<output>.checkpoint/`,
replaced atomically each time) hold the parameters *and* the AdaGrad
accumulators as float32 .npy files, so `resume` continues exactly:

- `word.npy`, `context.npy`: (V, dim) W and W~; `word_bias.npy`, `context_bias.npy`: (V,);
- `gradsq_word.npy`, `gradsq_context.npy`, `gradsq_word_bias.npy`, `gradsq_context_bias.npy`: accumulators;
- `manifest.json` (kind `glove-checkpoint`): epochs done, per-epoch costs, config, matrix reference.

The order of updates depends only on the seed and the epoch number, so a
single-thread run resumed from a checkpoint equals the uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import (check_allocation, check_apart, check_output, ensure_free_space, load_npy, manifest_reference, read_manifest, staged_directory,
                              write_manifest)
from embcli.config import GloVeConfig, as_dict
from embcli.cooccurrence import (COOCCURRENCE_KIND, cache_mismatch, cache_name, check_auxiliary_directory,
                                 ensure_cooccurrence, load_cooccurrence)
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import ConfigError, DivergenceError, FormatError, InputError
from embcli.kernels.compile_notice import announce_compilation
from embcli.kernels.glove_kernels import gather, glove_epoch_segments, glove_weights, shuffle_in_place
from embcli.npy_stream import release_pages
from embcli.progress import SILENT, Progress
from embcli.training.common import finish_vectors_artifact, require_trainable, staged_vectors_directory

CHECKPOINT_KIND = "glove-checkpoint"
BLOCK_SIZE = 2048  # nonzeros per block of the per-epoch shuffle
SEGMENTS_PER_WORKER = 8  # segments per thread per progress step; threads take the next free one (load balance)
PROGRESS_STEPS = 16  # kernel calls (progress bar updates) per epoch
PARAMETER_NAMES = ("word", "context", "word_bias", "context_bias",
                   "gradsq_word", "gradsq_context", "gradsq_word_bias", "gradsq_context_bias")
# settings a checkpoint must share with the run that resumes it
RESUME_KEYS = ("dim", "window", "asymmetric", "keep_unk", "x_max", "alpha", "eta", "grad_clip", "seed")


# ---------------------------------------------------------------------------
# parameters


@dataclasses.dataclass
class GloVeParameters:
    """W, W~ and the biases, each beside its AdaGrad accumulator (float32), as the kernel updates them.

    `word[:, 0]` is W and `word[:, 1]` its accumulators, (V, 2, dim); `context` likewise for W~;
    `word_bias`/`context_bias` are (V, 2). One update then reads two memory streams instead of four.
    """

    word: np.ndarray
    context: np.ndarray
    word_bias: np.ndarray
    context_bias: np.ndarray

    @classmethod
    def initial(cls, vocab_size: int, dim: int, seed: int) -> "GloVeParameters":
        """Uniform in [-0.5, 0.5) / dim, accumulators at 1 (as Stanford's glove)."""
        rng = np.random.default_rng(seed)

        def with_accumulators(*shape: int) -> np.ndarray:
            state = np.ones((shape[0], 2, *shape[1:]), dtype=np.float32)
            state[:, 0] = (rng.random(shape, dtype=np.float32) - np.float32(0.5)) / np.float32(dim)
            return state

        return cls(with_accumulators(vocab_size, dim), with_accumulators(vocab_size, dim),
                   with_accumulators(vocab_size), with_accumulators(vocab_size))

    def named_arrays(self) -> dict[str, np.ndarray]:
        """The checkpoint files' arrays: `word`, ..., and `gradsq_word`, ... (views)."""
        parts = {"word": self.word, "context": self.context, "word_bias": self.word_bias, "context_bias": self.context_bias}
        return {**{name: state[:, 0] for name, state in parts.items()},
                **{f"gradsq_{name}": state[:, 1] for name, state in parts.items()}}

    @classmethod
    def from_named_arrays(cls, arrays: dict[str, np.ndarray]) -> "GloVeParameters":
        return cls(*(np.ascontiguousarray(np.stack([arrays[name], arrays[f"gradsq_{name}"]], axis=1))
                     for name in ("word", "context", "word_bias", "context_bias")))

    def all_finite(self) -> bool:
        return all(bool(np.isfinite(state).all()) for state in (self.word, self.context, self.word_bias, self.context_bias))

    def output_vectors(self, choice: str) -> np.ndarray:
        """W, W + W~ or [W, W~] (biases are not part of the vectors)."""
        if choice == "word":
            return self.word[:, 0].copy()
        if choice == "concat":
            return np.hstack([self.word[:, 0], self.context[:, 0]])
        return self.word[:, 0] + self.context[:, 0]


# ---------------------------------------------------------------------------
# checkpoints


def default_checkpoint_dir(output: Path) -> Path:
    return output.with_name(output.name + ".checkpoint")


def save_checkpoint(directory: Path, params: GloVeParameters, config: GloVeConfig, epochs: list[dict[str, Any]],
                    cooccurrence_dir: Path) -> None:
    """Atomically replace `directory` with the state after `len(epochs)` epochs.

    Only an empty directory or an earlier checkpoint is replaced (checked before training too).
    """
    check_auxiliary_directory(directory, CHECKPOINT_KIND, "--checkpoint-dir")
    arrays = params.named_arrays()
    ensure_free_space(directory, sum(array.nbytes for array in arrays.values()), "the checkpoint")
    with staged_directory(directory, force=True, kind=CHECKPOINT_KIND) as staging:
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        write_manifest(staging, CHECKPOINT_KIND, epochs_done=len(epochs), epochs=epochs, config=as_dict(config),
                       inputs={"cooccurrence": manifest_reference(cooccurrence_dir)},
                       files={f"{name}.npy": "float32" for name in PARAMETER_NAMES})


def load_checkpoint(directory: Path, config: GloVeConfig, vocab_size: int) -> tuple[GloVeParameters, list[dict[str, Any]], dict[str, Any]]:
    """Read a checkpoint and check that `config` can continue it; return (params, epochs so far, manifest)."""
    directory = Path(directory)
    manifest = read_manifest(directory, CHECKPOINT_KIND)
    saved = manifest.get("config", {})
    for key in RESUME_KEYS:
        if saved.get(key) != getattr(config, key):
            raise ConfigError(f"cannot resume from {directory}: it was trained with {key}={saved.get(key)!r}, "
                              f"this run has {key}={getattr(config, key)!r}")
    epochs = list(manifest.get("epochs", []))
    if len(epochs) > config.epochs:
        raise ConfigError(f"cannot resume from {directory}: it has {len(epochs)} epochs done, more than --epochs {config.epochs}")
    arrays = {}
    for name in PARAMETER_NAMES:
        path = directory / f"{name}.npy"
        arrays[name] = load_npy(path, remedy="the checkpoint is damaged; resume from another one")
        expected = (vocab_size, config.dim) if not name.endswith("bias") else (vocab_size,)
        if arrays[name].shape != expected or arrays[name].dtype != np.float32:
            raise FormatError(f"{path}: expected float32 {expected}, found {arrays[name].dtype} {arrays[name].shape}; "
                              "the checkpoint is for another corpus")
    return GloVeParameters.from_named_arrays(arrays), epochs, manifest


# ---------------------------------------------------------------------------
# the co-occurrence matrix for training


def matrix_directory(corpus: TokenCorpus, output: Path, config: GloVeConfig) -> Path:
    """Where the matrix is read or cached (see the module docstring)."""
    if config.cooccurrence is not None:
        return Path(config.cooccurrence)
    if os.access(corpus.directory, os.W_OK):
        return corpus.directory / cache_name(config)
    return output.with_name(f"{output.name}.{cache_name(config)}")


@dataclasses.dataclass
class TrainingArrays:
    """The nonzeros in their one-time shuffled order, as the kernel reads them."""

    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    log_values: np.ndarray  # float32 log X
    weights: np.ndarray  # float32 f(X)


def training_arrays(directory: Path, config: GloVeConfig, vocab_size: int) -> TrainingArrays:
    """Open the matrix (every entry checked), then shuffle it one array at a time.

    The arrays are memory-mapped and gathered straight into their shuffled
    order, each mapping's pages let go afterwards: peak memory is about two
    copies of one array.
    """
    matrix = load_cooccurrence(directory, mmap=True)
    if len(matrix.vocab) != vocab_size:
        raise FormatError(f"{directory}: its vocabulary has {len(matrix.vocab)} words, the corpus {vocab_size}; "
                          "it was not counted from this corpus: remove it or choose another --cooccurrence")
    nnz = matrix.nnz
    order = np.arange(nnz, dtype=np.int32 if nnz < 2**31 else np.int64)
    shuffle_in_place(order, config.seed)
    gathered = []
    for source in (matrix.rows, matrix.cols, matrix.values):
        if source is matrix.values:  # log in file order (sequential reads), then shuffle the float32 logs
            mapped, source = source, np.log(source, out=np.empty(nnz, dtype=np.float32), casting="same_kind")
            release_pages(mapped, nnz)
        out = np.empty(nnz, dtype=source.dtype)
        gather(source, order, out)
        release_pages(source, nnz)
        gathered.append(out)
        del source
    del order, matrix
    weights = np.empty(nnz, dtype=np.float32)
    glove_weights(gathered[2], float(config.x_max), float(config.alpha), weights)
    return TrainingArrays(gathered[0], gathered[1], gathered[2], weights)


# ---------------------------------------------------------------------------
# training


def train_glove(corpus: TokenCorpus, output: Path, config: GloVeConfig, *, force: bool = False,
                progress: Progress = SILENT) -> dict[str, Any]:
    """Train GloVe vectors on `corpus` into the vectors artifact `output`; return its manifest."""
    started = time.perf_counter()
    output = Path(output)
    require_trainable(corpus)
    check_output(output, force=force, kind="vectors", inputs=(corpus.directory, config.resume or "-"))
    vocab_size = len(corpus.vocab)
    check_allocation((vocab_size, 2, config.dim), 4, f"GloVe parameters for --dim {config.dim}", copies=3)  # W, W~, output
    announce_compilation(progress, (glove_epoch_segments,), "GloVe")
    resumed = load_checkpoint(Path(config.resume), config, vocab_size) if config.resume else None
    checkpoint_dir = Path(config.checkpoint_dir) if config.checkpoint_dir else default_checkpoint_dir(output)
    if config.checkpoint_every:  # fail now, not after the first K epochs
        check_apart(checkpoint_dir, "--checkpoint-dir", output)
        check_auxiliary_directory(checkpoint_dir, CHECKPOINT_KIND, "--checkpoint-dir")
        check_output(checkpoint_dir, force=True, kind=CHECKPOINT_KIND, inputs=(corpus.directory,))

    directory, reused = prepare_matrix(corpus, output, config, progress)
    if resumed is not None:
        reference = resumed[2].get("inputs", {}).get("cooccurrence", {})
        if reference.get("manifest_sha256") != manifest_reference(directory)["manifest_sha256"]:
            raise InputError(f"cannot resume from {config.resume}: it was trained on a different co-occurrence matrix "
                             f"than {directory}")
    cooccur_done = time.perf_counter()

    data = training_arrays(directory, config, vocab_size)
    if len(data.rows) == 0:
        raise InputError(f"{corpus.directory}: no word pairs co-occur within --window {config.window}; nothing to train on")
    params, epochs = (resumed[0], resumed[1]) if resumed is not None else (GloVeParameters.initial(vocab_size, config.dim, config.seed), [])
    prepared = time.perf_counter()

    first_epoch = len(epochs) + 1
    with progress.bar(len(data.rows) * (config.epochs - len(epochs)), "glove", unit="pair") as bar:
        for epoch in range(first_epoch, config.epochs + 1):
            epochs.append(run_epoch(data, params, config, epoch, bar))
            bar.set_postfix(epoch=epoch, cost=f"{epochs[-1]['cost']:.4f}")
            progress.note(f"epoch {epoch}/{config.epochs}: cost {epochs[-1]['cost']:.5f} ({epochs[-1]['seconds']:.1f}s)")
            if config.checkpoint_every and epoch % config.checkpoint_every == 0:
                save_checkpoint(checkpoint_dir, params, config, epochs, directory)
    trained = time.perf_counter()

    nnz = len(data.rows)
    del data  # free the training arrays before the output is written
    vectors = params.output_vectors(config.vectors)
    ensure_free_space(output, vectors.nbytes * (4 if config.binary else 3), "the vectors")  # .npy, ~2x as .vec text
    with staged_vectors_directory(output, corpus, force=force, inputs=tuple(p for p in (config.resume,) if p)) as staging:
        return finish_vectors_artifact(
            staging, corpus, vectors, config, started=started,
            timings={"cooccur_seconds": round(cooccur_done - started, 3), "prepare_seconds": round(prepared - cooccur_done, 3),
                     "train_seconds": round(trained - prepared, 3)},
            epochs=epochs,
            cooccurrence={**manifest_reference(directory), "nnz": nnz, "reused": reused},
            glove={"vectors": config.vectors, "resumed_from": config.resume, "resumed_at_epoch": first_epoch - 1,
                   "checkpoint": str(checkpoint_dir) if config.checkpoint_every else None},
        )


def prepare_matrix(corpus: TokenCorpus, output: Path, config: GloVeConfig, progress: Progress) -> tuple[Path, bool]:
    """(matrix directory, reused): the matrix named by `cooccurrence`, or the cache, counted if needed.

    A matrix the user names is used only if it matches (never overwritten);
    the cache is rebuilt when stale. Either is replaced only if it is empty or
    a co-occurrence artifact.
    """
    directory = matrix_directory(corpus, output, config)
    option = "--cooccurrence" if config.cooccurrence is not None else "co-occurrence cache"
    check_apart(directory, option, output)
    check_auxiliary_directory(directory, COOCCURRENCE_KIND, option)
    if config.cooccurrence is not None and directory.is_dir() and any(directory.iterdir()):
        reason = cache_mismatch(directory, corpus, config.counting)
        if reason is not None:
            raise InputError(f"--cooccurrence {directory} cannot be used: {reason}; remove it or choose another path")
    return ensure_cooccurrence(corpus, directory, config.counting, progress=progress, option=option)


def run_epoch(data: TrainingArrays, params: GloVeParameters, config: GloVeConfig, epoch: int, bar: Any) -> dict[str, Any]:
    """One pass over all nonzeros in a block order that depends only on (seed, epoch); stops on divergence.

    The epoch is cut into segments of blocks that `workers` threads take as they
    free up, so a thread slowed by other work on the machine takes fewer segments
    instead of holding the others back. With one worker the segments run in
    order: the result is deterministic.
    """
    import numba

    started = time.perf_counter()
    nnz = len(data.rows)
    n_blocks = -(-nnz // BLOCK_SIZE)
    block_order = np.random.default_rng([config.seed, epoch]).permutation(n_blocks)
    block_sizes = np.minimum(BLOCK_SIZE, nnz - block_order * BLOCK_SIZE)
    n_segments = min(n_blocks, SEGMENTS_PER_WORKER * config.workers * PROGRESS_STEPS)
    bounds = np.linspace(0, n_blocks, n_segments + 1).astype(np.int64)
    totals = np.zeros((n_segments, 2), dtype=np.float64)  # per segment: cost, updates skipped for NaN/inf
    steps = np.linspace(0, n_segments, min(PROGRESS_STEPS, n_segments) + 1).astype(np.int64)
    numba.set_num_threads(min(config.workers, numba.config.NUMBA_NUM_THREADS))
    with numba.parallel_chunksize(1):
        for first, stop in zip(steps[:-1], steps[1:]):
            glove_epoch_segments(data.rows, data.cols, data.log_values, data.weights, block_order, bounds[first : stop + 1],
                                 BLOCK_SIZE, params.word, params.context, params.word_bias, params.context_bias,
                                 float(config.eta), float(config.grad_clip), totals[first:stop])
            bar.update(int(block_sizes[bounds[first] : bounds[stop]].sum()))
    cost = float(totals[:, 0].sum()) / nnz
    skipped = int(totals[:, 1].sum())
    if skipped or not np.isfinite(cost) or not params.all_finite():
        raise DivergenceError(f"GloVe training diverged in epoch {epoch} (NaN/inf in {skipped or 'the'} updates); "
                         f"nothing was written; lower --eta (now {config.eta:g}) and retry")
    return {"epoch": epoch, "cost": round(cost, 6), "seconds": round(time.perf_counter() - started, 3)}
