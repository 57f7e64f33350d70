"""Token patterns that are safe to run: a pattern may come from a file the user did not write.

A vectors artifact carries the tokenizer settings of its corpus, so `embed`
tokenizes as training did — and so a downloaded model brings a regular
expression with it. Before any text is tokenized, a pattern must:

- compile, and have no capturing groups (`findall` would return the groups);
- never match the empty string (it would yield empty tokens);
- never match whitespace that splits a line or a field: a token holding a
  TAB, a newline or a space would make `vocab.tsv`, `corpus.txt` and
  `vectors.vec` unreadable;
- never make Python's backtracking `re` do more than linear work per start
  position: nested or overlapping repeats (`(?:a+)+b`, `(?:a|aa)+b`,
  `(?:.*a){20}`, `\\w*\\w*\\w*!`) take minutes on one line of 40 `a`s and
  cannot be interrupted. `embcli.corpus.pattern_ambiguity` decides this on the
  parsed pattern, conservatively.

The work is bounded by refusing such patterns before they run, rather than by
a timer: `re` holds the GIL and ignores signals while it matches, so only a
separate process could time it out, at a cost on every line. Patterns such as
the default `[^\\W_]+(?:['’][^\\W_]+)*`, whose repeats cannot take the same
characters, stay allowed. The same check applies to `--token-pattern`, so an
artifact embcli writes is one it accepts again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _parser as sre_parser  # type: ignore[attr-defined]

from embcli.corpus.pattern_ambiguity import PatternRisk, check_backtracking
from embcli.errors import ConfigError

# Characters a token must never contain: field and line separators of embcli's text files.
MAX_PATTERN_CHARS = 2000  # a token pattern longer than this is refused unparsed (it came from a file, surely)
SEPARATORS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
def _separator_in_tokens(compiled: re.Pattern[str]) -> str | None:
    """A separator character some token of a probe text would contain (None if none does)."""
    for separator in SEPARATORS:
        probe = f"a{separator}b {separator} 1{separator}2 word{separator}word {separator}{separator}x"
        if any(separator in token for token in compiled.findall(probe)):
            return separator
    return None


def compile_token_pattern(pattern: str, *, source: str = "--token-pattern") -> re.Pattern[str]:
    """Compile `pattern` after the checks in the module docstring; `source` names where it came from.

    >>> compile_token_pattern("[a-z]+").findall("ab cd")
    ['ab', 'cd']
    >>> compile_token_pattern("(?:a+)+b")
    Traceback (most recent call last):
    embcli.errors.ConfigError: --token-pattern '(?:a+)+b' can match the same text in exponentially many ways (a repeat whose parts overlap, as in (?:a|aa)+ or (?:\\w|\\d)+), so matching a line could take minutes; rewrite it so that no two repeats can take the same characters, e.g. 'a+b' for '(?:a+)+b'
    """
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{source} must be a non-empty regular expression, not {pattern!r}")
    return _checked_pattern(pattern, source)


@lru_cache(maxsize=64)  # the check costs up to a second; tokenizers are built per worker and per call
def _checked_pattern(pattern: str, source: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ConfigError(f"{source} is {len(pattern):,} characters long; a token pattern is at most "
                          f"{MAX_PATTERN_CHARS:,}")
    try:
        compiled = re.compile(pattern)
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ConfigError(f"{source} {pattern!r} is not a valid regular expression ({exc})") from None
    if compiled.groups:
        raise ConfigError(f"{source} {pattern!r} has capturing groups; use (?:...) instead")
    try:
        check_backtracking(parsed)
    except RecursionError:
        raise ConfigError(f"{source} nests groups too deeply to check; simplify it") from None
    except PatternRisk as risk:
        raise ConfigError(f"{source} {pattern!r} {risk}, so matching a line could take minutes; rewrite it so that "
                          "no two repeats can take the same characters, e.g. 'a+b' for '(?:a+)+b'") from None
    if compiled.fullmatch("") is not None:
        raise ConfigError(f"{source} {pattern!r} matches the empty string, which would make empty tokens; "
                          "use + instead of * for the token's characters")
    separator = _separator_in_tokens(compiled)
    if separator is not None:
        raise ConfigError(f"{source} {pattern!r} can match {separator!r} inside a token, which vocab.tsv, corpus.txt "
                          "and vectors.vec cannot hold; exclude whitespace from the pattern")
    return compiled
