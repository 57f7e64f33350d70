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
cosine of every distinct question word with every candidate (in batches when
that table would not fit `memory_budget` bytes). Both objectives then split
into a term of the pair (a, b) and a term of c (see `_best_rows`), so each
question costs one gather, one add or multiply and one argmax over the
candidates, in plain numpy on a thread per core: no JIT runtime to load,
which made a numba kernel cost ~0.5 s more per `embcli eval` than it saved.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
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
COSMUL_EPSILON = 1e-6  # Levy & Goldberg's ε (gensim's most_similar_cosmul uses the same)
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
    details: list[dict[str, Any]] | None = None  # per question (with `details=True`): each method's answer

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
            **({"details": self.details} if self.details is not None else {}),
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
    vocab: CaseInsensitiveVocab | None = None, memory_budget: int = SIMS_MEMORY_BUDGET, details: bool = False,
) -> AnalogyResult:
    """Accuracy per section, per semantic/syntactic half and in total, for each method.

    `vocab` may be passed to share one lookup table between several datasets;
    `details` keeps every question's answer per method (None where a word is unknown).
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
    found = _question_details(embeddings, dataset, answered, predictions) if details else None
    return AnalogyResult(dataset.name, dataset.path, vocab.size, tuple(methods), scores, dataset.malformed,
                         list(dataset.malformed_lines), time.perf_counter() - started, found)


def _question_details(embeddings: Embeddings, dataset: AnalogyDataset, answered: np.ndarray,
                      predictions: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """One record per question: its section, words, and each method's answer (None: not asked or no answer)."""
    answers: list[dict[str, str | None]] = [{method: None for method in predictions} for _ in range(dataset.n_questions)]
    for method, predicted in predictions.items():
        for question, row in zip(answered.tolist(), predicted.tolist()):
            answers[question][method] = embeddings.words[row] if row >= 0 else None
    records = []
    for section in dataset.sections:
        for a, b, c, expected in section.questions:
            answer = answers[len(records)]
            records.append({"section": section.name, "question": [a, b, c], "expected": expected, "answers": answer,
                            "correct": {m: w is not None and w.lower() == expected.lower() for m, w in answer.items()}})
    return records


def answer_questions(
    unit: np.ndarray, group: np.ndarray, question_rows: np.ndarray, *, methods: Sequence[Method] = METHODS,
    workers: int | None = None, memory_budget: int = SIMS_MEMORY_BUDGET,
) -> dict[str, np.ndarray]:
    """Best candidate row per question (-1 if none) for each method.

    unit: (n_rows, dim) unit vectors of the candidates; group: (n_rows,) casing
    group per row; question_rows: (n_questions, 3) rows of a, b, c, each the
    first row of its casing group.
    """
    unit = np.ascontiguousarray(unit, dtype=np.float32)
    question_rows = np.asarray(question_rows, dtype=np.int64).reshape(-1, 3)
    n_questions, n_rows = len(question_rows), unit.shape[0]
    found = {method: np.full(n_questions, -1, dtype=np.int32) for method in methods}
    if n_questions == 0 or n_rows == 0:
        return found
    groups = CasingGroups(group)
    order = np.lexsort((question_rows[:, 2], question_rows[:, 1], question_rows[:, 0]))  # questions of a pair together
    row_bytes = 4 * n_rows
    batch = max(1, memory_budget // (3 * row_bytes)) if np.unique(question_rows).size * row_bytes > memory_budget \
        else n_questions  # each batch has at most 3 distinct words per question
    with ThreadPoolExecutor(max_workers=_threads(workers)) as pool:
        for start in range(0, n_questions, batch):
            chosen = order[start : start + batch]
            words, local = np.unique(question_rows[chosen], return_inverse=True)
            local = local.reshape(-1, 3)
            sims = unit[words] @ unit.T  # (distinct question words, candidates)
            for method, best in _best_rows(sims, words, local, groups, methods, pool).items():
                found[method][chosen] = best
    return found


class CasingGroups:
    """The rows of each casing group, to keep a question's words (in any casing) from being answers."""

    def __init__(self, group: np.ndarray) -> None:
        group = np.asarray(group, dtype=np.int64)
        self.rows = np.argsort(group, kind="stable")
        self.sorted = group[self.rows]

    def members(self, first_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, row) pairs: every row of each group in `first_rows`, owner = its position there."""
        starts = np.searchsorted(self.sorted, first_rows, side="left")
        ends = np.searchsorted(self.sorted, first_rows, side="right")
        sizes = ends - starts
        owner = np.repeat(np.arange(len(first_rows)), sizes)
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return owner, self.rows[np.repeat(starts, sizes) + offsets]


def _best_rows(sims: np.ndarray, words: np.ndarray, local: np.ndarray, groups: CasingGroups,
               methods: Sequence[str], pool: ThreadPoolExecutor) -> dict[str, np.ndarray]:
    """Argmax per question and method of a term of c combined with a term of the pair (a, b).

    Both objectives split so: 3CosAdd as cos c + (cos b - cos a); 3CosMul as
    cos' c · (cos' b / (cos' a + ε)) with cos' = (1 + cos) / 2. Questions come
    sorted by (a, b), so the pair terms are computed once per pair and broadcast
    over that pair's questions: one gather of the c rows serves both methods,
    then one add or multiply and one argmax each. The question words' casing
    groups are never answers.
    """
    pair_starts = np.flatnonzero(np.r_[True, (local[1:, :2] != local[:-1, :2]).any(axis=1)])
    pair_ends = np.r_[pair_starts[1:], len(local)]

    def best(scores: np.ndarray, masked: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        pair_rows, owner, rows = masked
        scores[:, pair_rows] = -np.inf
        scores[owner, rows] = -np.inf
        top = np.argmax(scores, axis=1)
        return np.where(np.isneginf(scores[np.arange(len(scores)), top]), -1, top).astype(np.int32)

    def answer(first: int, last: int) -> dict[str, np.ndarray]:
        a, b = local[first, 0], local[first, 1]
        gathered = sims[local[first:last, 2]]  # cos(x, c), one row per question
        masked = (groups.members(words[[a, b]])[1], *groups.members(words[local[first:last, 2]]))
        found = {}
        if "3cosadd" in methods:
            found["3cosadd"] = best(gathered + (sims[b] - sims[a]), masked)
        if "3cosmul" in methods:
            shifted = (1 + sims[[a, b]]) / 2
            gathered += 1
            gathered /= 2
            gathered *= shifted[1] / (shifted[0] + np.float32(COSMUL_EPSILON))
            found["3cosmul"] = best(gathered, masked)
        return found

    answers = list(pool.map(answer, pair_starts, pair_ends))
    return {method: np.concatenate([found[method] for found in answers]) for method in methods}


def _threads(workers: int | None) -> int:
    """Threads for the per-pair scoring (numpy releases the GIL in gathers, adds and argmax)."""
    return max(1, workers if workers is not None else (os.cpu_count() or 1))
