"""Numba kernels for fastText (skip-gram or CBOW over words and their character n-grams; negative sampling,
hierarchical softmax, or both).

Arrays in, arrays out: the engine (`embcli.training.fasttext_embcli`) builds
the tables and calls `train_chunk` per chunk of sentences from each worker
thread (`nogil`, Hogwild updates of the shared float32 matrices).

The input matrix holds the vocabulary's word rows followed by the n-gram
bucket rows (fastText's layout); a word's input vector is the mean of its
rows, listed once per word in CSR arrays (`row_offsets`, `row_index`), so
no n-gram is hashed during training.

Where fastText spends its time is in those rows: every (centre, context)
pair re-reads the centre's ~20 rows (cache misses in an 800 MB table) to
average them, and writes a gradient back to all of them. Here, per window:

- the centre's rows are averaged once; after each context pair the mean
  moves by that pair's gradient (exactly what re-averaging the updated rows
  gives), and the pairs' gradients are summed and added to each row once.
  Same arithmetic as fastText's per-pair updates, a fraction of the row
  traffic: for one epoch of the 4.6M-token benchmark corpus, whole processes,
  fastText spent 141-144 CPU seconds and embcli 44, at fastText's scores
  (bench/bench_fasttext.py, BENCHMARKS.md);
- the next centre's rows are prefetched while this window trains;
- sigmoid and log-sigmoid come from the branch-free tables of
  `embcli.kernels.word2vec_kernels`, whose sampling helpers (alias-table
  negatives, subsampling, reduced windows, word2vec's generator) are reused.

Hierarchical softmax (fastText's `-loss hs`) walks the predicted word's path
in the Huffman tree of `embcli.kernels.huffman` (fastText builds the same tree
from the same counts) through its own layer `hs_rows`, row k = internal node k;
as in fastText, a node's label is its code (word2vec's kernels use 1 - code),
so the layer is fastText's output matrix. With `negative` > 0 as well, both
outputs train, as word2vec's `-hs 1 -negative 5` does.

Measured and not kept: sharing one draw of negatives per skip-gram window
(HogBatch, as embcli's word2vec does) ran 1.76x the words per CPU second of
fresh draws per pair (234,550 vs 132,947, one thread, first 1M words of the
benchmark corpus), but after one epoch Google analogy fell to 28.3% from
37.0% (fastText: 36.5%), so skip-gram draws negatives per pair as fastText
does (`shared_negatives=False`; the option stays for measuring).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from embcli.kernels.prefetch import prefetch_row
from embcli.kernels.word2vec_kernels import (
    alpha_at,
    draw_outputs,
    longest_sentence,
    reduced_window,
    sigmoid_and_log,
    subsample_sentence,
)


@njit(cache=True)
def subword_rows(word_buckets, word_offsets, n_words):
    """CSR rows of each word's input vector: (offsets int64[V + 1], rows int32[...]).

    Word w's rows are w itself, then `n_words + bucket` for each of its n-gram
    buckets `word_buckets[word_offsets[w]:word_offsets[w + 1]]` (repeats kept, as fastText keeps them).

    >>> import numpy as np
    >>> offsets, rows = subword_rows(np.array([7, 2, 2], dtype=np.int64), np.array([0, 1, 3]), 2)
    >>> offsets.tolist(), rows.tolist()
    ([0, 2, 5], [0, 9, 1, 4, 4])
    """
    offsets = np.empty(n_words + 1, dtype=np.int64)
    rows = np.empty(word_offsets[n_words] + n_words, dtype=np.int32)
    at = 0
    for w in range(n_words):
        offsets[w] = at
        rows[at] = w
        at += 1
        for b in range(word_offsets[w], word_offsets[w + 1]):
            rows[at] = n_words + word_buckets[b]
            at += 1
    offsets[n_words] = at
    return offsets, rows


@njit(cache=True, nogil=True, fastmath=True)
def composed_vectors(input_rows, row_offsets, row_index, out):
    """out[w] = mean of word w's rows (fastText's word vector), for every w < out.shape[0]."""
    for w in range(out.shape[0]):
        _mean_rows(input_rows, row_index, row_offsets[w], row_offsets[w + 1], out[w])


@njit(cache=True, nogil=True, fastmath=True)
def _mean_rows(input_rows, row_index, start, end, hidden):
    dim = input_rows.shape[1]
    for d in range(dim):
        hidden[d] = 0.0
    for r in range(start, end):
        row = row_index[r]
        for d in range(dim):
            hidden[d] += input_rows[row, d]
    scale = np.float32(1.0 / max(1, end - start))
    for d in range(dim):
        hidden[d] *= scale


@njit(cache=True, nogil=True, fastmath=True)
def _add_to_rows(input_rows, row_index, start, end, grad):
    """input_rows[row_index[r]] += grad for r in [start, end): fastText's unnormalised input update."""
    dim = input_rows.shape[1]
    for r in range(start, end):
        row = row_index[r]
        for d in range(dim):
            input_rows[row, d] += grad[d]


