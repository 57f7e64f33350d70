"""Staging and atomic replacement: an output appears complete or not at all.

Outputs are written into a staging directory (or file) beside the path the
user named — same directory, so the final `rename` never crosses a
filesystem, even when the output is a symlink to another disk — and renamed
into place once complete. A previous output is moved aside first and removed
only after the new one is in place; if the final rename fails, it is put
back. Nothing is ever created at a symlink's target.

Staging entries are named `.<name>.tmp-<pid>-<random>` and a staging
directory holds a `.embcli-staging` marker with the pid; when that process is
gone (killed by SIGKILL, a power cut), the next run on the same output removes
them. Staged outputs get the modes the umask gives ordinary files, not the
0700/0600 of `mkdtemp`/`mkstemp`. A full disk becomes a one-line
ResourceError naming the output and the bytes it needed.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from embcli.artifacts.arrays import read_npy_header
from embcli.artifacts.manifests import MANIFEST_NAME
from embcli.artifacts.output_safety import check_output, file_kind_for
from embcli.errors import FormatError, ResourceError

STAGING_MARKER = ".embcli-staging"
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _staging_stem(name: str) -> str:
    """`.name`, cut so that a staging name stays within the 255 bytes a file name may have."""
    encoded = name.encode("utf-8", "surrogateescape")
    return "." + (name if len(encoded) <= 200 else encoded[:200].decode("utf-8", "ignore"))


def staging_prefix(name: str, infix: str = ".tmp-") -> str:
    """The start of a staging entry's name for output `name`: `.<name>.tmp-<pid>-`.

    >>> staging_prefix("vectors", ".old-") == f".vectors.old-{os.getpid()}-"
    True
    """
    return f"{_staging_stem(name)}{infix}{os.getpid()}-"


def _staging_pid(entry: Path, name: str) -> int | None:
    """The pid recorded by a staging entry for output `name`, or None if `entry` is not one."""
    for infix in (".tmp-", ".old-"):
        prefix = f"{_staging_stem(name)}{infix}"
        if entry.name.startswith(prefix):
            head = entry.name[len(prefix):].split("-", 1)[0]
            if not head.isdigit():
                return None
            if infix == ".tmp-" and entry.is_dir() and not entry.is_symlink():
                try:
                    return int((entry / STAGING_MARKER).read_text().strip())
                except (OSError, ValueError):
                    return None
            return int(head)
    return None


def remove_stale_staging(named: Path) -> None:
    """Remove staging entries for `named` left by runs that no longer exist; put back a lost output."""
    try:
        entries = list(named.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = _staging_pid(entry, named.name)
        if pid is None or pid == os.getpid() or _pid_alive(pid):
            continue
        if entry.name.startswith(f"{_staging_stem(named.name)}.old-") and not os.path.lexists(named):
            os.replace(entry, named)  # the run died between moving the old output aside and renaming the new one
        else:
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _swap_into_place(staged: Path, target: Path) -> None:
    """Rename `staged` to `target`; a previous `target` is removed only once the new one is there.

    A rename that fails (another filesystem, a read-only directory) puts the
    previous `target` back and becomes a one-line ResourceError.
    """
    old = target.with_name(staging_prefix(target.name, ".old-")) if os.path.lexists(target) else None
    try:
        if old is not None:
            os.replace(target, old)
        try:
            os.replace(staged, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
    except OSError as exc:
        if is_disk_full(exc, target.parent):
            raise
        kept = f"{target} is unchanged" if old is not None else "nothing was written"
        raise ResourceError(f"cannot move the finished output into place as {target}: {exc.strerror or exc}; "
                            f"{kept}") from None
    if old is not None:
        _remove(old)


def check_complete(staging: Path, target: Path) -> None:
    """Refuse to publish a staged `.npy` shorter than its header says.

    NumPy's `save` can lose the end of an array without an error (past the
    file size limit, its buffered final write fails unchecked), so every
    staged array is checked once before the output appears.
    """
    if staging.is_file():
        arrays = [staging] if target.suffix == ".npy" else []
    else:
        arrays = sorted(staging.rglob("*.npy"))
    for array in arrays:
        try:
            read_npy_header(array)
        except FormatError:
            size = _size_on_disk(array)
            limit = _file_size_limit()
            why = (f"the file size limit (ulimit -f) is {limit:,} bytes" if limit is not None and size >= limit
                   else "is the disk full?")
            raise ResourceError(f"writing {target} stopped short: {array.name} has only {size:,} bytes, fewer than "
                                f"its header needs ({why}); nothing was written") from None


def apply_umask(path: Path) -> None:
    """Give `path` (and everything in it) the modes the umask gives new files: 0666/0777 & ~umask.

    Staging comes from `mkdtemp`/`mkstemp` (0700/0600), and libraries that
    write through their own temporary files (safetensors, faiss) keep those.
    """
    mask = current_umask()
    entries = [path, *path.rglob("*")] if path.is_dir() and not path.is_symlink() else [path]
    for entry in entries:
        if not entry.is_symlink():
            os.chmod(entry, (0o777 if entry.is_dir() else 0o666) & ~mask)


def is_disk_full(exc: OSError, directory: Path) -> bool:
    """Whether `exc`, raised while writing into `directory`, means the disk is full.

    NumPy's `tofile` reports a short write as "N requested and M written",
    without an errno; then the free space decides.
    """
    if exc.errno in DISK_FULL_ERRNOS:
        return True
    if _is_short_write(exc):
        try:
            return shutil.disk_usage(directory).free < (1 << 20)
        except OSError:
            return False
    return False


def _is_short_write(exc: OSError) -> bool:
    """NumPy's `tofile` on a full disk or past the file size limit: "N requested and M written", no errno."""
    return exc.errno is None and "written" in str(exc)


