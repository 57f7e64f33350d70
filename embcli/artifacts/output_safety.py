"""The one rule for every output embcli writes: what may be replaced, and what never.

Every stage and every auxiliary output (checkpoint directories, caches,
`--output` files) calls `check_output` before its long work starts, and
writes through `staged_directory`/`staged_file`, which call it again. The rule:

- a path that does not exist (and is not a dangling symlink) is always fine;
- an existing output is replaced only with `--force`, and only if embcli could
  have written it: a directory whose `manifest.json` names an embcli artifact
  kind, an empty directory, or — for a file output — a regular file whose
  content is of the expected format (`.npy` magic for "npy", vector text for
  "vector-text", a JSON object with a `kind` for "json", and so on: a README
  is not vector text); anything else is refused, `--force` or not;
- an output that equals (a hard link included), contains or lies inside one of the stage's inputs is
  refused (`train project/corpus -o project --force` must not delete the
  corpus; `preprocess texts -o texts/prep` must not read its own output);
- a dangling symlink is refused without `--force` (with it, only the link is
  replaced: nothing is ever created at its target).

`kind` says what the output is. A kind in `FILE_KINDS` is a file output;
any other string is the artifact kind of a directory output (`"corpus"`,
`"vectors"`, `"checkpoint"`, ...), used in messages.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from embcli.artifacts.manifests import MANIFEST_NAME
from embcli.errors import InputError

FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")

FORCE_HINT = "pass --force to replace it or choose another output path"


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _starts_with(*prefixes: bytes) -> Callable[[Path], bool]:
    def check(path: Path) -> bool:
        return _head(path).startswith(prefixes)
    return check


def _is_embcli_json(path: Path) -> bool:
    """A JSON object with a `kind`, as every JSON file embcli writes (reports, sidecars) is."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(document, dict) and isinstance(document.get("kind"), str)


def _is_svg(path: Path) -> bool:
    head = _head(path)
    return b"\0" not in head and b"<svg" in head


