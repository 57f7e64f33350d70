"""Numba kernels for phrase detection: candidate counting in a bounded hash table, and greedy joining.

A candidate is two joinable words `a b` next to each other, or `a c b` with one
connector word `c` between them (`bank of america`). Its key packs the ids
into one uint64, `(a * (V + 1) + c') * V + b` with `c' = c + 1` (0: no
connector), so V up to 2 million words fits.

Counts live in an open-addressing table (16 bytes a slot) that starts small and
doubles when 70% full, up to a fixed capacity. Full at that capacity, candidates
seen at most `min_reduce` times are removed
and `min_reduce` grows by one, as word2phrase's ReduceVocab does: memory stays
bounded, and a candidate's count may be an undercount by what was pruned
(the manifest records how many prunes happened and the final `min_reduce`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
FILL_LIMIT = 0.7


@njit(cache=True, nogil=True)
def pack_key(a, connector_plus_one, b, vocab_size):
    return (np.uint64(a) * np.uint64(vocab_size + 1) + np.uint64(connector_plus_one)) * np.uint64(vocab_size) + \
        np.uint64(b)


@njit(cache=True, nogil=True)
def _slot_of(keys, key):
    """The slot holding `key`, or the empty slot where it belongs (linear probing)."""
    mask = np.uint64(keys.shape[0] - 1)
    mixed = (key ^ (key >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser: every key bit
    mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)  # reaches the slot bits
    slot = (mixed ^ (mixed >> np.uint64(31))) & mask
    while keys[slot] != key and keys[slot] != EMPTY:
        slot = (slot + np.uint64(1)) & mask
    return slot


@njit(cache=True, nogil=True)
def _prune(keys, counts, min_reduce):
    """Drop every candidate seen at most `min_reduce` times; returns how many remain."""
    kept_keys = keys[counts > min_reduce].copy()
    kept_counts = counts[counts > min_reduce].copy()
    keys[:] = EMPTY
    counts[:] = 0
    for i in range(kept_keys.shape[0]):
        slot = _slot_of(keys, kept_keys[i])
        keys[slot] = kept_keys[i]
        counts[slot] = kept_counts[i]
    return kept_keys.shape[0]


@njit(cache=True, nogil=True)
def _next_candidate(ids, i, stop, joinable, connector):
    """(connector + 1 or 0, index of the right word) of the candidate starting at i, or (0, -1)."""
    if not joinable[ids[i]] or i + 1 >= stop:
        return 0, -1
    middle = ids[i + 1]
    if joinable[middle]:
        return 0, i + 1
    if connector[middle] and i + 2 < stop and joinable[ids[i + 2]]:
        return middle + 1, i + 2
    return 0, -1


@njit(cache=True, nogil=True)
def _rehash(keys, counts, capacity):
    """The table's candidates in a new table of `capacity` slots."""
    new_keys = np.full(capacity, EMPTY, dtype=np.uint64)
    new_counts = np.zeros(capacity, dtype=np.int64)
    for i in range(keys.shape[0]):
        if keys[i] != EMPTY:
            slot = _slot_of(new_keys, keys[i])
            new_keys[slot] = keys[i]
            new_counts[slot] = counts[i]
    return new_keys, new_counts


@njit(cache=True, nogil=True)
def count_candidates(ids, offsets, joinable, connector, capacity):
    """Count every candidate in the corpus; (keys, counts, prunes, min_reduce) of the occupied slots.

    The table starts small (cache-resident) and doubles when 70% full, up to `capacity` slots (a power
    of two); at that size, rare candidates are pruned instead.
    """
    vocab_size = joinable.shape[0]
    size = min(capacity, 1 << 16)
    keys = np.full(size, EMPTY, dtype=np.uint64)
    counts = np.zeros(size, dtype=np.int64)
    used = 0
    prunes = 0
    min_reduce = 1
    for s in range(offsets.shape[0] - 1):
        stop = offsets[s + 1]
        for i in range(offsets[s], stop):
            middle, right = _next_candidate(ids, i, stop, joinable, connector)
            if right < 0:
                continue
            key = pack_key(ids[i], middle, ids[right], vocab_size)
            slot = _slot_of(keys, key)
            if keys[slot] == EMPTY:
                keys[slot] = key
                used += 1
            counts[slot] += 1
            if used > int(size * FILL_LIMIT):
                if size < capacity:
                    size *= 2
                    keys, counts = _rehash(keys, counts, size)
                else:
                    used = _prune(keys, counts, min_reduce)
                    prunes += 1
                    min_reduce += 1
    occupied = keys != EMPTY
    return keys[occupied], counts[occupied], prunes, min_reduce


@njit(cache=True, nogil=True)
def build_table(phrase_keys, capacity):
    """A lookup table key -> phrase number (the position in `phrase_keys`); capacity a power of two."""
    keys = np.full(capacity, EMPTY, dtype=np.uint64)
    values = np.full(capacity, -1, dtype=np.int64)
    for p in range(phrase_keys.shape[0]):
        slot = _slot_of(keys, phrase_keys[p])
        keys[slot] = phrase_keys[p]
        values[slot] = p
    return keys, values


@njit(cache=True, nogil=True)
def join_phrases(ids, offsets, joinable, connector, table_keys, table_values, first_phrase_id):
    """Greedy left-to-right joining: a known candidate becomes one token `first_phrase_id + phrase number`.

    Returns (new ids, new offsets); sentences keep their boundaries.
    """
    vocab_size = joinable.shape[0]
    out = np.empty(ids.shape[0], dtype=np.uint32)
    new_offsets = np.zeros(offsets.shape[0], dtype=np.int64)
    n = 0
    for s in range(offsets.shape[0] - 1):
        stop = offsets[s + 1]
        i = offsets[s]
        while i < stop:
            middle, right = _next_candidate(ids, i, stop, joinable, connector)
            if right >= 0:
                slot = _slot_of(table_keys, pack_key(ids[i], middle, ids[right], vocab_size))
                if table_keys[slot] != EMPTY:
                    out[n] = first_phrase_id + table_values[slot]
                    n += 1
                    i = right + 1
                    continue
            out[n] = ids[i]
            n += 1
            i += 1
        new_offsets[s + 1] = n
    return out[:n].copy(), new_offsets
