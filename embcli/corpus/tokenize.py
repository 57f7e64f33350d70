"""Tokenizers: one line of text in, a list of tokens out.

All tokenizers share the same normalisation (NFKC, then lowercasing) and
stop-word filter, so a corpus prepared on one machine or engine tokenizes the
same everywhere. Tokenizers are built from a picklable `TokenizerSpec` so
worker processes can rebuild them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embcli.corpus.token_pattern import compile_token_pattern
from embcli.errors import ConfigError, EmbcliError, InputError

# Unicode letters/digits, with inner apostrophes kept ("don't", "atlanta's").
WORD_PATTERN = r"[^\W_]+(?:['\u2019][^\W_]+)*"
# Scripts written without spaces: one token per character with the `char` tokenizer.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
CHAR_PATTERN = rf"[{CJK_RANGES}]|(?:(?![{CJK_RANGES}])[^\W_])+(?:['\u2019](?:(?![{CJK_RANGES}])[^\W_])+)*"

Tokenizer = Callable[[str], list[str]]
MAX_STOPWORD_FILE_BYTES = 64 << 20


@dataclass(frozen=True)
class TokenizerSpec:
    kind: str = "regex"  # regex | whitespace | char | jieba
    pattern: str | None = None  # custom regex for kind "regex"
    lowercase: bool = True
    nfkc: bool = True
    stopwords: frozenset[str] = frozenset()


def make_tokenizer(spec: TokenizerSpec) -> Tokenizer:
    """Build the line -> tokens function described by `spec`.

    >>> make_tokenizer(TokenizerSpec(kind="char"))("北京欢迎你 in 2008")
    ['北', '京', '欢', '迎', '你', 'in', '2008']
    """
    split = _splitter(spec)
    normalize = _normalizer(spec)
    stopwords = spec.stopwords

    if stopwords:
        def tokenize(line: str) -> list[str]:
            return [token for token in split(normalize(line)) if token not in stopwords]
    else:
        def tokenize(line: str) -> list[str]:
            return split(normalize(line))

    return tokenize


def _normalizer(spec: TokenizerSpec) -> Callable[[str], str]:
    nfkc, lowercase = spec.nfkc, spec.lowercase

    def normalize(text: str) -> str:
        if nfkc and not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        return text.lower() if lowercase else text

    return normalize


def _splitter(spec: TokenizerSpec) -> Tokenizer:
    if spec.kind == "whitespace":
        return str.split
    if spec.kind == "regex":
        return compile_pattern(spec.pattern or WORD_PATTERN).findall
    if spec.kind == "char":
        return re.compile(CHAR_PATTERN).findall
    if spec.kind == "jieba":
        return _jieba_splitter()
    raise ConfigError(f"unknown tokenizer '{spec.kind}' (choose regex, whitespace, char or jieba)")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A user's or an artifact's token pattern, checked to be safe to run (see `token_pattern`)."""
    return compile_token_pattern(pattern)


def _jieba_splitter() -> Tokenizer:
    try:
        import jieba
    except ImportError:
        raise EmbcliError("the jieba tokenizer needs the optional extra: pip install 'embcli[zh]'") from None
    import logging

    jieba.setLogLevel(logging.WARNING)
    wordlike = re.compile(r"[^\W_]")

    def split(text: str) -> list[str]:
        return [token for token in jieba.lcut(text) if wordlike.search(token)]

    return split


def load_stopwords(spec: str | None, *, lowercase: bool = True, nfkc: bool = True) -> frozenset[str]:
    """`None`, `english` (scikit-learn's list) or a file of words (one per line, `#` comments)."""
    if spec is None or spec == "none":
        return frozenset()
    if spec == "english":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS)
    path = Path(spec)
    if path.is_dir():
        raise InputError(f"--stopwords {spec} is a directory; give a file of words (one per line), english or none")
    if not path.is_file():
        raise InputError(f"stop-word file {spec} does not exist (use --stopwords english, none, or a file of words)")
    if path.stat().st_size > MAX_STOPWORD_FILE_BYTES:
        raise InputError(f"stop-word file {spec} is {path.stat().st_size:,} bytes; a stop-word list is at most "
                         f"{MAX_STOPWORD_FILE_BYTES:,} bytes (is it the right file?)")
    normalize = _normalizer(TokenizerSpec(lowercase=lowercase, nfkc=nfkc))
    words = set()
    for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(normalize(word))
    return frozenset(words)
