"""Where `load_embeddings` looks for a reader: artifact kinds for directories, sniffed formats for files.

A directory is read by the loader registered for its manifest's `kind`
(`vectors`, `quantized`, ...); a file by the first registered `FileFormat`
whose `matches(path, head)` accepts it (`head` is the file's first
`HEAD_BYTES` bytes), so formats are recognised by content where they can be
(`.npy` magic, fastText's int32 magic 793712314) and by suffix where they
cannot (word2vec binary and text both start with an ASCII `count dim` line).

A new format registers in one line, in the module that reads it, called from
`embcli.embeddings.loading` (which registers the built-in ones):

    register_file_format(FileFormat("fasttext-bin", matches=is_fasttext_bin, read=read_fasttext_bin),
                         before="word2vec-binary")
    register_directory_kind("fasttext-model", load_fasttext_directory)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embcli.embeddings.binary_format import FASTTEXT_MAGIC
from embcli.embeddings.core import Embeddings
from embcli.errors import FormatError, InputError

HEAD_BYTES = 64

# (directory, manifest, mmap) -> Embeddings
DirectoryLoader = Callable[[Path, dict[str, Any], bool], Embeddings]


@dataclass(frozen=True)
class FileFormat:
    """A vectors file format: how to recognise it and how to read it."""

    name: str
    matches: Callable[[Path, bytes], bool]  # (path, first HEAD_BYTES bytes) -> is this file in this format?
    read: Callable[..., Embeddings]  # read(path, *, vocab_path=None, mmap=True) -> Embeddings


_DIRECTORY_LOADERS: dict[str, DirectoryLoader] = {}
_FILE_FORMATS: list[FileFormat] = []


def register_directory_kind(kind: str, loader: DirectoryLoader) -> None:
    """Read artifact directories whose manifest says `kind` with `loader` (replacing an earlier one)."""
    _DIRECTORY_LOADERS[kind] = loader


def register_file_format(file_format: FileFormat, *, before: str | None = None) -> None:
    """Add a file format, tried before the one named `before` (else after all others); same name replaces."""
    _FILE_FORMATS[:] = [known for known in _FILE_FORMATS if known.name != file_format.name]
    names = [known.name for known in _FILE_FORMATS]
    _FILE_FORMATS.insert(names.index(before) if before in names else len(names), file_format)


def directory_kinds() -> list[str]:
    return list(_DIRECTORY_LOADERS)


def file_formats() -> list[str]:
    return [known.name for known in _FILE_FORMATS]


def directory_loader(directory: Path, kind: str) -> DirectoryLoader:
    loader = _DIRECTORY_LOADERS.get(kind)
    if loader is None:
        raise InputError(f"{directory} holds a '{kind}' artifact, not vectors; pass a directory made by embcli train")
    return loader


def file_format_of(path: Path) -> FileFormat:
    """The first registered format that recognises `path`; a FormatError says what the file looks like if none."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    for file_format in _FILE_FORMATS:
        if file_format.matches(path, head):
            return file_format
    if head.startswith(FASTTEXT_MAGIC):
        raise FormatError(f"{path}: a fastText .bin model, which this embcli cannot read; "
                          f"save it as .vec (fastText's print-word-vectors) and load that")
    raise FormatError(f"{path}: not a vectors format embcli reads ({', '.join(file_formats())})")
