"""How a model's corpus was tokenized, recorded in the vectors artifact itself.

Training copies the corpus's tokenizer settings into the vectors manifest's
`tokenizer` section and its stop-word list into the vectors directory
(`stopwords.txt`), so `embed`, queries and the Python API normalise text as
the corpus was wherever they run, and never follow a path found in a manifest.
Vectors made before this section existed (and bare files) fall back to
preprocess's defaults, and consumers say so.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from embcli.artifacts import artifact_member
from embcli.corpus.stopword_file import STOPWORDS_NAME, read_stopword_file, write_stopword_file
from embcli.corpus.token_pattern import compile_token_pattern
from embcli.corpus.tokenize import TokenizerSpec
from embcli.errors import ConfigError, FormatError

TOKENIZER_SECTION = "tokenizer"
TOKENIZER_KINDS = ("regex", "whitespace", "char", "jieba")
PHRASES_NAME = "phrases.tsv"  # the phrase table of a corpus made by `embcli phrases`, as its vectors carry it
SENTENCE_LIMIT_PREFIX = "max_sentence"  # a preprocess limit on sentence length, recorded when the corpus has one
_DEFAULTS = TokenizerSpec()  # preprocess's defaults, as Embeddings.tokenizer assumes (no config import for a query)


def corpus_tokenizer_section(corpus_manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The tokenizer settings a corpus manifest records (its own `tokenizer` section or its preprocess config)."""
    if isinstance(corpus_manifest.get(TOKENIZER_SECTION), dict):
        return dict(corpus_manifest[TOKENIZER_SECTION])
    config = corpus_manifest.get("config")
    if not isinstance(config, dict) or "tokenizer" not in config:
        return None
    section: dict[str, Any] = {
        "tokenizer": config.get("tokenizer"), "token_pattern": config.get("token_pattern"),
        "lowercase": config.get("lowercase", _DEFAULTS.lowercase), "nfkc": config.get("nfkc", _DEFAULTS.nfkc),
        "stopwords": None, "stopwords_source": config.get("stopwords"),
    }
    section.update({key: value for key, value in config.items() if key.startswith(SENTENCE_LIMIT_PREFIX)})
    return section


def record_tokenizer(corpus_directory: Path, corpus_manifest: dict[str, Any], staging: Path
                     ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(the vectors manifest's `tokenizer` section, files written) for vectors trained on this corpus.

    The stop-word list is copied from the corpus directory (or, for a corpus made before
    preprocess stored it, rebuilt when it was scikit-learn's `english` list), and so is the phrase
    table of a corpus made by `embcli phrases`: new text is then split as the corpus was without
    reading anything outside the vectors directory.
    """
    section = corpus_tokenizer_section(corpus_manifest)
    if section is None:
        return None, {}
    pattern = section.get("token_pattern")
    if pattern is not None:  # checked now, so the vectors artifact is one embcli accepts again
        try:
            compile_token_pattern(pattern, source=f"{Path(corpus_directory) / 'manifest.json'}: token_pattern")
        except ConfigError as exc:
            raise FormatError(f"{exc}; re-run embcli preprocess with a safe --token-pattern") from None
    files = _record_stopwords(Path(corpus_directory), corpus_manifest, staging, section)
    phrases = corpus_manifest.get("phrases")
    table = phrases.get("table") if isinstance(phrases, dict) else None
    if table:
        shutil.copyfile(artifact_member(Path(corpus_directory), table, "phrases.table"), staging / PHRASES_NAME)
        section["phrases"] = files["phrases"] = PHRASES_NAME
    return section, files


def _record_stopwords(corpus_directory: Path, corpus_manifest: dict[str, Any], staging: Path,
                      section: dict[str, Any]) -> dict[str, str]:
    source = section.get("stopwords_source")
    files = corpus_manifest.get("files")
    stored = (files.get("stopwords") if isinstance(files, dict) else None) or section.get("stopwords")
    section["stopwords"] = None
    if stored:
        shutil.copyfile(artifact_member(corpus_directory, stored, "files.stopwords"), staging / STOPWORDS_NAME)
    elif source == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        write_stopword_file(staging / STOPWORDS_NAME, ENGLISH_STOP_WORDS)
    elif source not in (None, "none"):
        section["stopwords_missing"] = True  # an old corpus: its list was a file outside it
        return {}
    else:
        return {}
    section["stopwords"] = STOPWORDS_NAME
    return {"stopwords": STOPWORDS_NAME}


def phrase_table_path(directory: Path, manifest: dict[str, Any]) -> Path | None:
    """The phrase table a vectors artifact carries (inside its directory), or None."""
    section = manifest.get(TOKENIZER_SECTION)
    name = section.get("phrases") if isinstance(section, dict) else None
    return artifact_member(Path(directory), name, "tokenizer.phrases") if name else None


def read_tokenizer_spec(directory: Path, manifest: dict[str, Any]) -> TokenizerSpec | None:
    """The `TokenizerSpec` a vectors artifact records, or None when it records none."""
    section = manifest.get(TOKENIZER_SECTION)
    if section is None:
        return None
    where = Path(directory) / "manifest.json"
    if not isinstance(section, dict):
        raise FormatError(f"{where}: the tokenizer section is not a table; re-create the vectors")
    kind, pattern = section.get("tokenizer", "regex"), section.get("token_pattern")
    if kind not in TOKENIZER_KINDS or not (pattern is None or isinstance(pattern, str)):
        raise FormatError(f"{where}: unknown tokenizer {kind!r} or pattern {pattern!r}; upgrade embcli or "
                          f"re-create the vectors")
    if pattern is not None:
        try:
            compile_token_pattern(pattern, source=f"{where}: token_pattern")
        except ConfigError as exc:  # the model's fault, not an option's: exit 1 like any damaged artifact
            raise FormatError(f"{exc}; re-create the vectors with a safe --token-pattern") from None
    stopwords = frozenset()
    if section.get("stopwords"):
        stopwords = read_stopword_file(artifact_member(Path(directory), section["stopwords"], "tokenizer.stopwords"))
    return TokenizerSpec(kind=kind, pattern=pattern, lowercase=bool(section.get("lowercase", True)),
                         nfkc=bool(section.get("nfkc", True)), stopwords=stopwords)


def copy_tokenizer(directory: Path, manifest: dict[str, Any], staging: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Carry a vectors artifact's tokenizer section, stop-word file and phrase table into a derived artifact."""
    section = manifest.get(TOKENIZER_SECTION)
    if not isinstance(section, dict):
        return {}, {}
    copied, files = dict(section), {}
    for key, name in (("stopwords", STOPWORDS_NAME), ("phrases", PHRASES_NAME)):
        if section.get(key):
            shutil.copyfile(artifact_member(Path(directory), section[key], f"tokenizer.{key}"), staging / name)
            copied[key] = files[key] = name
    return {TOKENIZER_SECTION: copied}, files
