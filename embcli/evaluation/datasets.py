"""Readers for word-similarity and word-analogy test sets, and the bundled suite.

Both readers follow the file conventions of gensim's `evaluate_word_pairs` and
`evaluate_word_analogies`, so scores are comparable with published ones:

- similarity: `word1<TAB>word2<TAB>score` per line, `#` starts a comment line;
- analogy: `: section name` header lines, then `a b c d` (a:b :: c:d) per line.

Blank lines are ignored. Any other line that does not fit is skipped and
counted (`malformed`), and its line number kept, so a report can say how much
of a file was unusable instead of failing or hiding it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from embcli.errors import FormatError, InputError

EVAL_DATA_DIR_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "data" / "eval",  # installed wheel
    Path(__file__).resolve().parents[2] / "data" / "eval",  # source checkout
)

SIMILARITY = "similarity"
ANALOGY = "analogy"

# suite name -> [(dataset name, kind, file name in data/eval)]
SUITES: dict[str, list[tuple[str, str, str]]] = {
    "standard": [
        ("ws353", SIMILARITY, "EN-WS-353-ALL.txt"),
        ("ws353-sim", SIMILARITY, "EN-WS-353-SIM.txt"),
        ("ws353-rel", SIMILARITY, "EN-WS-353-REL.txt"),
        ("simlex999", SIMILARITY, "EN-SIMLEX-999.txt"),
        ("google", ANALOGY, "questions-words.txt"),
    ],
}

MALFORMED_LINES_KEPT = 20  # line numbers remembered per file, for the report


@dataclass
class SimilarityDataset:
    """Word pairs with a human similarity score, in file order."""

    name: str
    path: str
    pairs: list[tuple[str, str, float]]
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)


@dataclass
class AnalogySection:
    name: str
    questions: list[tuple[str, str, str, str]]  # (a, b, c, expected): a is to b as c is to expected

    @property
    def syntactic(self) -> bool:
        """The Google set's convention: syntactic sections are named `gram...`."""
        return self.name.startswith("gram")


@dataclass
class AnalogyDataset:
    name: str
    path: str
    sections: list[AnalogySection]
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)

    @property
    def n_questions(self) -> int:
        return sum(len(section.questions) for section in self.sections)


def _read_lines(path: Path) -> list[str]:
    path = Path(path)
    if not path.exists():
        raise InputError(f"evaluation file {path} does not exist")
    if path.is_dir():
        raise InputError(f"evaluation file {path} is a directory; pass a file")
    try:
        # universal newlines, as gensim reads them; utf-8-sig drops a byte-order mark before the first line
        with open(path, encoding="utf-8-sig") as handle:
            return [line.rstrip("\n") for line in handle]
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text at byte {exc.start}; evaluation files must be UTF-8") from None
    except OSError as exc:
        raise InputError(f"cannot read evaluation file {path}: {exc.strerror}") from None


def read_similarity_pairs(path: Path, name: str | None = None) -> SimilarityDataset:
    """Read `word1<TAB>word2<TAB>score` lines.

    As in gensim, words are taken verbatim between tabs (not stripped) and the
    score must parse as a float; non-finite scores are treated as malformed.
    """
    path = Path(path)
    dataset = SimilarityDataset(name or path.stem, str(path), [])
    for line_number, line in enumerate(_read_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        score = _parse_score(fields[2]) if len(fields) == 3 else None
        if score is None:
            _count_malformed(dataset, line_number)
            continue
        dataset.pairs.append((fields[0], fields[1], score))
    return dataset


def _parse_score(text: str) -> float | None:
    try:
        score = float(text)
    except ValueError:
        return None
    return score if math.isfinite(score) else None


def read_analogy_questions(path: Path, name: str | None = None) -> AnalogyDataset:
    """Read a questions-words style file: `: section` headers and `a b c d` lines."""
    path = Path(path)
    dataset = AnalogyDataset(name or path.stem, str(path), [])
    for line_number, line in enumerate(_read_lines(path), start=1):
        if line.startswith(": "):
            dataset.sections.append(AnalogySection(line.lstrip(": ").strip(), []))
            continue
        if not line.strip():
            continue
        if not dataset.sections:
            raise FormatError(f"{path}:{line_number}: question before the first ': section' header line")
        words = line.split()
        if len(words) != 4:
            _count_malformed(dataset, line_number)
            continue
        dataset.sections[-1].questions.append((words[0], words[1], words[2], words[3]))
    return dataset


def _count_malformed(dataset: SimilarityDataset | AnalogyDataset, line_number: int) -> None:
    dataset.malformed += 1
    if len(dataset.malformed_lines) < MALFORMED_LINES_KEPT:
        dataset.malformed_lines.append(line_number)


# ---------------------------------------------------------------------------
# the bundled suite


def eval_data_dir() -> Path:
    """Where the bundled evaluation sets live (package data, or the checkout's data/eval)."""
    for directory in EVAL_DATA_DIR_CANDIDATES:
        if directory.is_dir():
            return directory
    raise InputError("the bundled evaluation sets are missing (data/eval); reinstall embcli or pass files explicitly")


def suite_files(suite: str) -> list[tuple[str, str, Path]]:
    """(dataset name, kind, path) for every set of a named suite."""
    directory = eval_data_dir()
    return [(name, kind, directory / filename) for name, kind, filename in SUITES[suite]]
