"""What quantizing costs in scores: the eval stage run on the original and the quantized vectors."""

from __future__ import annotations

from typing import Any

from embcli.config import EvalConfig
from embcli.embeddings import Embeddings
from embcli.evaluation.report import evaluate_embeddings, load_datasets
from embcli.progress import SILENT, Progress


def evaluation_drop(original: Embeddings, quantized: Embeddings, *, suite: str = "standard",
                    eval_config: EvalConfig | None = None, progress: Progress = SILENT) -> dict[str, list[dict[str, Any]]]:
    """Scores of the original and the quantized vectors on `suite`, side by side.

    Similarity rows compare Spearman; analogy rows compare total accuracy per
    method (as fractions; `delta` is quantized minus original).
    """
    config = eval_config or EvalConfig()
    similarity_sets, analogy_sets = load_datasets(suite=suite)
    before, after = (evaluate_embeddings(embeddings, similarity_sets, analogy_sets, config, progress=progress)
                     for embeddings in (original, quantized))
    similarity = [_compared(a.name, "spearman", a.spearman, b.spearman) for a, b in zip(before.similarity, after.similarity)]
    analogy = [_compared(a.name, method, a.summary(method)["accuracy"], b.summary(method)["accuracy"])
               for a, b in zip(before.analogy, after.analogy) for method in a.methods]
    return {"similarity": similarity, "analogy": analogy}


def _compared(name: str, measure: str, before: float | None, after: float | None) -> dict[str, Any]:
    delta = None if before is None or after is None else after - before
    return {"name": name, "measure": measure, "original": before, "quantized": after, "delta": delta}
