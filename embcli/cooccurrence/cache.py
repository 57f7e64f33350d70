"""The co-occurrence cache `train --model glove` keeps next to the corpus, and what it may replace.

A cache directory is reused only while its manifest names this corpus and these
counting settings, and rebuilt otherwise. Like every auxiliary output (a
checkpoint directory too), it is replaced only if it is empty or an embcli
artifact of the expected kind: anything else is refused, `--force` or not.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from embcli.artifacts import MANIFEST_NAME, manifest_reference, read_manifest
from embcli.config import CooccurConfig
from embcli.cooccurrence.counting import count_cooccurrences
from embcli.cooccurrence.matrix import COOCCURRENCE_KIND, WEIGHTING
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import FormatError, InputError
from embcli.progress import SILENT, Progress


def check_auxiliary_directory(directory: Path, kind: str, option: str) -> None:
    """Refuse to replace `directory` unless it is missing, empty, or an embcli artifact of `kind`.

    Stricter than `check_output` with --force (any embcli artifact): an auxiliary
    path is chosen by a default or an option, not named as the output.

    `option` names where the path came from, for the message (`--checkpoint-dir`, ...).
    """
    directory = Path(directory)
    if not os.path.lexists(directory):
        return
    if os.path.islink(directory) and not os.path.exists(directory):
        found = f"a dangling symlink (to {os.readlink(directory)})"  # nothing is ever created at its target
    elif not directory.is_dir():  # a symlink counts as what it points to
        found = "not a directory"
    elif not any(directory.iterdir()):
        return
    else:
        found_kind = manifest_kind(directory)
        if found_kind == kind:
            return
        found = f"a '{found_kind}' artifact" if found_kind else f"not made by embcli (no {MANIFEST_NAME})"
    raise InputError(f"{directory} ({option}) is {found}, not a {kind} directory; embcli will not replace it, "
                     f"even with --force: remove it yourself or choose another {option}")


def manifest_kind(directory: Path) -> str | None:
    """The artifact kind `directory`'s manifest declares (None if it has no readable embcli manifest)."""
    try:
        manifest = json.loads((Path(directory) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    kind = manifest.get("kind") if isinstance(manifest, dict) and "format_version" in manifest else None
    return kind if isinstance(kind, str) else None


def cache_name(config: CooccurConfig) -> str:
    """`cooccur-w10-sym`, `cooccur-w5-asym-unk`, ...: one cache per counting setting.

    >>> cache_name(CooccurConfig(window=5, asymmetric=True, keep_unk=True))
    'cooccur-w5-asym-unk'
    """
    return f"cooccur-w{config.window}-{'asym' if config.asymmetric else 'sym'}{'-unk' if config.keep_unk else ''}"


def cache_mismatch(directory: Path, corpus: TokenCorpus, config: CooccurConfig) -> str | None:
    """Why the matrix in `directory` cannot stand for `corpus` counted with `config` (None if it can)."""
    try:
        manifest = read_manifest(directory, COOCCURRENCE_KIND)
    except (InputError, FormatError) as exc:
        return str(exc)
    parent = manifest.get("inputs", {}).get("corpus", {})
    if parent.get("manifest_sha256") != manifest_reference(corpus.directory)["manifest_sha256"]:
        return "it was counted from a different corpus (or an older version of this one)"
    wanted = {"window": config.window, "symmetric": not config.asymmetric, "keep_unk": config.keep_unk,
              "weighting": WEIGHTING}
    for key, value in wanted.items():
        if manifest.get(key) != value:
            return f"it was counted with {key}={manifest.get(key)!r}, not {value!r}"
    if manifest.get("counts", {}).get("vocab_size") != len(corpus.vocab):
        return "its vocabulary is not the corpus's"
    return None


def ensure_cooccurrence(corpus: TokenCorpus, directory: Path, config: CooccurConfig, *,
                        progress: Progress = SILENT, option: str = "co-occurrence cache") -> tuple[Path, bool]:
    """Reuse the matrix in `directory` if it matches `corpus` and `config`, else (re)count it there.

    Returns (directory, reused). A stale matrix is never reused silently: the
    note says why it is rebuilt. A directory that is neither empty nor a
    co-occurrence artifact is refused (`option` names it in the message).
    """
    directory = Path(directory)
    check_auxiliary_directory(directory, COOCCURRENCE_KIND, option)
    if os.path.lexists(directory) and any(directory.iterdir()):
        reason = cache_mismatch(directory, corpus, config)
        if reason is None:
            progress.note(f"co-occurrence: reusing {directory}")
            return directory, True
        progress.note(f"co-occurrence: rebuilding {directory} because {reason}")
    count_cooccurrences(corpus, directory, config, force=True, progress=progress)
    return directory, False
