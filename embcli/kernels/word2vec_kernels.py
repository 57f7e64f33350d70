"""Numba kernels for word2vec with negative sampling (skip-gram and CBOW).

Arrays in, arrays out: the engine (`embcli.training.word2vec_embcli`) builds
the tables and calls one kernel per chunk of sentences from each worker
thread. Kernels release the GIL (`nogil=True`) and update the shared
float32 matrices without locks (Hogwild).

Skip-gram uses the HogBatch scheme (Ji et al., "Parallelizing Word2Vec in
Shared and Distributed Memory"): for each centre word the K context words
of its (reduced) window are the inputs, the centre word plus `negative`
samples drawn once per window are the outputs, and the update is three
small dense products (K x M scores, then K x dim and M x dim gradients)
instead of K separate per-pair updates.

Negative words are drawn from unigram counts ** 0.75 with an alias table
(Vose): one slot per word, so the distribution is exact and the table
(8 bytes a word) stays in cache, where word2vec's 1e8-slot table misses it.

Each window's outputs are drawn one step ahead and their rows prefetched,
so the memory wait for rare negatives overlaps the previous window's
arithmetic. Scores are computed in one pass and turned into gradients in a
second, which keeps the dot products free of table lookups and branches
(+10-20% words/s over the fused loop).

Randomness is word2vec's 64-bit linear congruential generator, so a seeded
single-threaded run is bit-identical from run to run.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from embcli.kernels.prefetch import prefetch_row

TABLE_RANGE = 12.0  # the tables cover scores in [-12, 12]; beyond, sigmoid is within 6e-6 of 0 or 1
TABLE_SIZE = 8192  # entries of each lookup table (a step of 0.003)
LCG_MULTIPLIER = np.uint64(25214903917)
LCG_INCREMENT = np.uint64(11)


def sigmoid_tables(size: int = TABLE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid, log-sigmoid) of `size` scores evenly spaced in [-TABLE_RANGE, TABLE_RANGE], float32 (64 KB in all).

    Wider than word2vec's [-6, 6] so that the loss of a saturated score is a
    lookup too: an exp and a log1p there cost CBOW ~40% of its time late in
    training, and a branch between the two cost skip-gram ~20%.
    """
    x = np.linspace(-TABLE_RANGE, TABLE_RANGE, size)
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32), (-np.logaddexp(0.0, -x)).astype(np.float32)


# ---------------------------------------------------------------------------
# small helpers (inlined into the kernels by LLVM)


@njit(cache=True, nogil=True, fastmath=True)
def _next_random(state):
    """word2vec's generator: state * 25214903917 + 11 (mod 2**64)."""
    return state * LCG_MULTIPLIER + LCG_INCREMENT


@njit(cache=True, nogil=True, fastmath=True)
def sigmoid_and_log(score, sigmoid_table, log_sigmoid_table):
    """(sigmoid(score), log(sigmoid(score))) from the nearest table entry, without branches.

    Beyond the table the end entries are used, and the loss gets the part of
    the score below -TABLE_RANGE exactly (log sigmoid(x) -> x as x -> -inf),
    so it stays within 6e-6 of the true value for any score.
    """
    last = sigmoid_table.shape[0] - 1
    index = min(max(int((score + TABLE_RANGE) * (last / (2.0 * TABLE_RANGE)) + 0.5), 0), last)
    return sigmoid_table[index], log_sigmoid_table[index] + min(score + TABLE_RANGE, 0.0)


@njit(cache=True, nogil=True, fastmath=True)
def subsample_sentence(ids, start, stop, keep_prob, kept, state):
    """Copy the ids of ids[start:stop] that survive subsampling into `kept`; (count, state)."""
    n = 0
    for t in range(start, stop):
        word = ids[t]
        p = keep_prob[word]
        if p < 1.0:
            state = _next_random(state)
            if p < (state >> np.uint64(40)) * (1.0 / 16777216.0):
                continue
        kept[n] = word
        n += 1
    return n, state


