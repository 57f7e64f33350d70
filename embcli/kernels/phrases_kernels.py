"""Numba kernels for phrase detection: candidate keys for counting, and greedy joining.

A candidate is two joinable words `a` and `b` with any run of connector words
between them (none: `new york`; `of`: `bank of america`; `of the`:
`bank of the west`), as gensim's Phrases with `connector_words`. A run of
connectors is interned as a node of a trie (node 0: the empty run; a node's
key is (parent node, connector id)), so a candidate is one uint64 key
`(a * V + b) * nodes + node`, whatever the run's length.

Counting sorts the keys of a chunk of sentences and counts runs of equal keys
(`embcli.phrases.count_candidates` merges the chunks and bounds the memory).
The trie and the phrase lookup are open-addressing tables of 24-byte slots
`(key, node, value)`.

A candidate starts at each joinable word; it ends at the next word that is not
a connector, which must be joinable (`<unk>` is neither: it ends every run).
Joining is greedy, left to right: a candidate that is a phrase becomes one
token and the scan resumes after it; otherwise its first word stays and the
scan moves on (gensim's FrozenPhrases does the same).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
FILL_LIMIT = 0.7
SLOT_WORDS = 3  # key, node, value


@njit(cache=True, nogil=True)
def _slot_of(table, key, node):
    """The slot holding (key, node), or the empty slot where it belongs (linear probing)."""
    mask = np.uint64(table.shape[0] - 1)
    mixed = key + node * np.uint64(0x9E3779B97F4A7C15)
    mixed = (mixed ^ (mixed >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser: every
    mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)  # key bit reaches the slot bits
    slot = (mixed ^ (mixed >> np.uint64(31))) & mask
    while table[slot, 0] != EMPTY and (table[slot, 0] != key or table[slot, 1] != node):
        slot = (slot + np.uint64(1)) & mask
    return slot


@njit(cache=True, nogil=True)
def _new_table(slots):
    table = np.zeros((slots, SLOT_WORDS), dtype=np.uint64)
    table[:, 0] = EMPTY
    return table


@njit(cache=True, nogil=True)
def _doubled(table):
    """The entries of `table` in a new table of twice as many slots."""
    moved = _new_table(2 * table.shape[0])
    for i in range(table.shape[0]):
        if table[i, 0] != EMPTY:
            slot = _slot_of(moved, table[i, 0], table[i, 1])
            moved[slot, 0] = table[i, 0]
            moved[slot, 1] = table[i, 1]
            moved[slot, 2] = table[i, 2]
    return moved


@njit(cache=True, nogil=True)
def _run_end(ids, i, stop, connector):
    """The first position after i that holds no connector (`stop` if none)."""
    j = i + 1
    while j < stop and connector[ids[j]]:
        j += 1
    return j


@njit(cache=True, nogil=True)
def _run_node(trie, ids, first, stop):
    """The trie node of the connector run ids[first:stop]; 0 for an empty run, -1 for a run never interned."""
    node = np.uint64(0)
    for k in range(first, stop):
        slot = _slot_of(trie, node, np.uint64(ids[k]))
        if trie[slot, 0] == EMPTY:
            return np.int64(-1)
        node = trie[slot, 2]
    return np.int64(node)


@njit(cache=True, nogil=True)
def _interned(trie, parents, words, nodes, ids, first, stop):
    """Add the run ids[first:stop] to the trie: (trie, parents, words, nodes), grown as needed."""
    node = np.uint64(0)
    for k in range(first, stop):
        slot = _slot_of(trie, node, np.uint64(ids[k]))
        if trie[slot, 0] == EMPTY:
            trie[slot, 0], trie[slot, 1], trie[slot, 2] = node, ids[k], nodes
            if nodes == parents.shape[0]:
                parents, words = np.concatenate((parents, parents)), np.concatenate((words, words))
            parents[nodes], words[nodes] = node, ids[k]
            nodes += 1
            if nodes > int(trie.shape[0] * FILL_LIMIT):
                trie = _doubled(trie)
                slot = _slot_of(trie, node, np.uint64(ids[k]))
        node = trie[slot, 2]
    return trie, parents, words, nodes


@njit(cache=True, nogil=True)
def _connector_runs(ids, offsets, joinable, connector):
    """Where each connector run between two joinable words starts, and where it stops."""
    runs = 0
    for write in range(2):  # count, then fill
        if write:
            starts, stops = np.empty(runs, dtype=np.int64), np.empty(runs, dtype=np.int64)
            runs = 0
        for s in range(offsets.shape[0] - 1):
            stop = offsets[s + 1]
            for i in range(offsets[s], stop - 2):
                if joinable[ids[i]] and connector[ids[i + 1]]:
                    j = _run_end(ids, i, stop, connector)
                    if j < stop and joinable[ids[j]]:
                        if write:
                            starts[runs], stops[runs] = i + 1, j
                        runs += 1
    return starts, stops


@njit(cache=True, nogil=True)
def connector_trie(ids, offsets, joinable, connector):
    """Intern every connector run that sits between two joinable words.

    Returns (trie table: (parent node, connector id) -> node, parent of each node, connector id of each
    node); node 0 is the empty run, its parent and id are 0.
    """
    trie = _new_table(64)
    parents = np.zeros(64, dtype=np.int64)
    words = np.zeros(64, dtype=np.int64)
    nodes = 1
    starts, stops = _connector_runs(ids, offsets, joinable, connector)
    for r in range(starts.shape[0]):  # (a loop that reassigns arrays is slow: keep it to the runs)
        trie, parents, words, nodes = _interned(trie, parents, words, nodes, ids, starts[r], stops[r])
    return trie, parents[:nodes].copy(), words[:nodes].copy()


@njit(cache=True, nogil=True)
def candidate_keys(ids, offsets, joinable, connector, trie, nodes, first, last):
    """The key `(a * V + b) * nodes + run node` of every candidate in sentences first..last-1, in corpus order."""
    vocab_size = np.uint64(joinable.shape[0])
    keys = np.empty(offsets[last] - offsets[first], dtype=np.uint64)
    n = 0
    for s in range(first, last):
        stop = offsets[s + 1]
        for i in range(offsets[s], stop):
            if not joinable[ids[i]]:
                continue
            j = _run_end(ids, i, stop, connector)
            if j < stop and joinable[ids[j]]:
                node = np.uint64(_run_node(trie, ids, i + 1, j))
                keys[n] = (np.uint64(ids[i]) * vocab_size + np.uint64(ids[j])) * np.uint64(nodes) + node
                n += 1
    return keys[:n]


@njit(cache=True, nogil=True)
def run_lengths(sorted_keys):
    """(distinct keys, how often each occurs) of a sorted key array."""
    n = sorted_keys.shape[0]
    distinct = 1 if n else 0
    for i in range(1, n):
        distinct += sorted_keys[i] != sorted_keys[i - 1]
    keys = np.empty(distinct, dtype=np.uint64)
    counts = np.empty(distinct, dtype=np.int64)
    d = start = 0
    for i in range(1, n + 1):
        if i == n or sorted_keys[i] != sorted_keys[i - 1]:
            keys[d], counts[d] = sorted_keys[i - 1], i - start
            d += 1
            start = i
    return keys, counts


@njit(cache=True, nogil=True)
def merge_counts(keys_a, counts_a, keys_b, counts_b):
    """Two sorted (keys, counts) tables as one, the counts of a key in both summed."""
    keys = np.empty(keys_a.shape[0] + keys_b.shape[0], dtype=np.uint64)
    counts = np.empty(keys.shape[0], dtype=np.int64)
    i = j = n = 0
    while i < keys_a.shape[0] or j < keys_b.shape[0]:
        if j == keys_b.shape[0] or (i < keys_a.shape[0] and keys_a[i] < keys_b[j]):
            keys[n], counts[n] = keys_a[i], counts_a[i]
            i += 1
        elif i == keys_a.shape[0] or keys_b[j] < keys_a[i]:
            keys[n], counts[n] = keys_b[j], counts_b[j]
            j += 1
        else:
            keys[n], counts[n] = keys_a[i], counts_a[i] + counts_b[j]
            i += 1
            j += 1
        n += 1
    return keys[:n].copy(), counts[:n].copy()


@njit(cache=True, nogil=True)
def phrase_table(pairs, nodes):
    """A lookup table (pair key, run node) -> phrase number (the position in `pairs`), at most half full."""
    slots = 64
    while slots < 2 * pairs.shape[0]:
        slots *= 2
    table = _new_table(slots)
    for p in range(pairs.shape[0]):
        slot = _slot_of(table, pairs[p], nodes[p])
        table[slot, 0], table[slot, 1], table[slot, 2] = pairs[p], nodes[p], p
    return table


@njit(cache=True, nogil=True)
def join_phrases(ids, offsets, joinable, connector, trie, phrases, first_phrase_id, firsts, lasts):
    """Greedy left-to-right joining: a candidate in `phrases` becomes one token `first_phrase_id + number`.

    `firsts` / `lasts` mark the words that begin / end some phrase: other candidates are passed over
    without a lookup. Returns (new ids, new offsets); sentences keep their boundaries.
    """
    vocab_size = np.uint64(joinable.shape[0])
    out = np.empty(ids.shape[0], dtype=np.uint32)
    new_offsets = np.zeros(offsets.shape[0], dtype=np.int64)
    n = 0
    for s in range(offsets.shape[0] - 1):
        stop = offsets[s + 1]
        i = offsets[s]
        while i < stop:
            if firsts[ids[i]]:
                j = _run_end(ids, i, stop, connector)
                if j < stop and lasts[ids[j]]:
                    node = _run_node(trie, ids, i + 1, j)
                    if node >= 0:
                        slot = _slot_of(phrases, np.uint64(ids[i]) * vocab_size + np.uint64(ids[j]), np.uint64(node))
                        if phrases[slot, 0] != EMPTY:
                            out[n] = first_phrase_id + phrases[slot, 2]
                            n += 1
                            i = j + 1
                            continue
            out[n] = ids[i]
            n += 1
            i += 1
        new_offsets[s + 1] = n
    return out[:n].copy(), new_offsets


@njit(cache=True, nogil=True)
def render_text(ids, offsets, token_bytes, token_starts):
    """corpus.txt's bytes: each sentence's tokens (UTF-8 in `token_bytes`, token t at
    token_starts[t]:token_starts[t + 1]) joined by spaces, one sentence a line."""
    size = ids.shape[0] + offsets.shape[0] - 1  # a space or a line break after every token, a line break
    for s in range(offsets.shape[0] - 1):       # after an empty sentence
        size -= offsets[s + 1] > offsets[s]
    for i in range(ids.shape[0]):
        size += token_starts[ids[i] + 1] - token_starts[ids[i]]
    out = np.empty(size, dtype=np.uint8)
    n = 0
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s], offsets[s + 1]):
            if i > offsets[s]:
                out[n] = 32
                n += 1
            for b in range(token_starts[ids[i]], token_starts[ids[i] + 1]):
                out[n] = token_bytes[b]
                n += 1
        out[n] = 10
        n += 1
    return out[:n]
