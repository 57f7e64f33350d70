"""Whether Python's backtracking `re` can take more than linear time per start position on a pattern.

Why: a token pattern may come from a model someone else made, and `re` holds
the GIL and ignores signals while it matches, so a pattern such as
`(?:a|aa)+b` or `(?:\\w|\\d)+$` (exponential) or `\\w*\\w*\\w*\\w*!`
(polynomial, one power of the line length per repeat) cannot be stopped once
it runs. The check is done on the parsed pattern (`re._parser`), before
anything is matched:

- the pattern is turned into its position automaton (Glushkov: one state per
  character-matching atom, an edge where one atom can follow another; a
  bounded repeat counts as an unbounded one, an exact one of at most
  `UNROLL_LIMIT` as its copies; anchors and `\\b` are ignored);
- the backtracking work on a text is the number of paths of that automaton
  over the text's prefixes. It grows exponentially when two different paths
  lead from a state back to itself over the same characters, and
  polynomially when a state can go, over the same characters, both round a
  loop and on to another state with its own loop. Both are found in the
  product of the automaton with itself (character sets compared exactly, over
  every code point), and refused.

The check is conservative (it may refuse a pattern `re` would in fact run
quickly, never the other way round, so long as lookarounds hold no unbounded
repeat, which is refused too); backreferences and conditionals are refused.
A repeated part that can match the empty string (`(?:a*)*`) is refused.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]
from typing import Any

import numpy as np

UNROLL_LIMIT = 8  # x{n} with n up to this is checked as n copies of x (larger: as x+)
MAX_POSITIONS = 48  # character atoms a checked pattern may hold (the product automaton has their square)
_CHAR_OPS = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN, C.CATEGORY}
_REPEAT_OPS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_CATEGORY_SOURCE = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
                    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}
_SET_FLAGS = re.IGNORECASE | re.ASCII | re.DOTALL


class PatternRisk(Exception):
    """Why a pattern may backtrack for too long (the message completes 'the pattern ...')."""


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _set_source(op: Any, av: Any) -> str:
    """A one-character regular expression matching what the atom (op, av) matches."""
    if op is C.LITERAL:
        return _char(av)
    if op is C.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is C.ANY:
        return "."
    if op is C.CATEGORY:
        return _CATEGORY_SOURCE[av]
    parts = []
    for item_op, item in av:
        if item_op is C.NEGATE:
            parts.append("^")
        elif item_op is C.LITERAL:
            parts.append(_char(item))
        elif item_op is C.RANGE:
            parts.append(f"{_char(item[0])}-{_char(item[1])}")
        elif item_op is C.CATEGORY and item in _CATEGORY_SOURCE:
            parts.append(_CATEGORY_SOURCE[item])
        else:
            raise PatternRisk(f"uses a character-set item ({item_op}) embcli cannot check")
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _all_characters() -> tuple[str, np.ndarray]:
    codes = np.concatenate([np.arange(0xD800), np.arange(0xE000, 0x110000)]).astype("<u4")
    return codes.tobytes().decode("utf-32-le"), codes


@lru_cache(maxsize=256)
def _members(source: str, flags: int) -> np.ndarray:
    """Boolean membership of every code point in the one-character expression `source`."""
    text, codes = _all_characters()
    rest = re.compile(source, flags).sub("", text)
    member = np.zeros(0x110000, dtype=bool)
    member[codes] = True
    member[np.frombuffer(rest.encode("utf-32-le", "surrogatepass"), dtype="<u4")] = False
    return member


class _PositionAutomaton:
    """Glushkov automaton of a parsed pattern: state 0 is the start, state i > 0 the i-th character atom."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, int]] = [("", 0)]
        self.follow: list[list[int]] = [[]]  # a list, not a set: two routes to one atom are two choices

    def position(self, source: str, flags: int) -> int:
        if len(self.sets) > MAX_POSITIONS:
            raise PatternRisk(f"has more than {MAX_POSITIONS} character atoms once repeats are counted, too many "
                              "to check; simplify it")
        self.sets.append((source, flags & _SET_FLAGS))
        self.follow.append([])
        return len(self.sets) - 1

    def sequence(self, items: Any, flags: int) -> tuple[bool, set[int], set[int]]:
        nullable, first, last = True, set(), set()
        for op, av in items:
            item_nullable, item_first, item_last = self.node(op, av, flags)
            for state in last:
                self.follow[state] += sorted(item_first)
            if nullable:
                first |= item_first
            last = (last | item_last) if item_nullable else set(item_last)
            nullable = nullable and item_nullable
        return nullable, first, last

    def node(self, op: Any, av: Any, flags: int) -> tuple[bool, set[int], set[int]]:
        if op in _CHAR_OPS:
            state = self.position(_set_source(op, av), flags)
            return False, {state}, {state}
        if op is C.SUBPATTERN:
            return self.sequence(av[3], (flags | av[1]) & ~av[2])
        if op is getattr(C, "ATOMIC_GROUP", None):
            return self.sequence(av, flags)
        if op is C.BRANCH:
            results = [self.sequence(branch, flags) for branch in av[1]]
            if sum(r[0] for r in results) > 1:
                raise PatternRisk("has two alternatives that can both match the empty string (as in (?:a|) or "
                                  "(?:a?|b?)); keep at most one")
            return (any(r[0] for r in results), set().union(*(r[1] for r in results)),
                    set().union(*(r[2] for r in results)))
        if op in _REPEAT_OPS:
            return self.repeat(av, flags)
        if op is C.AT:
            return True, set(), set()
        if op in (C.ASSERT, C.ASSERT_NOT):
            if av[1].getwidth()[1] >= C.MAXREPEAT:
                raise PatternRisk("has a lookaround with an unbounded repeat; bound it (e.g. {0,20} for *)")
            check_backtracking(av[1], flags)
            return True, set(), set()
        raise PatternRisk(f"uses {str(op).lower()}, which embcli does not allow in token patterns")

    def repeat(self, av: Any, flags: int) -> tuple[bool, set[int], set[int]]:
        low, high, body = av
        if high == 0:
            return True, set(), set()
        if high == 1:
            nullable, first, last = self.sequence(body, flags)
            return nullable or low == 0, first, last
        if low == high and high <= UNROLL_LIMIT:
            return self.sequence(list(body) * high, flags)
        nullable, first, last = self.sequence(body, flags)
        if nullable:
            raise PatternRisk("repeats a part that can match the empty string (as in (?:a*)*); make the repeated "
                              "part match at least one character")
        for state in last:
            self.follow[state] += sorted(first)
        return low == 0, first, last

    def overlap(self, a: int, b: int) -> bool:
        (source_a, flags_a), (source_b, flags_b) = self.sets[a], self.sets[b]
        if (source_a, flags_a) == (source_b, flags_b):
            return True
        return bool((_members(source_a, flags_a) & _members(source_b, flags_b)).any())


