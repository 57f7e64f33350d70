"""Word-analogy evaluation (a:b :: c:?), 3CosAdd and 3CosMul, in batches.

Semantics are those of gensim's `KeyedVectors.evaluate_word_analogies` and
word2vec's compute-accuracy: only the `restrict_vocab` most frequent words
exist (a question with any other word is unanswered and lowers coverage);
words match case-insensitively, the most frequent casing winning; the
question words a, b, c, in any casing, are never the answer; an answer is
right if its upper-cased form is the expected word's. gensim only offers
3CosAdd; 3CosMul is Levy & Goldberg's objective as gensim's
`most_similar_cosmul` computes it, restricted the same way.

Instead of one vector search per question, one matrix product gives the
cosine of every distinct question word with every candidate, and a fused
kernel (`kernels.best_answers`) scores, masks and takes the argmax for all
questions; the cosine table is built in batches when it would not fit
`memory_budget` bytes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from embcli.evaluation.datasets import AnalogyDataset
from embcli.evaluation.lookup import CaseInsensitiveVocab
from embcli.embeddings import Embeddings

Method = Literal["3cosadd", "3cosmul"]
METHODS: tuple[Method, ...] = ("3cosadd", "3cosmul")
METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
SIMS_MEMORY_BUDGET = 256 * 2**20  # bytes for the question-word × candidate cosine table
SUMMARY_GROUPS = ("semantic", "syntactic", "total")


@dataclass
class SectionScore:
    name: str
    syntactic: bool  # the Google set's "gram..." sections
    questions: int  # well-formed questions in the file
    answered: int  # questions whose four words are all in the restricted vocabulary
    correct: dict[str, int]  # method -> questions answered right


@dataclass
class AnalogyResult:
    name: str
    path: str
    restrict_vocab: int
    methods: tuple[str, ...]
    sections: list[SectionScore]
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def questions(self) -> int:
        return sum(section.questions for section in self.sections)

    @property
    def answered(self) -> int:
        return sum(section.answered for section in self.sections)

    @property
    def coverage(self) -> float:
        return self.answered / self.questions if self.questions else 0.0

    def summary(self, method: str, group: str = "total") -> dict[str, Any]:
        """Correct / answered / accuracy over the semantic, syntactic or all sections."""
        chosen = [s for s in self.sections if group == "total" or s.syntactic == (group == "syntactic")]
        return _score(sum(s.correct[method] for s in chosen), sum(s.answered for s in chosen),
                      sum(s.questions for s in chosen))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "path": self.path, "restrict_vocab": self.restrict_vocab,
            "questions": self.questions, "answered": self.answered, "coverage": self.coverage,
            "malformed_lines": self.malformed, "malformed_line_numbers": self.malformed_lines,
            "seconds": self.seconds,
            "methods": {
                method: {
                    **{group: self.summary(method, group) for group in SUMMARY_GROUPS},
                    "sections": [
                        {"section": s.name, "kind": "syntactic" if s.syntactic else "semantic",
                         **_score(s.correct[method], s.answered, s.questions)}
                        for s in self.sections
                    ],
                }
                for method in self.methods
            },
        }


def _score(correct: int, answered: int, questions: int) -> dict[str, Any]:
    return {"correct": correct, "answered": answered, "questions": questions,
            "accuracy": correct / answered if answered else None}


# ---------------------------------------------------------------------------
# evaluation


def evaluate_analogies(
    embeddings: Embeddings, dataset: AnalogyDataset, *, restrict_vocab: int = 30_000,
    methods: Sequence[Method] = METHODS, workers: int | None = None,
    vocab: CaseInsensitiveVocab | None = None, memory_budget: int = SIMS_MEMORY_BUDGET,
) -> AnalogyResult:
    """Accuracy per section, per semantic/syntactic half and in total, for each method.

    `vocab` may be passed to share one lookup table between several datasets.
    """
    started = time.perf_counter()
    vocab = vocab or CaseInsensitiveVocab(embeddings.words, restrict_vocab)
    sections = dataset.sections
    questions = [question for section in sections for question in section.questions]
    section_of = np.repeat(np.arange(len(sections)), [len(section.questions) for section in sections])
    rows = vocab.rows_of([word for question in questions for word in question]).reshape(-1, 4)
    answered = np.flatnonzero((rows >= 0).all(axis=1))
    predictions = answer_questions(
        embeddings.unit_vectors[: vocab.size], vocab.group, rows[answered, :3],
        methods=methods, workers=workers, memory_budget=memory_budget,
    )
    answered_per_section = np.bincount(section_of[answered], minlength=len(sections))
    correct_per_section = {}
    for method, predicted in predictions.items():
        right = (predicted >= 0) & (vocab.group[np.maximum(predicted, 0)] == rows[answered, 3])
        correct_per_section[method] = np.bincount(section_of[answered][right], minlength=len(sections))
    scores = [
        SectionScore(section.name, section.syntactic, len(section.questions), int(answered_per_section[i]),
                     {method: int(correct_per_section[method][i]) for method in methods})
        for i, section in enumerate(sections)
    ]
    return AnalogyResult(dataset.name, dataset.path, vocab.size, tuple(methods), scores, dataset.malformed,
                         list(dataset.malformed_lines), time.perf_counter() - started)


def answer_questions(
    unit: np.ndarray, group: np.ndarray, question_rows: np.ndarray, *, methods: Sequence[Method] = METHODS,
    workers: int | None = None, memory_budget: int = SIMS_MEMORY_BUDGET,
) -> dict[str, np.ndarray]:
    """Best candidate row per question (-1 if none) for each method.

    unit: (n_rows, dim) unit vectors of the candidates; group: (n_rows,) casing
    group per row; question_rows: (n_questions, 3) rows of a, b, c, each the
    first row of its casing group.
    """
    from embcli.evaluation.kernels import best_answers

    _use_threads(workers)
    unit = np.ascontiguousarray(unit, dtype=np.float32)
    n_questions, n_rows = len(question_rows), unit.shape[0]
    row_bytes = 4 * max(n_rows, 1)
    if np.unique(question_rows).size * row_bytes <= memory_budget:
        batch = max(n_questions, 1)
    else:  # each batch has at most 3 distinct words per question
        batch = max(1, memory_budget // (3 * row_bytes))
    found = {method: np.full(n_questions, -1, dtype=np.int32) for method in methods}
    for start in range(0, n_questions, batch):
        batch_rows = np.ascontiguousarray(question_rows[start : start + batch], dtype=np.int32)
        words, local = np.unique(batch_rows, return_inverse=True)
        sims = unit[words] @ unit.T  # (distinct question words, candidates)
        best_add, best_mul = best_answers(
            sims, local.reshape(batch_rows.shape).astype(np.int32), batch_rows, group.astype(np.int32, copy=False),
            "3cosadd" in methods, "3cosmul" in methods,
        )
        for method, best in (("3cosadd", best_add), ("3cosmul", best_mul)):
            if method in found:
                found[method][start : start + batch] = best
    return found


def _use_threads(workers: int | None) -> None:
    if workers is not None:
        import numba

        numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
