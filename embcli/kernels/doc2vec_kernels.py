"""Numba kernels for paragraph vectors (Le & Mikolov 2014) with negative sampling.

Training works on one matrix of input rows: the vocabulary's word rows
first, then one row per document (`doc_row0 + d`), so a document row is
just one more input of word2vec's own updates:

- PV-DBOW: the document row predicts each (subsampled) word of its
  document (word2vec's CBOW update with one input row, which is fused: a
  pass over each output row, +10-15% words/s over the block-copying HogBatch
  update with one input); with `dbow_words` the row joins the word's skip-gram
  window as one more context input of the HogBatch update, so word vectors
  are trained in the same pass with the same negatives;
- PV-DM: the mean of the document row and the window's context rows predicts
  the centre word (word2vec's CBOW update, cbow_mean=1 / gensim's dm_mean=1).

Inference (`infer_documents`) freezes words and output rows and trains a fresh
document row per text, in parallel over texts; every text starts from the
same seeded generator state, so a text's vector depends only on the text, the
model and the seed — never on the call, the batch, or the thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from embcli.kernels.prefetch import prefetch_row
from embcli.kernels.word2vec_kernels import (
    alpha_at,
    cbow_update,
    draw_outputs,
    longest_sentence,
    next_random,
    predict_outputs,
    reduced_window,
    sigmoid_and_log,
    skipgram_update,
    subsample_sentence,
)


@njit(cache=True, nogil=True, fastmath=True)
def _dbow_word(syn1neg, doc_vector, error, outputs, labels, m_count, lr, sigmoid_table, log_sigmoid_table):
    """Plain PV-DBOW: the document's vector (a copy its thread holds) predicts outputs[:m_count]; returns the loss.

    The arithmetic of the one-input CBOW update, without re-reading and re-writing the document's row for
    every word: each document is trained by one thread at a time, so the copy is the row.
    """
    dim = doc_vector.shape[0]
    for k in range(dim):
        error[k] = 0.0
    loss = predict_outputs(syn1neg, doc_vector, error, outputs, labels, m_count, lr, sigmoid_table, log_sigmoid_table)
    for k in range(dim):
        doc_vector[k] += error[k]
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def train_documents(syn0, syn1neg, ids, doc_offsets, first_doc, end_doc, doc_row0, keep_prob, alias_prob, alias_word,
                    sigmoid_table, log_sigmoid_table, window, negative, alpha, min_alpha, progress_start,
                    progress_per_word, rng_state, dm, dbow_words):
    """Train documents [first_doc, end_doc) (tokens `ids[doc_offsets[d]:doc_offsets[d + 1]]`).

    `syn0` holds word rows then document rows (document d is row `doc_row0 + d`).
    The learning rate decays linearly with `progress_start + progress_per_word * words`.
    Returns (loss sum, training examples, words read); an example is one predicted word
    (plus, with `dbow_words`, one skip-gram pair per context word).
    """
    dim = syn0.shape[1]
    kept = np.empty(max(1, longest_sentence(doc_offsets, first_doc, end_doc)), dtype=np.uint32)
    context = np.empty(2 * window + 1, dtype=np.uint32)
    outputs = np.empty(negative + 1, dtype=np.uint32)
    next_outputs = np.empty(negative + 1, dtype=np.uint32)
    labels = np.zeros(negative + 1, dtype=np.float32)
    labels[0] = 1.0
    grad = np.empty((2 * window + 1, negative + 1), dtype=np.float32)
    inputs = np.empty((2 * window + 1, dim), dtype=np.float32)
    outs = np.empty((negative + 1, dim), dtype=np.float32)
    work = np.empty((2, dim), dtype=np.float32)
    state = rng_state[0]
    loss = 0.0
    examples = 0
    words = 0
    for d in range(first_doc, end_doc):
        lr = np.float32(alpha_at(alpha, min_alpha, progress_start + progress_per_word * words))
        n, state = subsample_sentence(ids, doc_offsets[d], doc_offsets[d + 1], keep_prob, kept, state)
        words += doc_offsets[d + 1] - doc_offsets[d]
        doc_row = doc_row0 + d
        if n == 0:
            continue
        plain_dbow = not dm and not dbow_words
        if plain_dbow:  # the document's row is held in `work[0]` while its words train, written back once
            for k in range(dim):
                work[0, k] = syn0[doc_row, k]
        next_count, state = draw_outputs(kept[0], negative, alias_prob, alias_word, next_outputs, state)
        for i in range(n):
            outputs, next_outputs = next_outputs, outputs  # drawn one step ahead, their rows prefetched
            m_count = next_count
            if i + 1 < n:
                next_count, state = draw_outputs(kept[i + 1], negative, alias_prob, alias_word, next_outputs, state)
                for m in range(next_count):
                    prefetch_row(syn1neg, next_outputs[m])
            if plain_dbow:
                loss += _dbow_word(syn1neg, work[0], work[1], outputs, labels, m_count, lr, sigmoid_table,
                                   log_sigmoid_table)
                examples += 1
                continue
            context[0] = doc_row
            k_count = 1
            if dm or dbow_words:
                lo, hi, state = reduced_window(i, n, window, state)
                for j in range(lo, hi):
                    if j != i:
                        context[k_count] = kept[j]
                        k_count += 1
            if dm or k_count == 1:  # PV-DM; plain PV-DBOW (one input row: the fused CBOW loop, no block copies)
                loss += cbow_update(syn0, syn1neg, context, k_count, outputs, labels, m_count, lr, work,
                                    sigmoid_table, log_sigmoid_table)
                examples += 1
            else:  # PV-DBOW with skip-gram words: one HogBatch update of the window and the document row
                loss += skipgram_update(syn0, syn1neg, context, k_count, outputs, labels, m_count, lr, inputs, outs,
                                        grad, work[0], sigmoid_table, log_sigmoid_table)
                examples += k_count
        if plain_dbow:
            for k in range(dim):
                syn0[doc_row, k] = work[0, k]
    rng_state[0] = state
    return loss, examples, words


@njit(cache=True, nogil=True)
def inference_alpha(alpha, min_alpha, epoch, epochs):
    """Learning rate of inference epoch `epoch` (0-based): alpha first, min_alpha on the last, as gensim's infer_vector.

    >>> [round(inference_alpha(0.025, 0.0001, e, 3), 5) for e in range(3)]
    [0.025, 0.01255, 0.0001]
    """
    return alpha - (alpha - min_alpha) * epoch / max(epochs - 1, 1)


@njit(cache=True, nogil=True, fastmath=True)
def _infer_one(word_vectors, syn1neg, ids, start, stop, keep_prob, alias_prob, alias_word, sigmoid_table,
               log_sigmoid_table, window, negative, alpha, min_alpha, epochs, seed, dm, doc):
    """Train `doc` (the fresh row of the text ids[start:stop]) against frozen words and outputs."""
    dim = word_vectors.shape[1]
    state = np.uint64(seed)
    for d in range(dim):  # word2vec's start: uniform in (-0.5, 0.5) / dim
        state = next_random(state)
        doc[d] = np.float32(((state >> np.uint64(40)) * (1.0 / 16777216.0) - 0.5) / dim)
    if stop <= start:
        doc[:] = 0.0
        return
    kept = np.empty(stop - start, dtype=np.uint32)
    outputs = np.empty(negative + 1, dtype=np.uint32)
    hidden = np.empty(dim, dtype=np.float32)
    error = np.empty(dim, dtype=np.float32)
    for epoch in range(epochs):
        lr = np.float32(inference_alpha(alpha, min_alpha, epoch, epochs))
        n, state = subsample_sentence(ids, start, stop, keep_prob, kept, state)
        for i in range(n):
            m_count, state = draw_outputs(kept[i], negative, alias_prob, alias_word, outputs, state)
            for d in range(dim):
                hidden[d] = doc[d]
                error[d] = 0.0
            scale = np.float32(1.0)
            if dm:
                lo, hi, state = reduced_window(i, n, window, state)
                for j in range(lo, hi):
                    if j != i:
                        row = kept[j]
                        for d in range(dim):
                            hidden[d] += word_vectors[row, d]
                        scale += 1.0
                for d in range(dim):
                    hidden[d] /= scale
            for m in range(m_count):
                row = outputs[m]
                score = np.float32(0.0)
                for d in range(dim):
                    score += hidden[d] * syn1neg[row, d]
                sig, _ = sigmoid_and_log(score, sigmoid_table, log_sigmoid_table)
                g = ((np.float32(1.0) if m == 0 else np.float32(0.0)) - sig) * lr
                for d in range(dim):
                    error[d] += g * syn1neg[row, d]
            for d in range(dim):
                doc[d] += error[d]


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def infer_documents(word_vectors, syn1neg, ids, doc_offsets, keep_prob, alias_prob, alias_word, sigmoid_table,
                    log_sigmoid_table, window, negative, alpha, min_alpha, epochs, seed, dm):
    """One inferred float32 row per text ids[doc_offsets[t]:doc_offsets[t + 1]]; an empty text gives zeros."""
    n_docs = doc_offsets.shape[0] - 1
    rows = np.empty((n_docs, word_vectors.shape[1]), dtype=np.float32)
    for t in prange(n_docs):
        _infer_one(word_vectors, syn1neg, ids, doc_offsets[t], doc_offsets[t + 1], keep_prob, alias_prob, alias_word,
                   sigmoid_table, log_sigmoid_table, window, negative, alpha, min_alpha, epochs, seed, dm, rows[t])
    return rows
