"""embcli: raw text to word embeddings, and how good they are — from the shell or from Python.

The Python API is the command line's, as functions (docs/python.md):

- `preprocess(inputs, output, **options)` -> the corpus manifest (dict);
- `train(corpus_dir, output, model=None, **options)` -> the vectors manifest;
- `load(path)` -> `Embeddings`, with gensim's `KeyedVectors` queries;
- `evaluate(vectors, ...)` -> the evaluation report (dict);
- `embed(vectors, input, output, **options)` -> what was embedded (dict);
- `export(vectors, output, format, **options)` -> what was written (dict).

Each takes the options of its command as keywords, with the same defaults,
presets (`config_file=`), checks and `--resume` inheritance, raises embcli's
errors (`embcli.EmbcliError` and its kinds), and reports progress to
`progress=`: None (silent), True (progress bars and status lines on stderr),
a function called with each status line, or a `embcli.progress.Progress`.

Importing embcli is cheap: every stage is imported when first called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embcli.errors import ConfigError, EmbcliError, FormatError, InputError, UnknownWordError
from embcli.version import __version__

if TYPE_CHECKING:
    from embcli.embeddings import Embeddings
    from embcli.progress import Progress

__all__ = [
    "ConfigError", "EmbcliError", "Embeddings", "FormatError", "InputError", "UnknownWordError", "__version__",
    "embed", "evaluate", "export", "load", "preprocess", "train",
]

def load(path: str | Path, *, vocab: str | Path | None = None, mmap: bool = True) -> Embeddings:
    """Vectors from an embcli directory, `.npy` + `vocab.tsv`, word2vec text/binary, GloVe text or quantized.

    Rows are memory-mapped where the format allows (`mmap=False` reads them into memory).
    """
    from embcli.embeddings import load_embeddings

    return load_embeddings(path, vocab_path=None if vocab is None else Path(vocab), mmap=mmap)


def preprocess(inputs: str | Path | Sequence[str | Path], output: str | Path, *, config_file: str | Path | None = None,
               force: bool = False, progress: Progress | Callable[[str], Any] | bool | None = None, **options: Any) -> dict[str, Any]:
    """`embcli preprocess`: tokenize text into a corpus directory; returns its manifest.

    Options as keywords: `min_count=5`, `tokenizer="char"`, `token_pattern=...`, `lowercase=True`, ...
    """
    from embcli.preprocessing_options import preprocess as run

    sources = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    return run(sources, output, config_file=config_file, force=force, progress=_progress(progress), **options)


def train(corpus_dir: str | Path, output: str | Path, model: str | None = None, *,
          config_file: str | Path | None = None, force: bool = False, progress: Progress | Callable[[str], Any] | bool | None = None,
          **options: Any) -> dict[str, Any]:
    """`embcli train`: vectors from a corpus directory; returns the vectors' manifest.

    `model` is "skipgram" (the default), "cbow", "glove" or "fasttext"; left out,
    a preset's `model` or the resumed model's (`resume=`) is used, as on the
    command line. Options as keywords: `dim=100`, `epochs=5`, `window=5`, `seed=1`, ...
    """
    from embcli.training.options import train as run

    return run(corpus_dir, output, model, config_file=config_file, force=force, progress=_progress(progress),
               **options)


def evaluate(vectors: str | Path | Embeddings, *, similarity: Sequence[str | Path] = (),
             analogy: Sequence[str | Path] = (), suite: str | None = None, output: str | Path | None = None,
             force: bool = False, vocab: str | Path | None = None,
             progress: Progress | Callable[[str], Any] | bool | None = None, **options: Any) -> dict[str, Any]:
    """`embcli eval`: similarity and analogy scores of vectors (a path or loaded `Embeddings`); returns the report.

    With no similarity or analogy file the bundled standard suite is used.
    Options as keywords: `restrict_vocab=30000`, `method="both"`, `workers=...`.
    """
    from embcli.evaluation.stage import evaluate_vectors

    return evaluate_vectors(vectors, similarity=similarity, analogy=analogy, suite=suite, output=output, force=force,
                            vocab_path=vocab, progress=_progress(progress), **options).as_dict()


def embed(vectors: str | Path, input: str | Path, output: str | Path, *, force: bool = False,
          vocab: str | Path | None = None, progress: Progress | Callable[[str], Any] | bool | None = None,
          **options: Any) -> dict[str, Any]:
    """`embcli embed`: one vector per line of `input` into `output` (.npy); returns the counts and settings.

    Options as keywords: `pool="mean"|"sum"|"sif"`, `oov="skip"|"unk"`, `sif_a=1e-3`, `batch_lines=8192`.
    """
    from embcli.config import PYTHON, EmbedConfig, build_config
    from embcli.text_vectors import embed_file, sidecar_path

    config = build_config(EmbedConfig, overrides=options, spelling=PYTHON)
    result = embed_file(Path(vectors), str(input), Path(output), config, vocab_path=None if vocab is None else Path(vocab),
                        force=force, progress=_progress(progress))
    return {"output": str(output), "sidecar": str(sidecar_path(Path(output))), "rows": result.lines,
            "empty_rows": result.empty_rows, "tokens": result.tokens, "oov_tokens": result.oov_tokens,
            "resolved_tokens": result.resolved_tokens, "tokenizer": result.tokenizer, "seconds": result.seconds}


def export(vectors: str | Path | Embeddings, output: str | Path, format: str = "npy", *, force: bool = False,
           progress: Progress | Callable[[str], Any] | bool | None = None, **options: Any) -> dict[str, Any]:
    """`embcli export`: `vectors` as `format` (npy, safetensors, word2vec, word2vec-binary, glove, projector,
    fasttext-bin) at `output`; options `padding`, `top`, `normalize`, `dtype`. Returns what was written."""
    from embcli.exporting import export_embeddings

    return export_embeddings(vectors, Path(output), format, force=force, progress=_progress(progress),  # type: ignore[arg-type]
                             **options).as_dict()


def __getattr__(name: str) -> Any:
    """`embcli.Embeddings`, imported when first named."""
    if name == "Embeddings":
        from embcli.embeddings import Embeddings

        return Embeddings
    raise AttributeError(f"module 'embcli' has no attribute '{name}'")


def _progress(progress: Any) -> Progress:
    """A `Progress` from what a Python caller passed (see the module docstring)."""
    from embcli.progress import SILENT, CallbackProgress, Progress

    if progress is None or progress is False:
        return SILENT
    if progress is True:
        return Progress(force_bar=True)
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return CallbackProgress(progress)
    raise ConfigError(f"progress={progress!r}: pass None, True, a function of one message, or a Progress")
