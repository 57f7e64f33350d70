"""Output directories and files: staged in a temp location, then renamed into place.

Every stage writes an *artifact set*: a directory whose `manifest.json` is
written last. A directory without a manifest is incomplete and is refused by
every reader, so a crash or Ctrl-C can never leave something that looks
finished. Nothing a user already has is replaced unless they pass `--force`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embcli import __version__
from embcli.errors import FormatError, InputError

MANIFEST_NAME = "manifest.json"
# Bump when an artifact's layout changes incompatibly; readers refuse newer versions.
FORMAT_VERSION = 1


# ---------------------------------------------------------------------------
# staging and atomic replacement


def check_output_path(path: Path, *, force: bool) -> None:
    """Fail early (before any long work) if `path` cannot be written."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError(f"{path} already exists; pass --force to replace it or choose another output path")
    existing = path.resolve().parent
    while not existing.exists():  # missing parents are created when the output is written
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"cannot write {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise InputError(f"cannot write {path}: directory {existing} is not writable")


def _replace(staged: Path, target: Path) -> None:
    """Move `staged` to `target`, removing a previous `target` only once the new one is ready."""
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staged, target)
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    else:
        os.replace(staged, target)


@contextmanager
def staged_directory(out_dir: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty temp directory beside `out_dir`; on success it becomes `out_dir`.

    On any exception the temp directory is removed and `out_dir` is untouched.
    """
    out_dir = Path(out_dir)
    check_output_path(out_dir, force=force)
    out_dir.resolve().parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.resolve().parent))
    try:
        yield staging
        if not (staging / MANIFEST_NAME).exists():
            raise RuntimeError(f"internal error: {out_dir} staged without {MANIFEST_NAME}")
        _replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def staged_file(path: Path, *, force: bool) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success it is renamed to `path`."""
    path = Path(path)
    check_output_path(path, force=force)
    path.resolve().parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.resolve().parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------
# arrays


def load_npy(path: Path, *, mmap: bool = False, remedy: str | None = None) -> Any:
    """`np.load` that never unpickles; a missing or unreadable file is a one-line error ending with `remedy`."""
    import numpy as np

    path = Path(path)
    hint = f"; {remedy}" if remedy else ""
    if not path.exists():
        raise InputError(f"{path} is missing{hint}")
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FormatError(f"{path}: not a readable .npy array ({exc}){hint}") from None


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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: unreadable manifest ({exc}); re-run the stage that makes it") from None
    if not isinstance(manifest, dict) or "kind" not in manifest:
        raise FormatError(f"{path}: not an embcli manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format version {version} is newer than this embcli supports ({FORMAT_VERSION}); upgrade embcli"
        )
    kinds = (kind,) if isinstance(kind, str) else kind
    if kinds is not None and manifest["kind"] not in kinds:
        wanted = " or ".join(kinds)
        raise InputError(f"{directory} holds a '{manifest['kind']}' artifact, but a {wanted} directory is needed here")
    return manifest


def artifact_member(directory: Path, name: Any, what: str = "file") -> Path:
    """The path of a file a manifest names: only a plain file name inside `directory` is accepted.

    A manifest is user input (a downloaded model), so `../x`, absolute paths, subdirectories and
    symlinks leading out of the directory are refused rather than followed.

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
    return path


def manifest_reference(directory: Path) -> dict[str, str]:
    """A pointer to a parent artifact: its path, kind and the SHA-256 of its manifest."""
    path = Path(directory) / MANIFEST_NAME
    kind = json.loads(path.read_text(encoding="utf-8")).get("kind", "")
    return {"path": str(Path(directory)), "kind": kind, "manifest_sha256": file_sha256(path)}
