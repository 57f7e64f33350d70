"""Downstream classification (`eval --classify`): are these text vectors good for the task they are made for?

Files hold one `label<TAB>text` per line (MR, SUBJ, TREC in `data/classify/`).
Blank lines are ignored; a line without a tab, or with an empty label or
text, is skipped and counted (`malformed`, first line numbers kept), as the
similarity readers do. Fewer than two classes is an error.

Texts are tokenized as the vectors' corpus was and pooled as `embed` pools
them (`mean`, `sif`, or `infer` for doc2vec models); a text with no known
word gets a zero row and counts against coverage. The classifier is
scikit-learn's logistic regression on standardised features, its
regularisation C chosen by an inner 5-fold cross-validation
(`LogisticRegressionCV`), scored by stratified 10-fold cross-validation
(accuracy: mean and standard deviation over folds), or trained on one file
and tested on another. Folds are seeded, so a score is reproducible.
SIF removes the first component of the rows it is fitted on: all texts under
cross-validation (unsupervised, no labels seen), the training file otherwise.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from embcli.config import EmbedConfig
from embcli.doc2vec_inference import infer_token_lists, load_doc2vec
from embcli.errors import ConfigError, InputError
from embcli.text_vectors import first_component, pool_lines, remove_component, token_weights, tokenizer_for
from embcli.embeddings import Embeddings

MALFORMED_LINES_KEPT = 20
CV_FOLDS = 10
INNER_FOLDS = 5
C_GRID = tuple(float(c) for c in np.logspace(-3, 2, 8))  # regularisation strengths tried by the inner CV
POOLS = ("mean", "sif", "infer")


@dataclass
class LabeledTexts:
    name: str
    path: str
    labels: list[str]
    texts: list[str]
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)


@dataclass
class ClassificationResult:
    name: str
    path: str
    pool: str
    protocol: str  # "10-fold cross-validation" or "train/test"
    texts: int  # texts scored (test texts for a split)
    covered: int  # of those, texts with at least one known word
    classes: int
    accuracy: float
    std: float | None  # over folds (None for a single split)
    fold_accuracies: list[float]
    malformed: int
    malformed_lines: list[int]
    seconds: float

    @property
    def coverage(self) -> float:
        return self.covered / self.texts if self.texts else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "pool": self.pool, "protocol": self.protocol,
                "texts": self.texts, "covered": self.covered, "coverage": round(self.coverage, 6),
                "classes": self.classes, "accuracy": self.accuracy, "std": self.std,
                "fold_accuracies": self.fold_accuracies, "malformed_lines": self.malformed,
                "malformed_line_numbers": self.malformed_lines, "seconds": round(self.seconds, 3)}


def read_labeled_texts(path: Path | str, *, name: str | None = None, min_classes: int = 2) -> LabeledTexts:
    """`label<TAB>text` lines; malformed ones are counted, fewer than `min_classes` classes is an InputError."""
    path = Path(path)
    dataset = LabeledTexts(name or path.stem, str(path), [], [])
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:  # -sig: a BOM is no part of a label
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                label, tab, text = line.partition("\t")
                if not tab or not label.strip() or not text.strip():
                    dataset.malformed += 1
                    if len(dataset.malformed_lines) < MALFORMED_LINES_KEPT:
                        dataset.malformed_lines.append(number)
                    continue
                dataset.labels.append(label.strip())
                dataset.texts.append(text)
    except OSError as exc:
        raise InputError(f"cannot read classification file {path}: {exc.strerror}") from None
    classes = len(set(dataset.labels))
    if classes < min_classes:
        raise InputError(f"{path}: {classes} class{'es' if classes != 1 else ''} among {len(dataset.labels)} usable "
                         f"lines ({dataset.malformed} malformed); a classification file needs label<TAB>text lines "
                         f"of at least two labels")
    return dataset


def text_features(embeddings: Embeddings, texts: list[str], pool: str, *, seed: int = 1,
                  component: np.ndarray | None = None) -> tuple[np.ndarray, int, np.ndarray | None]:
    """(rows float32, texts with no known word, the SIF component used) for `texts`, tokenized as the corpus was.

    SIF removes `component` when given, else the first component of these rows.
    """
    if pool not in POOLS:
        raise ConfigError(f"--pool {pool}: classification pools with one of {', '.join(POOLS)}")
    tokenize, _ = tokenizer_for(embeddings)
    token_lists = [tokenize(text) for text in texts]
    if pool == "infer":
        rows, _, empty = infer_token_lists(load_doc2vec(embeddings), token_lists, seed=seed)
        return rows, empty, None
    weights = token_weights(embeddings, EmbedConfig(pool=pool))  # type: ignore[arg-type]
    pooled = pool_lines(token_lists, embeddings, pool, weights=weights)
    rows, empty = pooled.rows, pooled.empty_rows
    if pool == "sif":
        component = component if component is not None else first_component(rows.T.astype(np.float64) @ rows)
        if component is not None:
            rows = remove_component(rows, component)
    return rows, empty, component


@contextmanager
def quiet_single_threaded_fits() -> Iterator[None]:
    """One BLAS thread (these small fits run 10x slower with a pool of spinning threads on a busy machine), and
    scikit-learn's notices about future defaults (the settings used here are explicit) silenced."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def make_classifier(seed: int = 1) -> Any:
    """Standardised features + logistic regression with C chosen by inner stratified 5-fold CV."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    inner = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
    return make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=list(C_GRID), cv=inner, max_iter=2000,
                                                                scoring="accuracy"))


def cross_validated_accuracies(features: np.ndarray, labels: list[str], *, folds: int = CV_FOLDS,
                               seed: int = 1) -> list[float]:
    """Accuracy of each fold of a seeded stratified `folds`-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    smallest = min(np.unique(np.asarray(labels), return_counts=True)[1])
    if smallest < 2:
        raise InputError("a class has a single example; cross-validation needs at least two of each label")
    outer = StratifiedKFold(n_splits=min(folds, int(smallest)), shuffle=True, random_state=seed)
    with quiet_single_threaded_fits():
        return [float(s) for s in cross_val_score(make_classifier(seed), features, np.asarray(labels), cv=outer)]


