"""Phrase candidates in a token-id corpus, and greedy joining, as whole-array operations.

A candidate is two joinable words `a` and `b` with any run of connector words
between them (none: `new york`; `of`: `bank of america`; `of the`:
`bank of the west`), as gensim's Phrases with `connector_words`. It starts at
each joinable word and ends at the next word that is not a connector, which
must be joinable and in the same sentence (`<unk>` is neither joinable nor a
connector: it ends every run). A run of connectors is interned as a node of a
`ConnectorTrie` (node 0: the empty run), so a candidate is one uint64 key
`(a * V + b) * nodes + node`, whatever the run's length.

Joining is greedy, left to right: a candidate that is a phrase becomes one
token and the scan resumes after it; otherwise its first word stays and the
scan moves on (gensim's FrozenPhrases does the same). Candidates chain: one
ends where the next begins, and within a chain a phrase is taken unless the
phrase before it was, so in every run of consecutive phrases along a chain the
1st, 3rd, 5th, ... are joined.

Everything works on whole sentences `first..last-1` at a time, so a caller
bounds the memory by the slice it gives (about 50 bytes per token).
numpy only: `embcli phrases` loads no compiler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNKNOWN = np.uint64(0xFFFFFFFFFFFFFFFF)  # the key of a candidate whose run the trie lacks: never a phrase's

def candidate_spans(ids: np.ndarray, offsets: np.ndarray, joinable: np.ndarray, connector: np.ndarray,
                    first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the first word, of the last word) of every candidate in sentences first..last-1, in order.

    >>> ids, offsets = np.array([1, 3, 2, 1, 2], dtype=np.uint32), np.array([0, 3, 5])
    >>> joinable, connector = np.array([False, True, True, False]), np.array([False, False, False, True])
    >>> candidate_spans(ids, offsets, joinable, connector, 0, 2)  # 1 _3_ 2 | 1 2 (id 3 is a connector)
    (array([0, 3]), array([2, 4]))
    >>> no_connector = np.zeros(4, dtype=bool)
    >>> candidate_spans(np.array([1, 2, 2, 1], np.uint32), np.array([0, 0, 2, 4, 4]), joinable, no_connector, 0, 4)
    (array([0, 2]), array([1, 3]))
    >>> candidate_spans(np.array([1, 2, 2, 1], np.uint32), np.array([0, 0, 2, 4, 4]), joinable, connector, 0, 4)
    (array([0, 2]), array([1, 3]))
    """
    lo, hi = int(offsets[first]), int(offsets[last])
    words = ids[lo:hi]
    if not connector.any():  # every candidate is two neighbours
        pair = joinable[words]
        pair = pair[:-1] & pair[1:]
        breaks = offsets[first + 1:last] - lo - 1  # no candidate spans a sentence break
        pair[breaks[(breaks >= 0) & (breaks < len(pair))]] = False
        starts = np.flatnonzero(pair)
        return starts + lo, starts + (lo + 1)
    sentence_start = np.zeros(hi - lo, dtype=np.bool_)
    sentence_start[offsets[first:last][offsets[first:last] < hi] - lo] = True
    stops = np.flatnonzero(~connector[words] | sentence_start)  # where a run ends: a word, or a new sentence
    stop_joinable = joinable[words[stops]]
    at = np.flatnonzero(stop_joinable[:-1] & stop_joinable[1:] & ~sentence_start[stops[1:]])
    return stops[at] + lo, stops[at + 1] + lo


