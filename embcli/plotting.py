"""A 2-D map of word vectors: PCA or t-SNE (scikit-learn), labelled points, PNG or SVG.

matplotlib is an optional extra (`pip install 'embcli[plot]'`), imported
only when a map is drawn. Figures are built with `matplotlib.figure.Figure`
directly (no pyplot, no global backend switch), which renders PNG through
Agg and SVG through matplotlib's SVG backend without a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import check_output, file_kind_for, staged_file
from embcli.artifacts.arrays import require_usable_matrix
from embcli.config import PlotConfig
from embcli.corpus.vocabulary import UNK
from embcli.errors import ConfigError, EmbcliError, InputError
from embcli.embeddings import Embeddings
from embcli.evaluation.lookup import CaseInsensitiveVocab
from embcli.evaluation.neighbors import resolve_rows
from embcli.plot_fonts import font_families_for
from embcli.progress import SILENT, Progress

IMAGE_FORMATS = {".png": "png", ".svg": "svg"}
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
MATPLOTLIB_MISSING = "plotting needs matplotlib, an optional extra: pip install 'embcli[plot]'"


def chosen_points(embeddings: Embeddings, words: Sequence[str], top: int) -> tuple[list[str], np.ndarray]:
    """(labels, vectors) of the named words, or of the `top` most frequent words, `<unk>` left out.

    A named word is its vocabulary row in any casing (labelled as the vocabulary spells it), else
    the vector the model gives an unseen word (fastText subwords, a hash bucket); else an error
    naming every unknown word.
    """
    if not words:
        if top < 1:
            raise ConfigError(f"--top must be at least 1, got {top}")
        rows = [i for i, word in enumerate(embeddings.words) if word != UNK][:top]
        return [embeddings.words[row] for row in rows], np.asarray(embeddings.vectors[rows], dtype=np.float32)
    any_case = CaseInsensitiveVocab(embeddings.words)
    chosen: dict[str | int, str] = {}  # row (vocabulary words) or word (unseen ones) -> label
    for word in dict.fromkeys(words):
        row = embeddings.key_to_index.get(word, any_case.row(word))
        chosen.setdefault(row if row >= 0 else word, embeddings.words[row] if row >= 0 else word)
    unseen = [key for key in chosen if isinstance(key, str)]
    unseen_vectors, found = embeddings.vectors_for(unseen)
    if not found.all():
        resolve_rows(embeddings, [word for word, ok in zip(unseen, found.tolist()) if not ok])  # raises, naming them
    by_word = dict(zip(unseen, unseen_vectors))
    points = [by_word[key] if isinstance(key, str) else np.asarray(embeddings.vectors[key], dtype=np.float32)
              for key in chosen]
    return list(chosen.values()), np.vstack(points)


def project_2d(points: np.ndarray, method: str, *, perplexity: float = 30.0, seed: int = 1) -> np.ndarray:
    """(n, dim) -> (n, 2) with PCA or t-SNE; t-SNE's perplexity is capped below n."""
    points = np.asarray(points, dtype=np.float64)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(points)
    from sklearn.manifold import TSNE

    capped = min(perplexity, (len(points) - 1) / 3)
    return TSNE(n_components=2, perplexity=max(capped, 1.0), init="pca", random_state=seed).fit_transform(points)


def plot_words(
    embeddings: Embeddings, output: Path, config: PlotConfig, words: Sequence[str] = (), *, force: bool = False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Draw the chosen words' 2-D map into `output` (.png or .svg); returns what was plotted.

    Labels in scripts the default font lacks (Chinese, ...) are drawn with an installed font that has
    them; without one, `progress` hears once which font to install.
    """
    output = Path(output)
    image_format = IMAGE_FORMATS.get(output.suffix.lower())
    if image_format is None:
        raise ConfigError(f"-o {output}: the map is written as .png or .svg; use one of those suffixes")
    check_output(output, force=force, kind=file_kind_for(output), inputs=(embeddings.source,))
    figure_class = _figure_class()
    labels, vectors = chosen_points(embeddings, words, config.top)
    minimum = 3 if config.method == "pca" else 4
    if len(labels) < minimum:
        raise InputError(f"a {METHOD_NAMES[config.method]} map needs at least {minimum} distinct words, got {len(labels)}")
    require_usable_matrix(vectors, embeddings.source, "plot")
    points = project_2d(vectors, config.method, perplexity=config.perplexity, seed=config.seed)
    families = font_families_for(labels, progress.note)
    figure = _draw(figure_class, points, labels, title=f"{Path(embeddings.source).name}: {METHOD_NAMES[config.method]}",
                   families=families)
    with staged_file(output, force=force, kind=file_kind_for(output), inputs=(embeddings.source,)) as staging:
        save_figure(figure, staging, image_format)
    return {"output": str(output), "method": config.method, "words": labels,
            "coordinates": points.round(6).tolist()}


def label_steps(points: np.ndarray, near: tuple[float, float] = (0.04, 0.02)) -> list[int]:
    """How many lines down to move each label so labels of nearly coincident points do not overprint.

    A point's label moves one line further for each earlier point within `near` (fractions of the
    plot's width and height) of it.

    >>> label_steps(np.array([[0.0, 0.0], [0.001, 0.0], [1.0, 1.0]]))
    [0, 1, 0]
    """
    span = np.ptp(points, axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
    steps: list[int] = []
    for i, point in enumerate(scaled):
        close = np.all(np.abs(scaled[:i] - point) < near, axis=1)
        steps.append(int(np.count_nonzero(close)))
    return steps


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise EmbcliError(MATPLOTLIB_MISSING) from None
    return Figure


def _draw(figure_class: Any, points: np.ndarray, labels: list[str], *, title: str,
          families: list[str] | None = None) -> Any:
    side = float(np.clip(4 + 0.12 * len(labels), 6, 16))
    figure = figure_class(figsize=(side, side * 0.75))
    axes = figure.add_subplot()
    axes.scatter(points[:, 0], points[:, 1], s=14, color="#3465a4", alpha=0.8)
    font = {"family": families} if families else {}
    for (x, y), label, step in zip(points, labels, label_steps(points)):
        axes.annotate(label, (x, y), xytext=(3, 3 - 9 * step), textcoords="offset points", fontsize=8, **font)
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    return figure


def save_figure(figure: Any, target: Path, image_format: str) -> None:
    """Write the figure; missing glyphs were reported once already (see `font_families_for`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        figure.savefig(target, format=image_format, dpi=150, bbox_inches="tight")