Pair = tuple[int, int]


def _product_graph(automaton: _PositionAutomaton) -> tuple[dict[Pair, list[Pair]], set[Pair]]:
    """Pairs of states reachable from (start, start) over the same characters, their successors, and the pairs
    entered from a diagonal pair by two different edges (two routes to one state: the paths diverge there)."""
    overlaps: dict[Pair, bool] = {}
    graph: dict[Pair, list[Pair]] = {}
    diverging: set[Pair] = set()
    pending = [(0, 0)]
    while pending:
        pair = pending.pop()
        if pair in graph:
            continue
        successors = []
        for i, a in enumerate(automaton.follow[pair[0]]):
            for j, b in enumerate(automaton.follow[pair[1]]):
                key = (min(a, b), max(a, b))
                if key not in overlaps:
                    overlaps[key] = automaton.overlap(a, b)
                if overlaps[key]:
                    successors.append((a, b))
                    if pair[0] == pair[1] and a == b and i != j:
                        diverging.add(pair)
        graph[pair] = successors
        pending.extend(successor for successor in successors if successor not in graph)
    return graph, diverging


def _reachable(graph: dict[Any, list[Any]], start: Any) -> set[Any]:
    seen, pending = set(), list(graph[start])
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(graph[node])
    return seen


def check_backtracking(parsed: Any, flags: int | None = None) -> None:
    """Raise PatternRisk if `parsed` (a `re._parser` tree) can make `re` backtrack super-linearly.

    >>> from re import _parser
    >>> check_backtracking(_parser.parse(r"[^\\W_]+(?:['’][^\\W_]+)*"))
    >>> check_backtracking(_parser.parse(r"(?:a|aa)+b"))
    Traceback (most recent call last):
    embcli.corpus.pattern_ambiguity.PatternRisk: can match the same text in exponentially many ways (a repeat whose parts overlap, as in (?:a|aa)+ or (?:\\w|\\d)+)
    """
    automaton = _PositionAutomaton()
    _, first, _ = automaton.sequence(parsed, parsed.state.flags if flags is None else flags)
    automaton.follow[0] = sorted(first)
    graph, diverging = _product_graph(automaton)
    reach: dict[tuple[int, int], set[tuple[int, int]]] = {}

    def reachable(pair: tuple[int, int]) -> set[tuple[int, int]]:
        if pair not in reach:
            reach[pair] = _reachable(graph, pair)
        return reach[pair]

    diagonal_loops = {pair for pair in graph if pair[0] == pair[1] and pair in reachable(pair)}
    for state, _ in diagonal_loops:
        descendants = reachable((state, state))
        if any((a != b or (a, b) in diverging) and (state, state) in reachable((a, b))
               for a, b in descendants | {(state, state)}):
            raise PatternRisk("can match the same text in exponentially many ways (a repeat whose parts overlap, "
                              "as in (?:a|aa)+ or (?:\\w|\\d)+)")
        for a, b in descendants:
            if a == state and b != state and (b, b) in diagonal_loops and (b, b) in reachable((a, b)):
                raise PatternRisk("can match the same text in polynomially many ways (repeats that can take the "
                                  "same characters one after the other, as in \\w+\\d+ or .*a.*a)")
