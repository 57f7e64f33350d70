"""`vocab.tsv` opened for lookups: one query on a million-word model without a million strings.

A query needs the row of a word or two and the words of ten rows; turning the
whole file into a list and a dict costs more than the query itself (over a
second for a million words). A `WordTable` keeps the file's bytes instead:

- a word's row is found by searching them for `<TAB>word<TAB>` (only a token
  field sits between two TABs), the first match being the first row, as a dict
  built from the list would answer;
- a row's word is cut from its line;
- the whole file is checked to be UTF-8 with three fields on every line, and
  every line answered from as `read_vocabulary` checks it (its index, a digit
  count); anything irregular, and anything that needs the whole file
  (iteration, slices, counts, many lookups), reads it with `read_vocabulary`,
  which checks every line and names a bad one.

It is a `Sequence[str]` equal to the list of tokens, so code that reads
`embeddings.words` sees no difference.

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "vocab.tsv"
>>> _ = path.write_text("index\\ttoken\\tcount\\n0\\t<unk>\\t5\\n1\\tthe\\t9\\n2\\tcat\\t3\\n", encoding="utf-8")
>>> words = WordTable(path)
>>> len(words), words.row("cat"), words[1], words.row("dog"), "the" in words
(3, 2, 'the', -1, True)
>>> words == ["<unk>", "the", "cat"], words.counts.tolist()
(True, [5, 9, 3])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from embcli.corpus.vocabulary import VOCAB_HEADER, read_vocabulary
from embcli.errors import InputError

SEARCHES_BEFORE_DICT = 16  # distinct words searched in the bytes before one dict is built for all
ROWS_BEFORE_LIST = 4096  # single rows cut from lines before the whole list is read


class WordTable(Sequence[str]):
    """The tokens of a `vocab.tsv`, in index order, read from its bytes until the whole list is needed."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"vocabulary file {self.path} does not exist")
        try:
            self._data: bytes | None = self.path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None
        self._words: list[str] | None = None
        self._counts: np.ndarray | None = None
        self._index: dict[str, int] | None = None
        self._found: dict[str, int] = {}  # words searched so far -> row (-1: absent)
        self._line_ends: np.ndarray | None = None
        self._rows_cut = 0
        self._rows_view: WordRows | None = None
        header = (VOCAB_HEADER + "\n").encode()
        self._start = len(header)
        self._size = self._data.count(b"\n") - 1
        if not self._plain(header):
            self._read_all()  # an error (read_vocabulary names it), or a file the byte search cannot serve
            self._size = len(self._words or ())

    def _plain(self, header: bytes) -> bool:
        """True if the whole file looks as embcli writes it: the header, UTF-8, three fields on every line."""
        data = self._data
        assert data is not None
        if not (data.startswith(header) and data.endswith(b"\n")) or self._size < 1:
            return False
        if data.count(b"\t") != 2 * (self._size + 1):
            return False
        try:
            data.isascii() or data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    # -- the whole file, read once when needed -------------------------------

    def _read_all(self) -> list[str]:
        if self._words is None:
            vocab = read_vocabulary(self.path)
            self._words, self._counts = vocab.tokens, vocab.counts
            self._data = self._line_ends = None
        return self._words

    @property
    def counts(self) -> np.ndarray:
        """Corpus counts, int64, one per token (reads the whole file)."""
        self._read_all()
        return self._counts  # type: ignore[return-value]

    def tolist(self) -> list[str]:
        return self._read_all()

    # -- rows and words ------------------------------------------------------

    def row(self, word: str) -> int:
        """The first row holding `word`, or -1."""
        if self._index is None and word not in self._found and len(self._found) >= SEARCHES_BEFORE_DICT:
            self.word_index()
        if self._index is not None:
            return self._index.get(word, -1)
        found = self._found.get(word)
        if found is None:
            found = self._found[word] = self._search(word)
        return found

    def word_index(self) -> dict[str, int]:
        """word -> first row, for all words (reads the whole file)."""
        if self._index is None:
            words = self._read_all()
            index = dict(zip(words, range(len(words))))
            if len(index) != len(words):  # a repeated word: its first row wins
                for i in range(len(words) - 1, -1, -1):
                    index[words[i]] = i
            self._index = index
        return self._index

    def _search(self, word: str) -> int:
        if self._data is None or "\t" in word or "\n" in word:
            return self._list_row(word)
        try:
            needle = b"\t" + word.encode("utf-8") + b"\t"
        except UnicodeEncodeError:  # not text the file (UTF-8) can hold
            return -1
        position = self._data.find(needle, self._start)
        if position < 0:
            return -1
        row = int(np.searchsorted(self._ends(), position))
        return row if self._line(row) == word else self._list_row(word)

    def _list_row(self, word: str) -> int:
        try:
            return self._read_all().index(word)
        except ValueError:
            return -1

    def _ends(self) -> np.ndarray:
        """Offset of each line's newline (the header's first)."""
        if self._line_ends is None:
            self._line_ends = np.flatnonzero(np.frombuffer(self._data, dtype=np.uint8) == 10)  # type: ignore[arg-type]
        return self._line_ends[1:]

    def _line(self, row: int) -> str | None:
        """The token of line `row`, checked as read_vocabulary checks it; None if the line is irregular."""
        ends = self._ends()
        start = self._start if row == 0 else int(ends[row - 1]) + 1
        fields = self._data[start : int(ends[row])].split(b"\t")  # type: ignore[index]
        if len(fields) != 3 or fields[0] != str(row).encode() or not (fields[2].isdigit() and len(fields[2]) < 19):
            return None
        try:
            return fields[1].decode("utf-8")
        except UnicodeDecodeError:
            return None

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, item: int) -> str: ...

    @overload
    def __getitem__(self, item: slice) -> list[str]: ...

    def __getitem__(self, item: Any) -> Any:
        if self._words is None and isinstance(item, (int, np.integer)) and self._rows_cut < ROWS_BEFORE_LIST:
            row = int(item) + (self._size if item < 0 else 0)
            if not 0 <= row < self._size:
                raise IndexError("word index out of range")
            self._rows_cut += 1
            word = self._line(row)
            if word is not None:
                return word
        return self._read_all()[item]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read_all())

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.row(word) >= 0

    def index(self, word: Any, start: int = 0, stop: int | None = None) -> int:
        if start == 0 and stop is None and isinstance(word, str) and (row := self.row(word)) >= 0:
            return row
        return self._read_all().index(word, start, len(self) if stop is None else stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WordTable):
            return other is self or self._read_all() == other._read_all()
        return isinstance(other, list) and self._read_all() == other

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Sequence[str]) -> list[str]:
        return self._read_all() + list(other)

    def __radd__(self, other: Sequence[str]) -> list[str]:
        return list(other) + self._read_all()

    def __repr__(self) -> str:
        return f"WordTable({str(self.path)!r}, {self._size} words)"

    def key_to_index(self) -> Mapping[str, int]:
        """word -> first row: the dict once built, else a view that searches the bytes for a few words."""
        if self._index is None and self._rows_view is None:
            self._rows_view = WordRows(self)
        return self._index if self._index is not None else self._rows_view  # type: ignore[return-value]


class WordRows(Mapping[str, int]):
    """word -> first row of a `WordTable`, answered without a dict until many words are asked."""

    def __init__(self, table: WordTable) -> None:
        self.table = table

    def __getitem__(self, word: str) -> int:
        row = self.table.row(word) if isinstance(word, str) else -1
        if row < 0:
            raise KeyError(word)
        return row

    def get(self, word: str, default: Any = None) -> Any:  # type: ignore[override]
        row = self.table.row(word) if isinstance(word, str) else -1
        if self.table._index is not None:  # from now on the dict answers directly (loops over many tokens)
            self.get = self.table._index.get  # type: ignore[method-assign]
        return default if row < 0 else row

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.table.row(word) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.word_index())

    def __len__(self) -> int:
        return len(self.table.word_index())
