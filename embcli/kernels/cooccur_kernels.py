"""Numba kernels for co-occurrence counting: window pairs, sorted-run reduction and merging.

Arrays in, arrays out; `embcli.cooccurrence` plans chunks, sorts, spills and merges.

A window pair is encoded as one int64 *pair key* `(row * V + col) << distance_bits | distance`
so a plain integer sort groups equal (row, col) cells and keeps their distances;
`reduce_sorted_pairs` then sums the weights of each cell. Weights are integers in
units of 1/scale (`unit_weights[d] = scale / d`), so sums are exact and do not
depend on how the corpus was chunked or in which order runs are merged.
A *run* is a pair of arrays (cell keys `row * V + col`, strictly increasing; int64
weight sums).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sentence_pair_counts(ids, offsets, window, symmetric, skip_unk):
    """Window pairs each sentence yields: int64[n_sentences].

    With `skip_unk`, id 0 is removed before windows form, so it neither counts nor
    breaks a window (as Stanford's cooccur skips out-of-vocabulary words).
    """
    n_sentences = offsets.shape[0] - 1
    pairs = np.empty(n_sentences, np.int64)
    for s in range(n_sentences):
        kept = 0
        for i in range(offsets[s], offsets[s + 1]):
            if not (skip_unk and ids[i] == 0):
                kept += 1
        if kept <= window + 1:
            count = kept * (kept - 1) // 2
        else:
            count = window * (window + 1) // 2 + (kept - window - 1) * window
        pairs[s] = count * 2 if symmetric else count
    return pairs


@njit(cache=True, nogil=True)
def window_pair_keys(ids, offsets, first, stop, window, symmetric, skip_unk, vocab_size, distance_bits, keys):
    """Write the pair keys of sentences [first, stop) into `keys`; return how many.

    For each kept token (the right word) and each earlier kept token within
    `window` (the left word) at distance d: key (left, right, d), and with
    `symmetric` also (right, left, d). `keys` must hold the sentences' pair count.
    """
    history = np.empty(max(window, 1), np.int64)  # ring buffer of the last `window` kept ids
    n = 0
    for s in range(first, stop):
        position = 0
        for i in range(offsets[s], offsets[s + 1]):
            right = np.int64(ids[i])
            if skip_unk and right == 0:
                continue
            reach = min(position, window)
            for distance in range(1, reach + 1):
                left = history[(position - distance) % window]
                keys[n] = ((left * vocab_size + right) << distance_bits) | distance
                n += 1
                if symmetric:
                    keys[n] = ((right * vocab_size + left) << distance_bits) | distance
                    n += 1
            history[position % window] = right
            position += 1
    return n


@njit(cache=True, nogil=True)
def reduce_sorted_pairs(keys, n, distance_bits, unit_weights, sums):
    """Collapse sorted pair keys `keys[:n]` into a run, in place.

    Afterwards `keys[:m]` holds the distinct cell keys and `sums[:m]` their summed
    unit weights; returns m.
    """
    mask = (np.int64(1) << distance_bits) - 1
    m = -1
    previous = np.int64(-1)
    for i in range(n):
        cell = keys[i] >> distance_bits
        weight = unit_weights[keys[i] & mask]
        if cell != previous:
            m += 1
            keys[m] = cell
            sums[m] = weight
            previous = cell
        else:
            sums[m] += weight
    return m + 1


@njit(cache=True, nogil=True)
def merge_two_runs(keys_a, sums_a, keys_b, sums_b, out_keys, out_sums):
    """Merge two runs into `out_*` (equal cells add up); return the merged length."""
    i = 0
    j = 0
    m = 0
    na = keys_a.shape[0]
    nb = keys_b.shape[0]
    while i < na and j < nb:
        if keys_a[i] < keys_b[j]:
            out_keys[m] = keys_a[i]
            out_sums[m] = sums_a[i]
            i += 1
        elif keys_b[j] < keys_a[i]:
            out_keys[m] = keys_b[j]
            out_sums[m] = sums_b[j]
            j += 1
        else:
            out_keys[m] = keys_a[i]
            out_sums[m] = sums_a[i] + sums_b[j]
            i += 1
            j += 1
        m += 1
    while i < na:
        out_keys[m] = keys_a[i]
        out_sums[m] = sums_a[i]
        i += 1
        m += 1
    while j < nb:
        out_keys[m] = keys_b[j]
        out_sums[m] = sums_b[j]
        j += 1
        m += 1
    return m


@njit(cache=True, nogil=True)
def split_cells(keys, sums, vocab_size, scale, rows, cols, values):
    """Decode a run block into int32 rows, int32 cols and float64 weights (sum / scale)."""
    for i in range(keys.shape[0]):
        rows[i] = keys[i] // vocab_size
        cols[i] = keys[i] % vocab_size
        values[i] = sums[i] / scale