def _is_float(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_vector_text(path: Path) -> bool:
    """word2vec text (a `rows dim` header) or GloVe text: the first rows are a token and as many numbers."""
    lines = _head(path).split(b"\n")[:4]
    if len(lines) > 1 and b"\0" not in lines[0] and re.fullmatch(rb"\s*\d+\s+\d+\s*", lines[0]):
        lines = lines[1:]
    rows = [line.split() for line in lines[:-1] if line.strip()] or [lines[0].split()]
    return all(len(row) == len(rows[0]) >= 2 and all(_is_float(value) for value in row[1:]) for row in rows)


def _nothing(path: Path) -> bool:
    return False  # an unknown kind: only an empty file may be replaced


# File kinds embcli writes, and how to recognise a file of that kind that is safe to replace.
FILE_KINDS: dict[str, Callable[[Path], bool]] = {
    "npy": _starts_with(b"\x93NUMPY"),
    "png": _starts_with(b"\x89PNG\r\n\x1a\n"),
    "pdf": _starts_with(b"%PDF"),
    "svg": _is_svg,
    "json": _is_embcli_json,
    "vector-text": _is_vector_text,
    # word2vec's binary header (`rows dim` + newline) or fastText's .bin magic number
    "vector-binary": lambda path: bool(re.match(rb"\d+ \d+\n", _head(path, 64))) or _starts_with(FASTTEXT_MAGIC)(path),
    "file": _nothing,
}
IMAGE_SUFFIXES = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


def file_kind_for(path: Path, default: str = "file") -> str:
    """The file kind of an output named `path`, from its suffix.

    >>> file_kind_for(Path("plot.png")), file_kind_for(Path("report.json")), file_kind_for(Path("x.vec"))
    ('png', 'json', 'vector-text')
    """
    suffix = Path(path).suffix.lower()
    by_suffix = {".npy": "npy", ".json": "json", ".vec": "vector-text", **IMAGE_SUFFIXES}
    return by_suffix.get(suffix, default)


def named_path(path: Path) -> Path:
    """`path` made absolute without following symlinks: staging happens beside the name the user gave."""
    if not str(path).strip():
        raise InputError("the output path is empty; name a file or directory")
    absolute = Path(os.path.abspath(path))
    if not absolute.name:
        raise InputError(f"cannot write to {path}: name a file or directory below it")
    return absolute


def _is_embcli_artifact(directory: Path) -> bool:
    try:
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(manifest, dict) and isinstance(manifest.get("kind"), str) and "format_version" in manifest


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _check_inputs(path: Path, inputs: Iterable[Path | str]) -> None:
    """Refuse an output that equals, contains or lies inside an input (compared after resolving symlinks)."""
    target = Path(os.path.realpath(path))
    for item in inputs:
        if item is None or str(item) in ("", "-"):
            continue
        source = Path(os.path.realpath(item))
        if target == source or _same_file(target, source):  # a hard link is the same file under another name
            raise InputError(f"output {path} is the input {item}; choose another output path")
        if source.is_relative_to(target):
            raise InputError(f"output {path} contains the input {item}; "
                             "replacing it would delete the input, choose another output path")
        if target.is_relative_to(source):
            raise InputError(f"output {path} lies inside the input {item}; "
                             "a later run would read it as input, choose a path outside it")


def check_apart(path: Path | str, option: str, output: Path | str) -> None:
    """Refuse an auxiliary path (`--checkpoint-dir`, `--cooccurrence`) that equals, contains or lies inside the output.

    Replacing the output at the end would delete it, or it would delete the output.
    """
    mine, theirs = Path(os.path.realpath(path)), Path(os.path.realpath(output))
    relation = ("is" if mine == theirs else "contains" if theirs.is_relative_to(mine)
                else "lies inside" if mine.is_relative_to(theirs) else None)
    if relation is not None:
        raise InputError(f"{option} {path} {relation} the output {output}; choose a path outside it")


def _check_existing_directory(path: Path, kind: str, force: bool) -> None:
    if not path.is_dir():
        raise InputError(f"{path} exists and is not a directory; embcli will not replace it "
                         f"with a {kind} directory, even with --force; choose another output path")
    if not force:
        raise InputError(f"{path} already exists; {FORCE_HINT}")
    try:
        empty = not any(path.iterdir())
    except OSError as exc:
        raise InputError(f"cannot replace {path}: {exc.strerror}") from None
    if not empty and not _is_embcli_artifact(path):
        raise InputError(f"{path} is not an embcli output (no {MANIFEST_NAME}); embcli will not replace it, "
                         "even with --force: choose another output path or remove it yourself")


def _check_existing_file(path: Path, kind: str, force: bool) -> None:
    if path.is_dir() or not path.is_file():
        raise InputError(f"{path} exists and is not a regular file; embcli will not replace it, even with "
                         "--force; choose another output path")
    if not force:
        raise InputError(f"{path} already exists; {FORCE_HINT}")
    if path.stat().st_size and not FILE_KINDS[kind](path):
        raise InputError(f"{path} is not a {kind} file embcli would write; embcli will not replace it, "
                         "even with --force: choose another output path or remove it yourself")


def _check_parent(path: Path) -> None:
    existing = path.parent
    while not os.path.lexists(existing):  # missing parents are created when the output is written
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"cannot write {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {path}: directory {existing} is not writable")


def check_output(path: Path | str, *, force: bool, kind: str, inputs: Iterable[Path | str] = ()) -> Path:
    """Fail early (before any long work) unless `path` may be written as an output of `kind`.

    Returns `path` made absolute (symlinks not followed). See the module
    docstring for the rule; `inputs` are the stage's input files or directories.
    """
    named = named_path(Path(path))
    _check_inputs(named, inputs)
    if os.path.islink(named) and not os.path.exists(named):
        if not force:
            raise InputError(f"{path} is a dangling symlink (to {os.readlink(named)}); {FORCE_HINT}")
    elif os.path.lexists(named):
        if kind in FILE_KINDS:
            _check_existing_file(named, kind, force)
        else:
            _check_existing_directory(named, kind, force)
    _check_parent(named)
    return named
