"""A stop-word list stored inside an artifact (`stopwords.txt`): one normalised word per line, sorted.

Preprocess writes the list it filtered with into the corpus directory, and
training copies it into the vectors directory, so `embed` and queries
tokenize as the corpus was without reading any file outside the artifact.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from embcli.artifacts.sizes import check_text_file_size
from embcli.errors import FormatError

STOPWORDS_NAME = "stopwords.txt"
MAX_STOPWORD_LIST_BYTES = 64 << 20  # as for a --stopwords file (embcli.corpus.tokenize.MAX_STOPWORD_FILE_BYTES)


def write_stopword_file(path: Path, words: Iterable[str]) -> None:
    """Write `words` (already normalised) one per line, sorted, UTF-8.

    >>> import tempfile; path = Path(tempfile.mkdtemp()) / STOPWORDS_NAME
    >>> write_stopword_file(path, {"the", "a"}); sorted(read_stopword_file(path))
    ['a', 'the']
    """
    Path(path).write_text("".join(f"{word}\n" for word in sorted(set(words))), encoding="utf-8")


def read_stopword_file(path: Path) -> frozenset[str]:
    """The list in an artifact, at most `MAX_STOPWORD_LIST_BYTES` (it may come with a downloaded model)."""
    check_text_file_size(path, MAX_STOPWORD_LIST_BYTES, "stop-word list")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FormatError(f"{path} is missing; the artifact is incomplete, re-create it with embcli") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: not a readable UTF-8 stop-word list ({exc})") from None
    return frozenset(line for line in text.splitlines() if line)


def store_stopwords(directory: Path, words: frozenset[str]) -> dict[str, str]:
    """Write a non-empty list into `directory`; the manifest `files` entry for it (empty if no list)."""
    if not words:
        return {}
    write_stopword_file(Path(directory) / STOPWORDS_NAME, words)
    return {"stopwords": STOPWORDS_NAME}
