"""Manifests: the `manifest.json` every artifact directory carries, written last.

A directory without a manifest is incomplete and is refused by every reader,
so a crash or Ctrl-C can never leave something that looks finished.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import resource
import sys
from pathlib import Path
from typing import Any

from embcli.version import __version__
from embcli.errors import FormatError, InputError

MANIFEST_NAME = "manifest.json"
# Bump when an artifact's layout changes incompatibly; readers refuse newer versions.
FORMAT_VERSION = 1
# Sections every reader takes to be tables (JSON objects): checked once here, so no reader meets a list or a string.
TABLE_SECTIONS = ("files", "counts", "config", "documents", "subwords", "hashing", "tokenizer", "phrases",
                  "timings", "parameters")
OPTIONAL_TABLE_SECTIONS = ("subwords", "hashing", "tokenizer", "phrases")  # null means "none"


# ---------------------------------------------------------------------------
# manifests


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def describe_file(path: Path) -> dict[str, Any]:
    """Path, size and SHA-256 of an input file, as recorded in manifests."""
    path = Path(path)
    return {"path": str(path), "size": path.stat().st_size, "sha256": file_sha256(path)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape results, for reproducibility."""
    versions = {"embcli": __version__, "python": platform.python_version()}
    for name in ("numpy", "scipy", "gensim", "numba", "sklearn", "jieba", "pyspark"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", "unknown")
    return versions


def write_manifest(directory: Path, kind: str, **sections: Any) -> dict[str, Any]:
    """Write `manifest.json` into `directory` (call this last) and return it.

    `sections` are free-form JSON-able blocks: typically `config`, `inputs`,
    `counts`, `timings` and `parents` (manifests this artifact was made from).
    """
    manifest: dict[str, Any] = {
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "embcli_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    manifest.update(sections)
    text = json.dumps(manifest, indent=2, sort_keys=False, default=_json_default) + "\n"
    (Path(directory) / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return manifest


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def read_manifest(directory: Path, kind: str | tuple[str, ...] | None = None) -> dict[str, Any]:
    """Read and check an artifact directory's manifest.

    Raises InputError if the directory or its manifest is missing (an
    incomplete or foreign directory) and FormatError for a wrong kind or a
    format version newer than this embcli understands.
    """
    directory = Path(directory)
    if not directory.exists():
        raise InputError(f"{directory} does not exist")
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory")
    path = directory / MANIFEST_NAME
    if not path.exists():
        raise InputError(
            f"{directory} has no {MANIFEST_NAME}: it is incomplete or not made by embcli; re-run the stage that makes it"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: JSON, or a 5000-digit int
        raise FormatError(f"{path}: unreadable manifest ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); "
                          "re-run the stage that makes it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("kind"), str):
        raise FormatError(f"{path}: not an embcli manifest")
    version = manifest.get("format_version")
    if "format_version" not in manifest:
        raise FormatError(f"{path}: no format_version; not a manifest written by embcli, re-run the stage that makes it")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"{path}: format_version must be a positive integer, not {version!r}")
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} is newer than this embcli supports ({FORMAT_VERSION}); upgrade embcli"
        )
    for section in TABLE_SECTIONS:
        if section in manifest and not isinstance(manifest[section], dict) \
                and not (manifest[section] is None and section in OPTIONAL_TABLE_SECTIONS):
            raise FormatError(f"{path}: the {section} section is a {type(manifest[section]).__name__}, not a table; "
                              "re-run the stage that makes it")
    kinds = (kind,) if isinstance(kind, str) else kind
    if kinds is not None and manifest["kind"] not in kinds:
        wanted = " or ".join(kinds)
        raise InputError(f"{directory} holds a '{manifest['kind']}' artifact, but a {wanted} directory is needed here")
    return manifest


def artifact_member(directory: Path, name: Any, what: str = "file") -> Path:
    """The path of a file a manifest names: only a plain file name inside `directory` is accepted.

    A manifest is user input (a downloaded model), so `../x`, absolute paths, subdirectories and
    symlinks leading out of the directory are refused rather than followed, and so is a member that
    is not a regular file (a FIFO would make the reader wait forever).

    >>> artifact_member(Path("model"), "ngrams.npy").as_posix()
    'model/ngrams.npy'
    """
    directory = Path(directory)
    plain = isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name
    path = directory / name if plain else None
    if path is None or (path.is_symlink() and path.resolve().parent != directory.resolve()):
        raise FormatError(f"{directory / MANIFEST_NAME}: {what} {name!r} is not a plain file name inside "
                          f"{directory}; refusing to read outside the artifact (re-create it with embcli)")
    if path.exists() and not path.is_file():  # a directory, a FIFO (reading it would wait forever), a device
        raise FormatError(f"{path} is not a regular file; the artifact is damaged (re-create it with embcli)")
    return path


def manifest_reference(directory: Path) -> dict[str, str]:
    """A pointer to a parent artifact: its path, kind and the SHA-256 of its manifest."""
    path = Path(directory) / MANIFEST_NAME
    kind = json.loads(path.read_text(encoding="utf-8")).get("kind", "")
    return {"path": str(Path(directory)), "kind": kind, "manifest_sha256": file_sha256(path)}
