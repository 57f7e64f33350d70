"""Numba kernels for GloVe: the shuffled training arrays and the AdaGrad epoch.

Arrays in, arrays out; `embcli.training.glove` owns the loop, checkpoints and output.

The update is Stanford GloVe's, in float32: for a nonzero X[i, j],
diff = w_i . c_j + b_i + b~_j - log X_ij and fdiff = f(X_ij) * diff; each
gradient component is clipped to +-grad_clip, scaled by eta, divided by the
square root of its AdaGrad accumulator (which starts at 1) and then added,
squared, to that accumulator. Threads update the shared matrices without
locks (Hogwild); one thread gives a deterministic result.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# LLVM may vectorise and reassociate, but must keep NaN/inf semantics (divergence detection relies on them).
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True, nogil=True)
def shuffle_in_place(order, seed):
    """A seeded Fisher-Yates shuffle of `order` (splitmix64 draws): the same permutation on every machine."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    state = np.uint64(seed) * golden
    for i in range(order.shape[0] - 1, 0, -1):
        state += golden
        z = state
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        j = np.int64(z % np.uint64(i + 1))
        order[i], order[j] = order[j], order[i]


@njit(cache=True, nogil=True)
def gather(source, order, out):
    """out[k] = source[order[k]]."""
    for k in range(order.shape[0]):
        out[k] = source[order[k]]


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def glove_weights(log_values, x_max, alpha, weights):
    """f(X) = min(1, (X / x_max) ** alpha) as float32, from log X."""
    log_x_max = np.float32(np.log(x_max))
    alpha32 = np.float32(alpha)
    for k in range(log_values.shape[0]):
        log_x = log_values[k]
        weights[k] = np.float32(1.0) if log_x >= log_x_max else np.exp(alpha32 * (log_x - log_x_max))


@njit(cache=True, nogil=True, parallel=True, fastmath=FASTMATH)
def glove_epoch_segments(rows, cols, log_values, weights, block_order, segment_bounds, block_size,
                         word, context, word_bias, context_bias, eta, grad_clip, totals):
    """AdaGrad updates for the segments of blocks between consecutive `segment_bounds`.

    Segment s covers blocks `block_order[segment_bounds[s]:segment_bounds[s + 1]]`;
    segments run in parallel (Hogwild), handed to threads as they free up when
    the caller sets `numba.parallel_chunksize(1)`, and in order on one thread.
    `word`/`context` are (V, 2, dim): [:, 0] the vectors, [:, 1] their AdaGrad
    accumulators, side by side so one update reads two memory streams, not four;
    `word_bias`/`context_bias` are (V, 2) likewise. Adds each segment's weighted
    squared error (0.5 f(X) diff^2) to `totals[s, 0]` and its updates skipped for
    a NaN/inf diff to `totals[s, 1]`. (A `parallel=True` kernel also lets LLVM
    vectorise the updates: its arrays are known not to alias.)
    """
    nnz = rows.shape[0]
    dim = word.shape[2]
    eta32 = np.float32(eta)
    clip = np.float32(grad_clip)
    for s in prange(segment_bounds.shape[0] - 1):
        cost = 0.0
        skipped = 0
        for b in range(segment_bounds[s], segment_bounds[s + 1]):
            start = block_order[b] * block_size
            end = min(start + block_size, nnz)
            for k in range(start, end):
                r = rows[k]
                c = cols[k]
                w_state = word[r]
                c_state = context[c]
                dot = np.float32(0.0)
                for d in range(dim):
                    dot += w_state[0, d] * c_state[0, d]
                diff = dot + word_bias[r, 0] + context_bias[c, 0] - log_values[k]
                fdiff = weights[k] * diff
                if not np.isfinite(fdiff):
                    skipped += 1
                    continue
                cost += 0.5 * np.float64(fdiff) * np.float64(diff)
                for d in range(dim):
                    w = w_state[0, d]
                    x = c_state[0, d]
                    step_w = min(max(fdiff * x, -clip), clip) * eta32
                    step_c = min(max(fdiff * w, -clip), clip) * eta32
                    w_state[0, d] = w - step_w / np.sqrt(w_state[1, d])
                    c_state[0, d] = x - step_c / np.sqrt(c_state[1, d])
                    w_state[1, d] += step_w * step_w
                    c_state[1, d] += step_c * step_c
                step_b = min(max(fdiff, -clip), clip) * eta32
                word_bias[r, 0] -= step_b / np.sqrt(word_bias[r, 1])
                context_bias[c, 0] -= step_b / np.sqrt(context_bias[c, 1])
                word_bias[r, 1] += step_b * step_b
                context_bias[c, 1] += step_b * step_b
        totals[s, 0] += cost
        totals[s, 1] += skipped
