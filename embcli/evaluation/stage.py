"""`evaluate_vectors`: the `embcli eval` stage as one call, for the command and for Python alike.

Options are `embcli eval`'s (`restrict_vocab`, `method`, `workers`, ...), checked
by `EvalConfig` before any vectors are read; with no similarity or analogy
file the bundled standard suite is used; `output` (a JSON report) is checked
before the work and written atomically after it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embcli.artifacts import check_output, staged_file
from embcli.artifacts.arrays import require_usable_matrix
from embcli.config import PYTHON, EvalConfig, Spelling, build_config
from embcli.embeddings import Embeddings, load_embeddings
from embcli.errors import ConfigError, InputError
from embcli.evaluation.classification import classify_tasks, read_classification_tasks
from embcli.evaluation.report import EvalReport, evaluate_embeddings, load_datasets
from embcli.progress import SILENT, Progress

SUITES = ("standard",)


def evaluate_vectors(vectors: str | Path | Embeddings, *, similarity: Sequence[str | Path] = (),
                     analogy: Sequence[str | Path] = (), suite: str | None = None, output: str | Path | None = None,
                     force: bool = False, vocab_path: str | Path | None = None, progress: Progress = SILENT,
                     spelling: Spelling = PYTHON, details: bool = False, classify: Sequence[str | Path] = (),
                     classify_train: str | Path | None = None, classify_test: str | Path | None = None,
                     pool: str = "mean", **options: Any) -> EvalReport:
    """Score vectors (a path `load_embeddings` reads, or loaded `Embeddings`) on similarity, analogy and
    classification sets (`embcli.evaluation.classification`).

    A set none of whose words the vocabulary has (an English set on a Chinese model) gets a warning line;
    when no set could be scored at all, nothing is written and InputError says so.
    """
    config = build_config(EvalConfig, overrides=options, spelling=spelling)
    if suite is not None and suite not in SUITES:
        raise ConfigError(f"unknown suite '{suite}' (choose {', '.join(SUITES)})")
    tasks = read_classification_tasks(classify, classify_train, classify_test)  # checked before any vectors are read
    if not similarity and not analogy and not tasks.requested:
        suite = suite or "standard"
    sources = tuple(Path(p) for p in (*similarity, *analogy, *tasks.paths, vocab_path) if p is not None)
    if not isinstance(vectors, Embeddings):
        sources += (Path(vectors),)
    if output is not None:
        check_output(Path(output), force=force, kind="json", inputs=sources)
    similarity_sets, analogy_sets = load_datasets([Path(p) for p in similarity], [Path(p) for p in analogy], suite)
    embeddings = vectors if isinstance(vectors, Embeddings) else load_embeddings(
        vectors, vocab_path=None if vocab_path is None else Path(vocab_path))
    require_usable_matrix(embeddings.vectors, embeddings.source or "the vectors", "eval")
    report = evaluate_embeddings(embeddings, similarity_sets, analogy_sets, config, progress=progress, details=details)
    check_coverage(report, progress)
    report.classification = classify_tasks(embeddings, tasks, pool)
    if output is not None:
        with staged_file(Path(output), force=force, kind="json", inputs=sources) as staging:
            staging.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return report


def check_coverage(report: EvalReport, progress: Progress) -> None:
    """Warn for each set the vocabulary covers not at all; fail when that is every set."""
    results = [*report.similarity, *report.analogy]
    empty = [result.name for result in results if result.coverage == 0]
    source = report.vectors["source"]
    for name in empty:
        progress.note(f"warning: none of {name}'s items are in the vocabulary of {source} "
                      "(is the set in the model's language?)")
    if results and len(empty) == len(results):
        raise InputError(f"nothing could be scored: the vocabulary of {source} covers none of "
                         f"{', '.join(empty)}; pass sets in the model's language with --similarity/--analogy")