@njit(cache=True, nogil=True, fastmath=True)
def draw_outputs(centre, negative, alias_prob, alias_word, outputs, state):
    """outputs[0] = centre (label 1), then `negative` draws from the alias table (label 0; a draw equal to the centre is skipped).

    Returns (number of outputs, state).
    """
    outputs[0] = centre
    n_words = np.uint64(alias_prob.shape[0])
    n = 1
    for _ in range(negative):
        state = _next_random(state)
        slot = ((state >> np.uint64(32)) * n_words) >> np.uint64(32)
        state = _next_random(state)
        target = slot if (state >> np.uint64(40)) * (1.0 / 16777216.0) < alias_prob[slot] else alias_word[slot]
        if target == centre:
            continue
        outputs[n] = target
        n += 1
    return n, state


@njit(cache=True, nogil=True, fastmath=True)
def longest_sentence(offsets, first_sentence, end_sentence):
    longest = 0
    for s in range(first_sentence, end_sentence):
        longest = max(longest, offsets[s + 1] - offsets[s])
    return longest


@njit(cache=True, nogil=True, fastmath=True)
def reduced_window(i, n, window, state):
    """Positions [lo, hi) around i in a sentence of n words: word2vec's window shrunk by a random 0..window-1."""
    state = _next_random(state)
    reduced = int(state % np.uint64(window))
    return max(0, i - window + reduced), min(n, i + window + 1 - reduced), state


@njit(cache=True, nogil=True, fastmath=True)
def alpha_at(alpha, min_alpha, progress):
    return max(min_alpha, alpha - (alpha - min_alpha) * progress)


# ---------------------------------------------------------------------------
# kernels