@njit(cache=True, nogil=True)
def _prefetch_rows(input_rows, row_index, start, end):
    for r in range(start, end):
        prefetch_row(input_rows, row_index[r])


@njit(cache=True, nogil=True, fastmath=True)
def _output_update(output_rows, row, positive, hidden, grad, lr, sigmoid_table, log_sigmoid_table):
    """One output of the hidden vector: output row += g * hidden, grad += g * old output row; returns the loss."""
    dim = hidden.shape[0]
    score = np.float32(0.0)
    for d in range(dim):
        score += hidden[d] * output_rows[row, d]
    sig, log_sig = sigmoid_and_log(score, sigmoid_table, log_sigmoid_table)
    if positive:
        loss = -log_sig
        g = (np.float32(1.0) - sig) * lr
    else:
        loss = score - log_sig  # -log sigmoid(-score)
        g = -sig * lr
    for d in range(dim):
        grad[d] += g * output_rows[row, d]
        output_rows[row, d] += g * hidden[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _path_update(hs_rows, hs_codes, hs_points, hs_lengths, word, hidden, grad, lr, sigmoid_table, log_sigmoid_table):
    """Hierarchical softmax: the hidden vector predicts `word` along its Huffman path; returns the loss."""
    loss = 0.0
    for node in range(hs_lengths[word]):
        loss += _output_update(hs_rows, hs_points[word, node], hs_codes[word, node] == 1, hidden, grad, lr,
                               sigmoid_table, log_sigmoid_table)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def _skipgram_window(input_rows, output_rows, row_offsets, row_index, kept, i, lo, hi, outputs, m_count, lr,
                     hidden, pair_grad, grad, sigmoid_table, log_sigmoid_table, negative, alias_prob, alias_word,
                     shared_negatives, state, hs_rows, hs_codes, hs_points, hs_lengths):
    """The centre kept[i] predicts each context word of [lo, hi): against negatives outputs[1:m_count] if
    `negative` > 0, along the context word's Huffman path if `hs_lengths` is given.

    The negatives are the window's (`shared_negatives`) or drawn afresh for
    each context word, as fastText draws them. Returns (loss, pairs, state).
    """
    dim = input_rows.shape[1]
    centre = kept[i]
    start, end = row_offsets[centre], row_offsets[centre + 1]
    _mean_rows(input_rows, row_index, start, end, hidden)
    for d in range(dim):
        grad[d] = 0.0
    loss = 0.0
    pairs = 0
    for j in range(lo, hi):
        if j == i:
            continue
        target = kept[j]
        for d in range(dim):
            pair_grad[d] = 0.0
        if negative > 0:
            if not shared_negatives and pairs > 0:
                m_count, state = draw_outputs(centre, negative, alias_prob, alias_word, outputs, state)
            loss += _output_update(output_rows, target, True, hidden, pair_grad, lr, sigmoid_table, log_sigmoid_table)
            for m in range(1, m_count):
                if outputs[m] != target:
                    loss += _output_update(output_rows, outputs[m], False, hidden, pair_grad, lr, sigmoid_table,
                                           log_sigmoid_table)
        if hs_lengths is not None:
            loss += _path_update(hs_rows, hs_codes, hs_points, hs_lengths, target, hidden, pair_grad, lr,
                                 sigmoid_table, log_sigmoid_table)
        for d in range(dim):  # the centre's rows all move by pair_grad, so their mean does too
            hidden[d] += pair_grad[d]
            grad[d] += pair_grad[d]
        pairs += 1
    if pairs > 0:
        _add_to_rows(input_rows, row_index, start, end, grad)
    return loss, pairs, state


@njit(cache=True, nogil=True, fastmath=True)
def _cbow_window(input_rows, output_rows, row_offsets, row_index, kept, i, lo, hi, outputs, m_count, lr, bag,
                 hidden, grad, sigmoid_table, log_sigmoid_table, negative, hs_rows, hs_codes, hs_points, hs_lengths):
    """The mean of all rows of the context words of [lo, hi) predicts kept[i] (against outputs[1:m_count] if
    `negative` > 0, along kept[i]'s Huffman path if `hs_lengths` is given); returns the loss.

    As fastText's CBOW: one bag of every context word's rows, each row then gets the whole gradient.
    """
    dim = input_rows.shape[1]
    n_bag = 0
    for j in range(lo, hi):
        if j != i:
            word = kept[j]
            for r in range(row_offsets[word], row_offsets[word + 1]):
                bag[n_bag] = row_index[r]
                n_bag += 1
    _mean_rows(input_rows, bag, 0, n_bag, hidden)
    for d in range(dim):
        grad[d] = 0.0
    loss = 0.0
    if negative > 0:
        for m in range(m_count):
            loss += _output_update(output_rows, outputs[m], m == 0, hidden, grad, lr, sigmoid_table, log_sigmoid_table)
    if hs_lengths is not None:
        loss += _path_update(hs_rows, hs_codes, hs_points, hs_lengths, kept[i], hidden, grad, lr, sigmoid_table,
                             log_sigmoid_table)
    _add_to_rows(input_rows, bag, 0, n_bag, grad)
    return loss


@njit(cache=True, nogil=True)
def _widest_word(row_offsets):
    widest = 1
    for w in range(row_offsets.shape[0] - 1):
        widest = max(widest, row_offsets[w + 1] - row_offsets[w])
    return widest


@njit(cache=True, nogil=True, fastmath=True)
def train_chunk(input_rows, output_rows, row_offsets, row_index, ids, offsets, first_sentence, end_sentence, keep_prob,
                alias_prob, alias_word, sigmoid_table, log_sigmoid_table, window, negative, alpha, min_alpha,
                progress_start, progress_per_word, rng_state, cbow, shared_negatives, hs_rows, hs_codes, hs_points,
                hs_lengths):
    """Train fastText skip-gram (or CBOW if `cbow`) on sentences [first_sentence, end_sentence).

    Negative sampling into `output_rows` if `negative` > 0; hierarchical
    softmax into `hs_rows` along the paths (`hs_codes`, `hs_points`,
    `hs_lengths`, from `embcli.kernels.huffman.huffman_tree`) if they are
    given (a run without it passes None for all four).

    `progress_start + progress_per_word * words` is the fraction of all
    training done, which sets the linearly decaying learning rate (updated at
    every centre word, as fastText updates it as it reads tokens).
    `rng_state` (uint64[1]) is read and advanced.
    Returns (loss sum, training examples, words read): an example is one
    (centre, context) pair for skip-gram, one centre word for CBOW.
    """
    dim = input_rows.shape[1]
    kept = np.empty(longest_sentence(offsets, first_sentence, end_sentence), dtype=np.uint32)
    outputs = np.empty(negative + 1, dtype=np.uint32)
    next_outputs = np.empty(negative + 1, dtype=np.uint32)
    bag = np.empty(2 * window * _widest_word(row_offsets), dtype=np.int32)
    work = np.empty((3, dim), dtype=np.float32)
    state = rng_state[0]
    loss = 0.0
    examples = 0
    words = 0
    for s in range(first_sentence, end_sentence):
        length = offsets[s + 1] - offsets[s]
        n, state = subsample_sentence(ids, offsets[s], offsets[s + 1], keep_prob, kept, state)
        if n == 0:
            words += length
            continue
        words_per_kept = length / n
        next_count, state = draw_outputs(kept[0], negative, alias_prob, alias_word, next_outputs, state)
        for i in range(n):
            outputs, next_outputs = next_outputs, outputs  # drawn one step ahead
            m_count = next_count
            if i + 1 < n:  # the next window's outputs and the next centre's rows start loading now
                next_count, state = draw_outputs(kept[i + 1], negative, alias_prob, alias_word, next_outputs, state)
                for m in range(next_count):
                    prefetch_row(output_rows, next_outputs[m])
                if not cbow:
                    following = kept[i + 1]
                    _prefetch_rows(input_rows, row_index, row_offsets[following], row_offsets[following + 1])
            lr = np.float32(alpha_at(alpha, min_alpha, progress_start + progress_per_word * (words + i * words_per_kept)))
            lo, hi, state = reduced_window(i, n, window, state)
            if hi - lo < 2:
                continue
            if cbow:
                loss += _cbow_window(input_rows, output_rows, row_offsets, row_index, kept, i, lo, hi, outputs,
                                     m_count, lr, bag, work[0], work[1], sigmoid_table, log_sigmoid_table, negative,
                                     hs_rows, hs_codes, hs_points, hs_lengths)
                examples += 1
            else:
                window_loss, pairs, state = _skipgram_window(
                    input_rows, output_rows, row_offsets, row_index, kept, i, lo, hi, outputs, m_count, lr, work[0],
                    work[1], work[2], sigmoid_table, log_sigmoid_table, negative, alias_prob, alias_word,
                    shared_negatives, state, hs_rows, hs_codes, hs_points, hs_lengths)
                loss += window_loss
                examples += pairs
        words += length
    rng_state[0] = state
    return loss, examples, words
