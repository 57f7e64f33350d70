"""The `embcli eval` stage: run similarity and analogy sets, report the scores.

`evaluate_embeddings` is the pure core (loaded vectors and datasets in, an
`EvalReport` out); `render_table` turns a report into the human table and
`EvalReport.as_dict` into the JSON written by `--json` / `--output`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import library_versions
from embcli.config import EvalConfig, as_dict
from embcli.display import display_width, pad
from embcli.embeddings import Embeddings
from embcli.evaluation.classification import ClassificationResult, render_classification
from embcli.evaluation.analogy import METHOD_LABELS, SUMMARY_GROUPS, AnalogyResult, evaluate_analogies
from embcli.evaluation.datasets import (
    ANALOGY,
    AnalogyDataset,
    SimilarityDataset,
    read_analogy_questions,
    read_similarity_pairs,
    suite_files,
)
from embcli.evaluation.lookup import CaseInsensitiveVocab
from embcli.evaluation.similarity import SimilarityResult, evaluate_similarity
from embcli.progress import SILENT, Progress

REPORT_KIND = "eval-report"


@dataclass
class EvalReport:
    vectors: dict[str, Any]  # source, words, dim
    config: EvalConfig
    similarity: list[SimilarityResult] = field(default_factory=list)
    analogy: list[AnalogyResult] = field(default_factory=list)
    seconds: float = 0.0
    classification: list[ClassificationResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": REPORT_KIND,
            "vectors": self.vectors,
            "config": as_dict(self.config),
            "similarity": [result.as_dict() for result in self.similarity],
            "analogy": [result.as_dict() for result in self.analogy],
            **({"classification": [result.as_dict() for result in self.classification]} if self.classification else {}),
            "seconds": self.seconds,
            "libraries": library_versions(),
        }


# ---------------------------------------------------------------------------
# datasets


def load_datasets(
    similarity_paths: Sequence[Path] = (), analogy_paths: Sequence[Path] = (), suite: str | None = None,
) -> tuple[list[SimilarityDataset], list[AnalogyDataset]]:
    """Read every requested set (a suite's first); fails before any vectors are loaded."""
    similarity_sets: list[SimilarityDataset] = []
    analogy_sets: list[AnalogyDataset] = []
    for name, kind, path in suite_files(suite) if suite else []:
        if kind == ANALOGY:
            analogy_sets.append(read_analogy_questions(path, name))
        else:
            similarity_sets.append(read_similarity_pairs(path, name))
    similarity_sets += [read_similarity_pairs(path) for path in similarity_paths]
    analogy_sets += [read_analogy_questions(path) for path in analogy_paths]
    return similarity_sets, analogy_sets


# ---------------------------------------------------------------------------
# evaluation


def evaluate_embeddings(
    embeddings: Embeddings, similarity_sets: Sequence[SimilarityDataset], analogy_sets: Sequence[AnalogyDataset],
    config: EvalConfig = EvalConfig(), *, progress: Progress = SILENT, details: bool = False,
) -> EvalReport:
    """Score `embeddings` on every set; lookup tables are built once per restriction.

    `details` keeps per-pair cosines and per-question answers in the results (for error analysis).
    """
    started = time.perf_counter()
    report = EvalReport({"source": embeddings.source, "words": len(embeddings), "dim": embeddings.dim}, config)
    if similarity_sets:
        vocab = CaseInsensitiveVocab(embeddings.words, config.similarity_restrict_vocab)
        for dataset in similarity_sets:
            result = evaluate_similarity(embeddings, dataset, vocab=vocab, details=details)
            report.similarity.append(result)
        # fastText models: the same sets again with unseen words built from subwords ("<name>+subwords")
        pair_words = [word for dataset in similarity_sets for a, b, _ in dataset.pairs for word in (a, b)]
        filled = with_unseen_rows(embeddings, pair_words, config.similarity_restrict_vocab)
        for dataset in similarity_sets if filled is not None else []:
            result = evaluate_similarity(filled, dataset, vocab=CaseInsensitiveVocab(filled.words))
            result.name += f"+{embeddings.resolver.kind}"  # type: ignore[union-attr]
            report.similarity.append(result)
    if analogy_sets:
        vocab = CaseInsensitiveVocab(embeddings.words, config.restrict_vocab)
        for dataset in analogy_sets:
            result = evaluate_analogies(embeddings, dataset, methods=config.methods, workers=config.workers,  # type: ignore[arg-type]
                                        vocab=vocab, details=details)
            report.analogy.append(result)
    report.seconds = time.perf_counter() - started
    return report


def with_unseen_rows(embeddings: Embeddings, words: Sequence[str], limit: int | None = None) -> Embeddings | None:
    """The first `limit` rows plus a row for each of `words` they lack, or None if the model builds no vectors.

    Lets an evaluator score with unseen words filled in (fastText's subwords): a word counts as
    present if its upper-cased form is among the first `limit` words (as the evaluators match
    words); a missing one gets the model's vector for it (its trained row if it is further down
    the vocabulary, else its character n-gram mean).
    """
    if embeddings.resolver is None or not embeddings.resolver.composes_vectors:
        return None
    size = len(embeddings) if limit is None else min(int(limit), len(embeddings))
    present = {word.upper() for word in embeddings.words[:size]}
    missing = [word for word in dict.fromkeys(words) if word.upper() not in present]
    rows, _ = embeddings.vectors_for(missing)
    return Embeddings(list(embeddings.words[:size]) + missing,
                      np.vstack([np.asarray(embeddings.vectors[:size], dtype=np.float32), rows]),
                      source=embeddings.source, manifest=embeddings.manifest, resolver=embeddings.resolver,
                      tokenizer_spec=embeddings.tokenizer_spec)


# ---------------------------------------------------------------------------
# the human table


def render_table(report: EvalReport) -> str:
    """The report as aligned text tables (set names of any length and script)."""
    vectors = report.vectors
    lines = [f"Vectors: {vectors['source']} ({vectors['words']} words x {vectors['dim']} dims)"]
    if report.similarity:
        width = max(12, *(display_width(result.name) for result in report.similarity)) + 2
        lines += ["", pad("similarity", width) + f"{'pairs':>7}{'found':>7}{'coverage':>10}{'Spearman':>10}{'Pearson':>10}"]
        for result in report.similarity:
            lines.append(pad(result.name, width) + f"{result.pairs:>7}{result.found:>7}{result.coverage:>10.1%}"
                         f"{_number(result.spearman):>10}{_number(result.pearson):>10}")
        lines += _malformed_notes(report.similarity)
    for result in report.analogy:
        labels = [METHOD_LABELS[method] for method in result.methods]
        width = max(12, *(display_width(section.name) for section in result.sections)) + 2
        lines += ["", f"analogy {result.name}: {result.answered}/{result.questions} questions answered "
                      f"({result.coverage:.1%} coverage) among the {result.restrict_vocab} most frequent words, "
                      f"{result.seconds:.2f}s",
                  pad("section", width) + f"{'answered':>14}" + "".join(f"{label:>10}" for label in labels)]
        for section in result.sections:
            lines.append(_analogy_row(section.name, width, section.answered, section.questions,
                                      [_accuracy(section.correct[m], section.answered) for m in result.methods]))
        for group in SUMMARY_GROUPS:
            first = result.summary(result.methods[0], group)
            lines.append(_analogy_row(group.upper(), width, first["answered"], first["questions"],
                                      [_percent(result.summary(m, group)["accuracy"]) for m in result.methods]))
        lines += _malformed_notes([result])
    return "\n".join(lines + render_classification(report.classification))


def _analogy_row(name: str, width: int, answered: int, questions: int, accuracies: list[str]) -> str:
    return pad(name, width) + f"{f'{answered}/{questions}':>14}" + "".join(f"{text:>10}" for text in accuracies)


def _malformed_notes(results: Sequence[SimilarityResult | AnalogyResult]) -> list[str]:
    notes = []
    for result in results:
        if result.malformed:
            shown = ", ".join(map(str, result.malformed_lines))
            more = ", ..." if result.malformed > len(result.malformed_lines) else ""
            plural = "s" if result.malformed != 1 else ""
            notes.append(f"  {result.name}: skipped {result.malformed} malformed line{plural} of {result.path} "
                         f"(line{plural} {shown}{more})")
    return notes


def _accuracy(correct: int, answered: int) -> str:
    return _percent(correct / answered if answered else None)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