def classify_cross_validated(embeddings: Embeddings, dataset: LabeledTexts, pool: str, *, seed: int = 1,
                             folds: int = CV_FOLDS) -> ClassificationResult:
    started = time.perf_counter()
    features, empty, _ = text_features(embeddings, dataset.texts, pool, seed=seed)
    scores = cross_validated_accuracies(features, dataset.labels, folds=folds, seed=seed)
    return ClassificationResult(dataset.name, dataset.path, pool, f"{len(scores)}-fold cross-validation",
                                len(dataset.texts), len(dataset.texts) - empty, len(set(dataset.labels)),
                                float(np.mean(scores)), float(np.std(scores)), scores, dataset.malformed,
                                dataset.malformed_lines, time.perf_counter() - started)


def classify_split(embeddings: Embeddings, train: LabeledTexts, test: LabeledTexts, pool: str, *,
                   seed: int = 1) -> ClassificationResult:
    """Fit on `train`, score accuracy on `test` (a test label unseen in training counts as an error)."""
    started = time.perf_counter()
    train_features, _, component = text_features(embeddings, train.texts, pool, seed=seed)
    test_features, empty, _ = text_features(embeddings, test.texts, pool, seed=seed, component=component)
    with quiet_single_threaded_fits():
        model = make_classifier(seed).fit(train_features, np.asarray(train.labels))
    accuracy = float(np.mean(model.predict(test_features) == np.asarray(test.labels)))
    return ClassificationResult(test.name, test.path, pool, "train/test", len(test.texts), len(test.texts) - empty,
                                len(set(train.labels)), accuracy, None, [accuracy],
                                train.malformed + test.malformed, train.malformed_lines + test.malformed_lines,
                                time.perf_counter() - started)


@dataclass
class ClassificationTasks:
    """The classification files of one eval, read (and checked) before any vectors are loaded."""

    cross_validated: list[LabeledTexts]
    split: tuple[LabeledTexts, LabeledTexts] | None
    paths: list[Path]

    @property
    def requested(self) -> bool:
        return bool(self.cross_validated or self.split)


def read_classification_tasks(paths: Sequence[str | Path] = (), train: str | Path | None = None,
                              test: str | Path | None = None) -> ClassificationTasks:
    """Read every `--classify` file and the `--classify-train`/`--classify-test` pair."""
    if (train is None) != (test is None):
        raise ConfigError("--classify-train and --classify-test go together (or use --classify FILE for cross-validation)")
    split = (read_labeled_texts(train), read_labeled_texts(test, min_classes=1)) if train and test else None
    given = [Path(p) for p in (*paths, train, test) if p is not None]
    return ClassificationTasks([read_labeled_texts(path) for path in paths], split, given)


def classify_tasks(embeddings: Embeddings, tasks: ClassificationTasks, pool: str, *,
                   seed: int = 1) -> list[ClassificationResult]:
    """Cross-validated results per file, then the train/test result."""
    results = [classify_cross_validated(embeddings, dataset, pool, seed=seed) for dataset in tasks.cross_validated]
    if tasks.split is not None:
        results.append(classify_split(embeddings, *tasks.split, pool, seed=seed))
    return results


def render_classification(results: list[ClassificationResult]) -> list[str]:
    """Lines of the eval table for classification results."""
    if not results:
        return []
    lines = ["", f"{'classification':<16}{'pool':>7}{'texts':>8}{'coverage':>10}{'accuracy':>10}{'std':>8}  protocol"]
    for r in results:
        std = f"{r.std:.1%}" if r.std is not None else "-"
        lines.append(f"{r.name:<16}{r.pool:>7}{r.texts:>8}{r.coverage:>10.1%}{r.accuracy:>10.1%}{std:>8}  {r.protocol}")
    for r in results:
        if r.malformed:
            shown = ", ".join(map(str, r.malformed_lines)) + (", ..." if r.malformed > len(r.malformed_lines) else "")
            lines.append(f"  {r.name}: skipped {r.malformed} malformed line(s) of {r.path} (lines {shown})")
    return lines
