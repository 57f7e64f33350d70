"""The vocabulary: count -> trim -> index, and its `vocab.tsv` file.

Order is deterministic: `<unk>` is index 0, then tokens by descending count,
ties broken by the token's code points. Analogy evaluation restricted to the
N most frequent words depends on this order, so every tool we compare with
must see the same one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embcli.errors import FormatError, InputError

UNK = "<unk>"
UNK_INDEX = 0
VOCAB_HEADER = "index\ttoken\tcount"
VOCAB_CHUNK_CHARS = 4 << 20  # text split at once when reading vocab.tsv


@dataclass(frozen=True)
class Vocabulary:
    """Tokens in index order and their corpus counts (`counts[0]` = OOV tokens seen)."""

    tokens: list[str]
    counts: np.ndarray  # int64, one per token

    def __len__(self) -> int:
        return len(self.tokens)

    def index(self) -> dict[str, int]:
        return {token: i for i, token in enumerate(self.tokens)}


def build_vocabulary(
    counts: Mapping[str, int], *, min_count: int = 1, max_vocab: int | None = None
) -> Vocabulary:
    """Trim raw counts and index them; everything trimmed is counted under `<unk>`.

    >>> build_vocabulary({"b": 2, "a": 2, "c": 1}, min_count=2).tokens
    ['<unk>', 'a', 'b']
    """
    kept = sorted(((token, n) for token, n in counts.items() if n >= min_count and token != UNK),
                  key=lambda item: (-item[1], item[0]))
    if max_vocab is not None:
        kept = kept[:max_vocab]
    total = sum(counts.values())
    in_vocab = sum(n for _, n in kept)
    tokens = [UNK] + [token for token, _ in kept]
    values = np.array([total - in_vocab] + [n for _, n in kept], dtype=np.int64)
    return Vocabulary(tokens, values)


def write_vocabulary(path: Path, vocab: Vocabulary) -> None:
    """Write `vocab.tsv`; a token holding a TAB or a line break (which the file cannot hold) is refused."""
    for token in vocab.tokens:
        if "\t" in token or "\n" in token or "\r" in token:
            raise InputError(f"token {token!r} holds a TAB or a line break, which vocab.tsv cannot hold; "
                             "change --token-pattern so tokens exclude whitespace")
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(VOCAB_HEADER + "\n")
        handle.writelines(f"{i}\t{token}\t{count}\n" for i, (token, count) in enumerate(zip(vocab.tokens, vocab.counts.tolist())))


def read_vocabulary(path: Path) -> Vocabulary:
    """Read `vocab.tsv` (a header, then `index<TAB>token<TAB>count` in index order).

    Well-formed files are split and converted in bulk, a few MB at a time (a
    million words in a fraction of a second, with small temporaries); anything
    else is re-read line by line to name the bad line.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"vocabulary file {path} does not exist")
    try:
        return _parse_vocabulary(path)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} at offset "
                          f"{exc.start} of a block); re-create it with embcli") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _parse_vocabulary(path: Path) -> Vocabulary:
    header, _, body = path.read_text(encoding="utf-8").partition("\n")
    if header != VOCAB_HEADER:
        raise FormatError(f"{path}:1: expected header '{VOCAB_HEADER.replace(chr(9), '<TAB>')}'")
    tokens: list[str] = []
    counts: list[np.ndarray] = []
    start = 0
    while start < len(body):
        end = body.find("\n", start + VOCAB_CHUNK_CHARS)
        end = len(body) if end < 0 else end + 1
        fields = body[start : end - 1].replace("\n", "\t").split("\t") if body[end - 1] == "\n" else []
        try:
            if len(fields) % 3 or not fields:
                raise ValueError
            block = np.fromiter(map(int, fields[2::3]), dtype=np.int64)
            if (block < 0).any():
                raise ValueError
        except (ValueError, OverflowError):  # the line reader names the bad line
            return _read_vocabulary_lines(path)
        first, last, rows = fields[0], fields[-3], len(fields) // 3  # the index column: its ends and its length
        if first != str(len(tokens)) or last != str(len(tokens) + rows - 1):
            return _read_vocabulary_lines(path)
        counts.append(block)
        tokens += fields[1::3]
        start = end
    if not tokens:
        raise FormatError(f"{path}: the vocabulary is empty")
    return Vocabulary(tokens, np.concatenate(counts))


def _read_vocabulary_lines(path: Path) -> Vocabulary:
    tokens: list[str] = []
    counts: list[int] = []
    with open(path, encoding="utf-8", newline="\n") as handle:
        header = handle.readline().rstrip("\n")
        if header != VOCAB_HEADER:
            raise FormatError(f"{path}:1: expected header '{VOCAB_HEADER.replace(chr(9), '<TAB>')}'")
        for line_number, line in enumerate(handle, start=2):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0] != str(len(tokens)):
                raise FormatError(f"{path}:{line_number}: expected '{len(tokens)}<TAB>token<TAB>count'")
            count = parts[2].strip()
            if not (count.isascii() and count.isdigit()) or int(count) >= 1 << 63:
                raise FormatError(f"{path}:{line_number}: count {parts[2]!r} is not a non-negative integer")
            counts.append(int(count))
            tokens.append(parts[1])
    if not tokens:
        raise FormatError(f"{path}: the vocabulary is empty")
    return Vocabulary(tokens, np.array(counts, dtype=np.int64))


def count_tokens(sentences: Iterable[list[str]]) -> dict[str, int]:
    """Plain counting, for small inputs and tests."""
    counts: dict[str, int] = {}
    for sentence in sentences:
        for token in sentence:
            counts[token] = counts.get(token, 0) + 1
    return counts