def _file_size_limit() -> int | None:
    """The soft RLIMIT_FSIZE in bytes, or None when there is none."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def disk_full_error(exc: OSError, target: Path, written: Path | None = None) -> ResourceError | None:
    """The one-line error for a full disk (or the file size limit) while writing `target`; None for another OSError.

    `written` is the staging file or directory, whose size says how much was needed at least.
    """
    target = Path(target)
    needed = _size_on_disk(written) if written is not None else 0
    if exc.errno == errno.EFBIG or (_is_short_write(exc) and _file_size_limit() is not None):
        # RLIMIT_FSIZE (`ulimit -f`): Python ignores SIGXFSZ, so the write fails instead
        return ResourceError(f"the file size limit (ulimit -f) stopped writing {target}: it needed more than "
                             f"{needed:,} bytes; raise the limit and run again")
    directory = Path(os.path.abspath(target)).parent
    if not is_disk_full(exc, directory):
        return None
    return ResourceError(f"no space left on the device of {target}: writing it needed more than the {needed:,} bytes "
                         f"written before the device filled ({_free_bytes(directory):,} bytes free); "
                         "free space and run again")


def _free_bytes(directory: Path) -> int:
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return 0


def _size_on_disk(path: Path) -> int:
    """Bytes written into a staging file or directory so far."""
    try:
        if not path.is_dir():
            return path.stat().st_size
        return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())
    except OSError:
        return 0


def _prepare(path: Path | str, force: bool, kind: str, inputs: Iterable[Path | str]) -> Path:
    named = check_output(path, force=force, kind=kind, inputs=inputs)
    remove_stale_staging(named)
    try:
        named.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResourceError(f"cannot create the directory {named.parent}: {exc.strerror}") from None
    return named


@contextmanager
def staged_directory(path: Path | str, *, force: bool, kind: str = "artifact",
                     inputs: Iterable[Path | str] = ()) -> Iterator[Path]:
    """Yield an empty staging directory beside `path`; on success it becomes `path`.

    `kind` is the artifact kind being written (for messages); `inputs` the
    stage's inputs, which the output must not touch (see `check_output`). The
    staging directory must hold a manifest at the end. On any exception,
    Ctrl-C and SIGTERM included, it is removed and `path` is untouched.
    """
    named = _prepare(path, force, kind, inputs)
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(named.name), dir=named.parent))
    try:
        (staging / STAGING_MARKER).write_text(f"{os.getpid()}\n")
        yield staging
        (staging / STAGING_MARKER).unlink()
        if not (staging / MANIFEST_NAME).exists():
            raise RuntimeError(f"internal error: {named} staged without {MANIFEST_NAME}")
        check_complete(staging, named)
        apply_umask(staging)
        check_output(named, force=force, kind=kind, inputs=inputs)  # what appeared there meanwhile (another run)
        _swap_into_place(staging, named)
    except OSError as exc:
        full = disk_full_error(exc, named, staging)
        shutil.rmtree(staging, ignore_errors=True)
        if full is not None:
            raise full from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def staged_file(path: Path | str, *, force: bool, kind: str | None = None,
                inputs: Iterable[Path | str] = ()) -> Iterator[Path]:
    """Yield a staging file path beside `path`; on success it is renamed to `path`.

    `kind` is a file kind of `output_safety.FILE_KINDS` (default: from the suffix).
    """
    kind = kind or file_kind_for(Path(path))
    named = _prepare(path, force, kind, inputs)
    fd, name = tempfile.mkstemp(prefix=staging_prefix(named.name), dir=named.parent)
    os.close(fd)
    staging = Path(name)
    try:
        yield staging
        check_complete(staging, named)
        apply_umask(staging)
        check_output(named, force=force, kind=kind, inputs=inputs)
        _swap_into_place(staging, named)
    except OSError as exc:
        full = disk_full_error(exc, named, staging)
        staging.unlink(missing_ok=True)
        if full is not None:
            raise full from None
        raise
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
