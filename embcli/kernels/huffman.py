"""word2vec's Huffman tree of the word counts: the paths hierarchical softmax walks.

One kernel, arrays in and out, shared by every model with `--hs` (word2vec's skip-gram and CBOW,
and the models built on their kernels).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def huffman_tree(counts):
    """word2vec's Huffman coding of the words with a count: (codes uint8[V, depth], points uint32[V, depth], lengths uint8[V]).

    Word w's path from the root visits internal nodes points[w, :lengths[w]]
    (rows of the hierarchical-softmax layer) and turns codes[w, j] at node j.
    Built as word2vec's CreateBinaryTree builds it (two queues over counts
    sorted in descending order); a word with count 0 never occurs and gets no path.
    """
    order = np.argsort(-counts, kind="mergesort")
    n = 0
    for word in order:
        if counts[word] > 0:
            n += 1
    vocab_size = counts.shape[0]
    if n < 2:  # one word (or none): nothing to tell apart
        return (np.zeros((vocab_size, 1), dtype=np.uint8), np.zeros((vocab_size, 1), dtype=np.uint32),
                np.zeros(vocab_size, dtype=np.uint8))
    weight = np.empty(2 * n - 1, dtype=np.int64)
    for a in range(n):
        weight[a] = counts[order[a]]
    weight[n:] = np.iinfo(np.int64).max
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    branch = np.zeros(2 * n - 1, dtype=np.uint8)
    leaf, node = n - 1, n  # the lightest leaf not yet merged, the lightest internal node not yet merged
    for a in range(n - 1):
        picked = np.empty(2, dtype=np.int64)
        for p in range(2):
            if leaf >= 0 and weight[leaf] < weight[node]:
                picked[p] = leaf
                leaf -= 1
            else:
                picked[p] = node
                node += 1
        weight[n + a] = weight[picked[0]] + weight[picked[1]]
        parent[picked[0]] = n + a
        parent[picked[1]] = n + a
        branch[picked[1]] = 1
    root = 2 * n - 2
    lengths = np.zeros(vocab_size, dtype=np.uint8)
    depth = 0
    for a in range(n):
        length = 0
        b = a
        while b != root:
            length += 1
            b = parent[b]
        lengths[order[a]] = length
        depth = max(depth, length)
    codes = np.zeros((vocab_size, depth), dtype=np.uint8)
    points = np.zeros((vocab_size, depth), dtype=np.uint32)
    for a in range(n):
        word = order[a]
        length = lengths[word]
        b = a
        for j in range(length - 1, -1, -1):  # walk up from the leaf, filling the path from its end
            codes[word, j] = branch[b]
            b = parent[b]
            points[word, j] = b - n  # internal node n + k is row k of the layer
    return codes, points, lengths