@njit(cache=True)
def alias_table(weights):
    """Vose's alias table of a discrete distribution: (probability float32, alias uint32), one slot per word.

    Slot i is drawn uniformly; it yields i with probability `probability[i]`, else `alias[i]`.
    """
    n = weights.shape[0]
    scaled = weights / weights.sum() * n
    probability = np.ones(n, dtype=np.float32)
    alias = np.arange(n).astype(np.uint32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        l = large[n_large - 1]
        probability[s] = scaled[s]
        alias[s] = l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            n_large -= 1
            small[n_small] = l
            n_small += 1
    return probability, alias


@njit(cache=True, nogil=True)
def count_ids(ids, vocab_size):
    """Occurrences of each id in `ids` (int64[vocab_size]); ids must be < vocab_size."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for word in ids:
        counts[word] += 1
    return counts


@njit(cache=True, nogil=True)
def gather_context(kept, lo, hi, centre, context):
    """Copy the words of window [lo, hi) other than position `centre` into `context`; return how many."""
    count = 0
    for j in range(lo, hi):
        if j != centre:
            context[count] = kept[j]
            count += 1
    return count


@njit(cache=True, nogil=True)
def huffman_path(hs_points, hs_codes, hs_lengths, word, path_rows, path_labels):
    """The inner nodes of `word`'s Huffman path and their labels (1 - code); return its length.

    Copied: a view of the shared table would be reference-counted in the hot loop.
    """
    length = hs_lengths[word]
    for node in range(length):
        path_rows[node] = hs_points[word, node]
        path_labels[node] = np.float32(1.0) - hs_codes[word, node]
    return length


@njit(cache=True, nogil=True)
def _prefetch_next_window(syn0, syn1neg, kept, n, i, window, negative, next_outputs, next_count):
    """Start loading the rows the next window will touch: its outputs and the word entering the window."""
    if negative > 0:
        for m in range(next_count):
            prefetch_row(syn1neg, next_outputs[m])
    if i + window + 1 < n:
        prefetch_row(syn0, kept[i + window + 1])


@njit(cache=True, nogil=True, fastmath=True)
def train_chunk(syn0, syn1neg, syn1, ids, offsets, first_sentence, end_sentence, keep_prob, alias_prob, alias_word,
                hs_codes, hs_points, hs_lengths, sigmoid_table, log_sigmoid_table, window, negative, alpha, min_alpha,
                progress_start, progress_per_word, rng_state, cbow):
    """Train skip-gram (HogBatch), or CBOW if `cbow`, on sentences [first_sentence, end_sentence).

    Output layers: negative sampling into `syn1neg` if `negative` > 0, and
    hierarchical softmax into `syn1` along each centre word's Huffman path
    (`hs_points`, `hs_codes`, `hs_lengths`). A run without `--hs` passes None
    for the four: numba then compiles a version without that code (+6-9%
    CBOW words/s over testing for a path in every window). With both layers the
    negative-sampling update follows the hierarchical-softmax one and sees the
    context rows it has just changed (word2vec sums both errors first).
    `progress_start + progress_per_word * words` is the fraction of all
    training done, which sets the linearly decaying learning rate.
    `rng_state` (uint64[1]) is read and advanced.
    Returns (loss sum, training examples, words read): an example is one
    (context, centre) pair for skip-gram, one centre word for CBOW.
    """
    dim = syn0.shape[1]
    path_capacity = 1 if hs_codes is None else hs_codes.shape[1]
    widest = max(negative + 1, path_capacity)
    kept = np.empty(longest_sentence(offsets, first_sentence, end_sentence), dtype=np.uint32)
    context = np.empty(2 * window, dtype=np.uint32)
    outputs = np.empty(negative + 1, dtype=np.uint32)
    next_outputs = np.empty(negative + 1, dtype=np.uint32)
    negative_labels = np.zeros(negative + 1, dtype=np.float32)
    negative_labels[0] = 1.0  # output 0 is the centre word, the rest are negatives
    path_rows = np.empty(path_capacity, dtype=np.uint32)
    path_labels = np.empty(path_capacity, dtype=np.float32)
    grad = np.empty((2 * window, widest), dtype=np.float32)
    inputs = np.empty((2 * window, dim), dtype=np.float32)
    outs = np.empty((widest, dim), dtype=np.float32)
    work = np.empty((2, dim), dtype=np.float32)
    state = rng_state[0]
    loss = 0.0
    examples = 0
    words = 0
    for s in range(first_sentence, end_sentence):
        lr = np.float32(alpha_at(alpha, min_alpha, progress_start + progress_per_word * words))
        n, state = subsample_sentence(ids, offsets[s], offsets[s + 1], keep_prob, kept, state)
        words += offsets[s + 1] - offsets[s]
        if n == 0:
            continue
        next_count, state = draw_outputs(kept[0], negative, alias_prob, alias_word, next_outputs, state)
        for i in range(n):
            outputs, next_outputs = next_outputs, outputs  # drawn one step ahead
            m_count = next_count
            if i + 1 < n:  # draw the next window's outputs and start loading their rows
                next_count, state = draw_outputs(kept[i + 1], negative, alias_prob, alias_word, next_outputs, state)
                _prefetch_next_window(syn0, syn1neg, kept, n, i, window, negative, next_outputs, next_count)
            lo, hi, state = reduced_window(i, n, window, state)
            k_count = gather_context(kept, lo, hi, i, context)
            if k_count == 0:
                continue
            examples += 1 if cbow else k_count
            centre = kept[i]
            # Each layer calls its update directly: one helper choosing CBOW or skip-gram for both layers cost
            # CBOW 12% words/s (measured), so the two four-line calls below stay written out.
            if hs_lengths is not None and hs_lengths[centre] > 0:
                path_length = huffman_path(hs_points, hs_codes, hs_lengths, centre, path_rows, path_labels)
                if cbow:
                    loss += _cbow_update(syn0, syn1, context, k_count, path_rows, path_labels, path_length, lr, work,
                                         sigmoid_table, log_sigmoid_table)
                else:
                    loss += _skipgram_update(syn0, syn1, context, k_count, path_rows, path_labels, path_length, lr,
                                             inputs, outs, grad, work[0], sigmoid_table, log_sigmoid_table)
            if negative > 0:  # negative sampling: the centre and the drawn negatives
                if cbow:
                    loss += _cbow_update(syn0, syn1neg, context, k_count, outputs, negative_labels, m_count, lr, work,
                                         sigmoid_table, log_sigmoid_table)
                else:
                    loss += _skipgram_update(syn0, syn1neg, context, k_count, outputs, negative_labels, m_count, lr,
                                             inputs, outs, grad, work[0], sigmoid_table, log_sigmoid_table)
    rng_state[0] = state
    return loss, examples, words


@njit(cache=True, nogil=True, fastmath=True)
def _gather_rows(matrix, rows, count, block):
    """block[r] = matrix[rows[r]] for r < count: a dense copy of the old values."""
    for r in range(count):
        row = rows[r]
        for d in range(matrix.shape[1]):
            block[r, d] = matrix[row, d]


@njit(cache=True, nogil=True, fastmath=True)
def _add_products(matrix, rows, n_rows, weights, sources, n_sources, row_sum):
    """matrix[rows[r]] += sum over q of weights[r, q] * sources[q], for r < n_rows.

    Each target row is summed in `row_sum` and written once: fewer stores to
    rows the other threads share.
    """
    dim = matrix.shape[1]
    for r in range(n_rows):
        w = weights[r, 0]
        for d in range(dim):
            row_sum[d] = w * sources[0, d]
        for q in range(1, n_sources):
            w = weights[r, q]
            for d in range(dim):
                row_sum[d] += w * sources[q, d]
        row = rows[r]
        for d in range(dim):
            matrix[row, d] += row_sum[d]


@njit(cache=True, nogil=True, fastmath=True)
def _skipgram_update(syn0, syn_out, context, k_count, outputs, labels, m_count, lr, inputs, outs, grad, row_sum,
                     sigmoid_table, log_sigmoid_table):
    """One window, HogBatch: K context rows predict M output rows with `labels` (1 or 0); returns the loss.

    Negative sampling: the centre (label 1) and the window's shared negatives.
    Hierarchical softmax: the nodes of the centre's Huffman path.
    """
    dim = syn0.shape[1]
    _gather_rows(syn0, context, k_count, inputs)  # old values for every product below
    _gather_rows(syn_out, outputs, m_count, outs)
    for k in range(k_count):
        for m in range(m_count):
            score = np.float32(0.0)
            for d in range(dim):
                score += inputs[k, d] * outs[m, d]
            grad[k, m] = score
    loss = 0.0
    for k in range(k_count):
        for m in range(m_count):
            score = grad[k, m]
            sig, log_sig = sigmoid_and_log(score, sigmoid_table, log_sigmoid_table)
            if labels[m] != 0:  # -log sigmoid(score); a branch is faster than weighting by the label
                loss -= log_sig
                grad[k, m] = (np.float32(1.0) - sig) * lr
            else:  # -log sigmoid(-score)
                loss -= log_sig - score
                grad[k, m] = -sig * lr
    _add_products(syn_out, outputs, m_count, grad.T, inputs, k_count, row_sum)  # outputs += grad^T @ inputs
    _add_products(syn0, context, k_count, grad, outs, m_count, row_sum)  # inputs += grad @ old outputs
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _cbow_update(syn0, syn_out, context, k_count, outputs, labels, m_count, lr, work, sigmoid_table,
                 log_sigmoid_table):
    """One window, CBOW: the mean of the K context rows predicts M output rows with `labels`; returns the loss.

    As word2vec (cbow_mean=1), every context row then gets the whole hidden-layer error.
    """
    dim = syn0.shape[1]
    hidden = work[0]
    hidden_error = work[1]
    for d in range(dim):
        hidden[d] = 0.0
        hidden_error[d] = 0.0
    for k in range(k_count):
        row = context[k]
        for d in range(dim):
            hidden[d] += syn0[row, d]
    scale = np.float32(1.0 / k_count)
    for d in range(dim):
        hidden[d] *= scale
    loss = _predict_outputs(syn_out, hidden, hidden_error, outputs, labels, m_count, lr, sigmoid_table,
                            log_sigmoid_table)
    for k in range(k_count):
        row = context[k]
        for d in range(dim):
            syn0[row, d] += hidden_error[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _predict_outputs(syn_out, hidden, hidden_error, outputs, labels, m_count, lr, sigmoid_table, log_sigmoid_table):
    """`hidden` predicts output rows outputs[:m_count] (`labels` 1 or 0): each output row moves, their gradient
    for the hidden layer is added to `hidden_error`; returns the loss."""
    dim = hidden.shape[0]
    loss = 0.0
    for m in range(m_count):
        row = outputs[m]
        score = np.float32(0.0)
        for d in range(dim):
            score += hidden[d] * syn_out[row, d]
        sig, log_sig = sigmoid_and_log(score, sigmoid_table, log_sigmoid_table)
        if labels[m] != 0:
            loss -= log_sig
            g = (np.float32(1.0) - sig) * lr
        else:
            loss -= log_sig - score
            g = -sig * lr
        for d in range(dim):
            hidden_error[d] += g * syn_out[row, d]
            syn_out[row, d] += g * hidden[d]
    return loss


# public names of the pieces other kernel families (doc2vec) build on
next_random, skipgram_update, cbow_update, predict_outputs = (_next_random, _skipgram_update, _cbow_update,
                                                             _predict_outputs)