@dataclass(frozen=True)
class ConnectorTrie:
    """Every connector run that sits between two joinable words, interned.

    Node n > 0 is run `parents[n]` followed by connector `words[n]`; nodes are numbered in order of first
    appearance in the corpus (a run's prefixes before it). `keys`/`key_nodes`: `parent * V + word` of nodes
    1.., sorted, and their nodes, for lookups.
    """

    parents: np.ndarray  # int64
    words: np.ndarray  # int64
    keys: np.ndarray  # uint64, sorted
    key_nodes: np.ndarray  # int64
    vocab_size: int

    @property
    def nodes(self) -> int:
        return len(self.parents)

    def run_words(self, node: int) -> list[int]:
        """The connector ids of a node's run, in corpus order."""
        run: list[int] = []
        while node:
            run.append(int(self.words[node]))
            node = int(self.parents[node])
        return run[::-1]

    def nodes_of(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The node of each run `ids[starts + 1:ends]` (0 when empty; -1 for a run never interned)."""
        nodes = np.zeros(len(starts), dtype=np.int64)
        lengths = ends - starts - 1
        active = np.flatnonzero(lengths > 0)
        level = 0
        while len(active) and len(self.keys):
            level += 1
            key = nodes[active].astype(np.uint64) * np.uint64(self.vocab_size) + ids[starts[active] + level]
            slot = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            found = self.keys[slot] == key
            nodes[active] = np.where(found, self.key_nodes[slot], -1)
            active = active[found & (lengths[active] > level)]
        nodes[(lengths > 0) & (nodes == 0)] = -1  # a run left with no trie to look it up in
        return nodes


def connector_trie(ids: np.ndarray, offsets: np.ndarray, joinable: np.ndarray, connector: np.ndarray,
                   bounds: list[int]) -> ConnectorTrie:
    """Intern every connector run between two joinable words, reading the sentences chunk by chunk (`bounds`)."""
    run_starts, run_lengths = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for first, last in zip(bounds[:-1], bounds[1:]) if connector.any() else ():
        starts, ends = candidate_spans(ids, offsets, joinable, connector, first, last)
        has_run = ends - starts > 1
        run_starts.append(starts[has_run])
        run_lengths.append(ends[has_run] - starts[has_run] - 1)
    starts, lengths = np.concatenate(run_starts), np.concatenate(run_lengths)
    vocab = np.uint64(len(joinable))
    connector_ids = np.flatnonzero(connector)  # a connector's rank among them orders (prefix, connector) as its id
    rank, n_connectors = np.cumsum(connector) - 1, len(connector_ids)
    node = np.zeros(len(starts), dtype=np.int64)  # each run's node so far (its prefix of `level` connectors)
    parents, words, first_run, levels = [np.zeros(1, np.int64)], [np.zeros(1, np.int64)], [np.full(1, -1)], [[0]]
    count, level, active = 1, 0, np.arange(len(starts))
    while len(active):  # level by level: the distinct (prefix, next connector) pairs become nodes
        level += 1
        code = node[active] * n_connectors + rank[ids[starts[active] + level]]
        distinct, first_index, inverse = distinct_codes(code, count * n_connectors)
        parents.append(distinct // n_connectors)
        words.append(connector_ids[distinct % n_connectors])
        first_run.append(active[first_index])
        levels.append(np.full(len(distinct), level))
        node[active] = count + inverse
        count += len(distinct)
        active = active[lengths[active] > level]
    order = np.lexsort((np.concatenate(levels), np.concatenate(first_run)))  # by first run, then prefix length
    number = np.empty(count, dtype=np.int64)
    number[order] = np.arange(count)
    parents_numbered = np.empty(count, dtype=np.int64)
    parents_numbered[number] = number[np.concatenate(parents)]
    words_numbered = np.empty(count, dtype=np.int64)
    words_numbered[number] = np.concatenate(words)
    keys = parents_numbered[1:].astype(np.uint64) * vocab + words_numbered[1:].astype(np.uint64)
    by_key = np.argsort(keys)
    return ConnectorTrie(parents_numbered, words_numbered, keys[by_key], by_key + 1, len(joinable))


def distinct_codes(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(codes, return_index=True, return_inverse=True) of int64 codes in [0, size): counted, not
    sorted, while `size` is small.

    >>> distinct_codes(np.array([4, 1, 4, 0]), 6)
    (array([0, 1, 4]), array([3, 1, 0]), array([2, 1, 2, 0]))
    """
    if size > 4 * len(codes) + (1 << 16):
        distinct, first_index, inverse = np.unique(codes, return_index=True, return_inverse=True)
        return distinct, first_index, inverse.ravel()
    present = np.bincount(codes, minlength=size) > 0
    inverse = (np.cumsum(present) - 1)[codes]
    first_index = np.full(int(present.sum()), len(codes), dtype=np.int64)
    np.minimum.at(first_index, inverse, np.arange(len(codes)))
    return np.flatnonzero(present), first_index, inverse


def candidate_keys(ids: np.ndarray, starts: np.ndarray, ends: np.ndarray, trie: ConnectorTrie) -> np.ndarray:
    """The key `(a * V + b) * nodes + run node` of each candidate (spans from `candidate_spans`).

    Keys stay below 2**64 - 1 (`UNKNOWN`) while V * V * nodes < 2**64, which the caller checks.
    """
    vocab, nodes = np.uint64(trie.vocab_size), np.uint64(trie.nodes)
    run_nodes = trie.nodes_of(ids, starts, ends)
    keys = (ids[starts].astype(np.uint64) * vocab + ids[ends]) * nodes + run_nodes.astype(np.uint64)
    keys[run_nodes < 0] = UNKNOWN
    return keys


def taken_phrases(starts: np.ndarray, ends: np.ndarray, is_phrase: np.ndarray) -> np.ndarray:
    """Which candidates greedy left-to-right joining takes: a phrase, unless the phrase it follows was taken.

    >>> taken_phrases(np.array([0, 1, 2, 5]), np.array([1, 2, 3, 6]), np.array([True, True, True, True]))
    array([ True, False,  True,  True])
    """
    index = np.arange(len(starts))
    follows_phrase = np.zeros(len(starts), dtype=np.bool_)
    follows_phrase[1:] = (ends[:-1] == starts[1:]) & is_phrase[:-1]
    run_start = np.maximum.accumulate(np.where(is_phrase & ~follows_phrase, index, 0))
    return is_phrase & ((index - run_start) % 2 == 0)


def join_phrases(ids: np.ndarray, offsets: np.ndarray, joinable: np.ndarray, connector: np.ndarray,
                 trie: ConnectorTrie, phrase_keys: np.ndarray, first_phrase_id: int, bounds: list[int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Join the candidates whose key is `phrase_keys[p]` into token `first_phrase_id + p`; (new ids, new offsets).

    Sentences keep their boundaries; `bounds` cuts them into chunks. Only candidates whose words begin and
    end some phrase are looked up.
    """
    order = np.argsort(phrase_keys)
    sorted_keys = phrase_keys[order]
    pairs = phrase_keys // np.uint64(trie.nodes)
    firsts, lasts = (np.bincount(words.astype(np.int64), minlength=trie.vocab_size) > 0
                     for words in (pairs // np.uint64(trie.vocab_size), pairs % np.uint64(trie.vocab_size)))
    out = np.empty(len(ids), dtype=np.uint32)
    new_offsets = np.zeros(len(offsets), dtype=np.int64)
    written = 0
    for first, last in zip(bounds[:-1], bounds[1:]):
        lo, hi = int(offsets[first]), int(offsets[last])
        starts, ends = candidate_spans(ids, offsets, joinable, connector, first, last)
        maybe = np.flatnonzero(firsts[ids[starts]] & lasts[ids[ends]])
        keys = candidate_keys(ids, starts[maybe], ends[maybe], trie)
        slot = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        is_phrase = np.zeros(len(starts), dtype=np.bool_)
        is_phrase[maybe] = sorted_keys[slot] == keys
        taken = taken_phrases(starts, ends, is_phrase)
        chunk = ids[lo:hi].copy()
        chunk[starts[taken] - lo] = first_phrase_id + order[slot[np.searchsorted(maybe, np.flatnonzero(taken))]]
        dropped = np.zeros(hi - lo + 1, dtype=np.int8)  # the words after a joined phrase's first, marked
        dropped[starts[taken] + 1 - lo] = 1
        dropped[ends[taken] + 1 - lo] = -1
        keep = np.cumsum(dropped[:-1], dtype=np.int8) == 0
        kept_before = np.concatenate(([0], np.cumsum(keep)))
        new_offsets[first + 1:last + 1] = written + kept_before[offsets[first + 1:last + 1] - lo]
        out[written:written + int(kept_before[-1])] = chunk[keep]
        written += int(kept_before[-1])
    return out[:written].copy(), new_offsets


def sorted_counts(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, how often each occurs) of a sorted key array.

    >>> sorted_counts(np.array([3, 3, 5], dtype=np.uint64))
    (array([3, 5], dtype=uint64), array([2, 1]))
    """
    if not len(sorted_keys):
        return sorted_keys, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    return sorted_keys[starts], np.diff(np.append(starts, len(sorted_keys))).astype(np.int64)


def merged_counts(*tables: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (keys, counts) tables as one, the counts of a key in several summed.

    >>> merged_counts((np.array([1, 4], np.uint64), np.array([2, 1])), (np.array([4, 6], np.uint64), np.array([3, 1])))
    (array([1, 4, 6], dtype=uint64), array([2, 4, 1]))
    """
    keys = np.concatenate([table[0] for table in tables])
    counts = np.concatenate([table[1] for table in tables])
    order = np.argsort(keys, kind="stable")  # sorted runs: merged, not sorted from scratch
    keys, counts = keys[order], counts[order]
    if not len(keys):
        return keys, counts
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(counts, starts)
