"""Token patterns that are safe to run: a pattern may come from a file the user did not write.

A vectors artifact carries the tokenizer settings of its corpus, so `embed`
tokenizes as training did — and so a downloaded model brings a regular
expression with it. Before any text is tokenized, a pattern must:

- compile, and have no capturing groups (`findall` would return the groups);
- never match the empty string (it would yield empty tokens);
- never match whitespace that splits a line or a field: a token holding a
  TAB, a newline or a space would make `vocab.tsv`, `corpus.txt` and
  `vectors.vec` unreadable;
- have no nested unbounded quantifier whose inner repeat can start where the
  outer one does (`(?:a+)+b`, `(\\w+\\s?)*`): Python's `re` backtracks
  exponentially on those (40 `a`s take minutes) and cannot be interrupted.

The work is bounded by refusing such patterns before they run, rather than by
a timer: `re` holds the GIL and ignores signals while it matches, so only a
separate process could time it out, at a cost on every line. Patterns such as
the default `[^\\W_]+(?:['’][^\\W_]+)*`, whose inner repeat follows a literal,
stay allowed. (Alternations of overlapping branches under a repeat,
`(a|a)+`, are not detected.)
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from embcli.errors import ConfigError

# Characters a token must never contain: field and line separators of embcli's text files.
SEPARATORS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)


def _is_unbounded_repeat(op: Any, av: Any) -> bool:
    return op in _REPEATS and av[1] > 1


def _starts_with_repeat(items: Any) -> bool:
    """Whether the sequence `items` can begin with a repeat of more than one item."""
    for op, av in items:
        if _is_unbounded_repeat(op, av):
            return True
        if op is sre_constants.SUBPATTERN:
            return _starts_with_repeat(av[3])
        if op is sre_constants.BRANCH:
            return any(_starts_with_repeat(branch) for branch in av[1])
        if op in _REPEATS and av[0] == 0:  # an optional item: what follows can start the match too
            if _starts_with_repeat(av[2]):
                return True
            continue
        return False
    return False


def has_nested_quantifier(items: Any) -> bool:
    """Whether a parsed pattern holds a repeat whose body starts with another repeat (exponential backtracking)."""
    for op, av in items:
        if _is_unbounded_repeat(op, av):
            if _starts_with_repeat(av[2]) or has_nested_quantifier(av[2]):
                return True
        elif op in _REPEATS or op is _POSSESSIVE:
            if has_nested_quantifier(av[2]):
                return True
        elif op is sre_constants.SUBPATTERN:
            if has_nested_quantifier(av[3]):
                return True
        elif op is sre_constants.BRANCH:
            if any(has_nested_quantifier(branch) for branch in av[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            if has_nested_quantifier(av[1]):
                return True
    return False


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
    embcli.errors.ConfigError: --token-pattern '(?:a+)+b' nests a repeat inside a repeat (backtracking on it can take minutes); rewrite it without the nesting, e.g. 'a+b' for '(?:a+)+b'
    """
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{source} must be a non-empty regular expression, not {pattern!r}")
    try:
        compiled = re.compile(pattern)
        parsed = sre_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ConfigError(f"{source} {pattern!r} is not a valid regular expression ({exc})") from None
    if compiled.groups:
        raise ConfigError(f"{source} {pattern!r} has capturing groups; use (?:...) instead")
    if has_nested_quantifier(parsed):
        raise ConfigError(f"{source} {pattern!r} nests a repeat inside a repeat (backtracking on it can take "
                          "minutes); rewrite it without the nesting, e.g. 'a+b' for '(?:a+)+b'")
    if compiled.fullmatch("") is not None:
        raise ConfigError(f"{source} {pattern!r} matches the empty string, which would make empty tokens; "
                          "use + instead of * for the token's characters")
    separator = _separator_in_tokens(compiled)
    if separator is not None:
        raise ConfigError(f"{source} {pattern!r} can match {separator!r} inside a token, which vocab.tsv, corpus.txt "
                          "and vectors.vec cannot hold; exclude whitespace from the pattern")
    return compiled
