"""Turning input specs (files, directories, globs, `-`) into streams of raw lines.

Compression is detected from the file's first bytes (gzip, bzip2, xz), not its
name. Lines are yielded as bytes in chunks, so decoding and tokenizing can run
in worker processes, and memory stays bounded by the chunk size.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import hashlib
import io
import lzma
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from embcli.errors import InputError

STDIN = "-"
# A line longer than this is read in pieces cut at whitespace; each piece ends a sentence (see token_corpus).
LINE_PIECE_BYTES = 1 << 20
_MAGIC = (
    (b"\x1f\x8b", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    (b"BZh", lambda raw: bz2.BZ2File(raw, mode="rb")),
    (b"\xfd7zXZ\x00", lambda raw: lzma.LZMAFile(raw, mode="rb")),
)


@dataclass(frozen=True)
class InputFile:
    """One input: a path, or `-` for standard input."""

    path: str

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN

    def size(self) -> int:
        return 0 if self.is_stdin else os.path.getsize(self.path)


def expand_inputs(specs: list[str]) -> list[InputFile]:
    """Resolve files, directories (recursively, sorted, hidden files skipped) and globs, in the order given."""
    if not specs:
        raise InputError("no input given; pass files, directories, globs or - for stdin")
    files: list[InputFile] = []
    for spec in specs:
        if spec == STDIN:
            files.append(InputFile(STDIN))
        elif os.path.isdir(spec):
            found = sorted(
                os.path.join(root, name)
                for root, dirs, names in os.walk(spec)
                for name in names
                if not name.startswith(".") and not any(part.startswith(".") for part in Path(root).relative_to(spec).parts)
            )
            if not found:
                raise InputError(f"input directory {spec} contains no files")
            files.extend(InputFile(path) for path in found)
        elif os.path.exists(spec):
            files.append(InputFile(spec))
        elif glob.has_magic(spec):
            matches = sorted(path for path in glob.glob(spec, recursive=True) if os.path.isfile(path))
            if not matches:
                raise InputError(f"no files match {spec}")
            files.extend(InputFile(path) for path in matches)
        else:
            raise InputError(f"input {spec} does not exist")
    for item in files:
        if not item.is_stdin and not os.access(item.path, os.R_OK):
            raise InputError(f"input {item.path} is not readable (permission denied)")
    if sum(item.is_stdin for item in files) > 1:
        raise InputError("- (stdin) can be given only once")
    return files


class _HashingReader(io.RawIOBase):
    """A raw stream that hashes and counts what passes through (stdin's manifest entry)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size


class LineSource:
    """Reads one input's lines as bytes; `consumed()` is on-disk bytes read so far (for progress)."""

    def __init__(self, item: InputFile) -> None:
        self.item = item
        self.stdin_reader: _HashingReader | None = None
        if item.is_stdin:
            self.stdin_reader = _HashingReader(sys.stdin.buffer)
            self.raw: io.BufferedReader = io.BufferedReader(self.stdin_reader)
        else:
            try:
                self.raw = open(item.path, "rb")
            except OSError as exc:
                raise InputError(f"cannot read {item.path}: {exc.strerror}") from None
        head = self.raw.peek(6)[:6]
        self.stream: BinaryIO = self.raw
        for magic, opener in _MAGIC:
            if head.startswith(magic):
                self.stream = opener(self.raw)  # type: ignore[assignment]

    def consumed(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def lines(self) -> Iterator[bytes]:
        """The input's lines; a line longer than LINE_PIECE_BYTES comes in pieces cut after a space or tab."""
        try:
            yield from _line_pieces(self.stream)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise InputError(f"cannot read {self.item.path}: corrupt or truncated compressed data ({exc})") from None

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        if not self.item.is_stdin:
            self.raw.close()


def _line_pieces(stream: BinaryIO, piece_bytes: int | None = None) -> Iterator[bytes]:
    """Lines of `stream`, long ones cut into pieces of about `piece_bytes`, so memory never grows with a line.

    >>> list(_line_pieces(io.BytesIO(b"ab cd ef gh\\nxy"), piece_bytes=4))
    [b'ab ', b'cd ', b'ef gh\\n', b'xy']
    """
    piece_bytes = piece_bytes or LINE_PIECE_BYTES
    carry = b""
    while piece := stream.readline(piece_bytes):
        if carry:
            piece, carry = carry + piece, b""
        if not piece.endswith(b"\n") and len(piece) >= piece_bytes:
            cut = max(piece.rfind(b" "), piece.rfind(b"\t"))
            if cut >= 0:
                piece, carry = piece[: cut + 1], piece[cut + 1 :]
        if piece:
            yield piece
    if carry:
        yield carry


def iter_line_chunks(
    items: list[InputFile], chunk_bytes: int = 1 << 21, on_close: "Callable[[LineSource], None] | None" = None
) -> Iterator[tuple[list[bytes], int]]:
    """Yield (lines, on-disk bytes consumed since the last chunk), about `chunk_bytes` of text at a time.

    Inputs are opened one at a time, so a directory of many files never holds many open.
    """
    for item in items:
        source = LineSource(item)
        try:
            consumed = 0
            chunk: list[bytes] = []
            size = 0
            for line in source.lines():
                chunk.append(line)
                size += len(line)
                if size >= chunk_bytes:
                    now = source.consumed()
                    yield chunk, max(0, now - consumed)
                    consumed, chunk, size = now, [], 0
            yield chunk, max(0, source.consumed() - consumed)
            if on_close is not None:
                on_close(source)
        finally:
            source.close()
