"""Numba kernel for analogy answers: arrays in, arrays out, no I/O.

The caller computes, with one matrix product, the cosine of every distinct
question word with every candidate row (`sims`, one row per question word).
Both objectives only need those cosines, so this kernel fuses, per question,
scoring all candidates, excluding the question words' casing groups and
taking the argmax, in one pass, with questions spread over threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

COSMUL_EPSILON = 1e-6  # Levy & Goldberg's ε (gensim's most_similar_cosmul uses the same)


@njit(cache=True, nogil=True, parallel=True)
def best_answers(
    sims: np.ndarray,  # (n_words, n_rows) float32: cosine of question word i with candidate row r
    question_words: np.ndarray,  # (n_questions, 3) int32: rows of `sims` holding a, b, c
    question_groups: np.ndarray,  # (n_questions, 3) int32: casing groups of a, b, c
    group: np.ndarray,  # (n_rows,) int32: casing group of each candidate row
    want_add: bool,
    want_mul: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Best candidate row per question for 3CosAdd and 3CosMul (-1 if none or not wanted).

    3CosAdd maximises cos(x, b) + cos(x, c) - cos(x, a), which ranks as
    cos(x, b̂ - â + ĉ); 3CosMul maximises cos'(x, b) cos'(x, c) / (cos'(x, a) + ε)
    with cos' = (1 + cos) / 2. Rows in the casing group of a, b or c never win.
    """
    n_questions = question_words.shape[0]
    n_rows = sims.shape[1]
    best_add = np.full(n_questions, -1, dtype=np.int32)
    best_mul = np.full(n_questions, -1, dtype=np.int32)
    for q in prange(n_questions):
        sim_a = sims[question_words[q, 0]]
        sim_b = sims[question_words[q, 1]]
        sim_c = sims[question_words[q, 2]]
        group_a, group_b, group_c = question_groups[q, 0], question_groups[q, 1], question_groups[q, 2]
        top_add = -np.inf
        top_mul = -np.inf
        arg_add = -1
        arg_mul = -1
        for r in range(n_rows):
            g = group[r]
            if g == group_a or g == group_b or g == group_c:
                continue
            a = np.float64(sim_a[r])
            b = np.float64(sim_b[r])
            c = np.float64(sim_c[r])
            if want_add:
                score = b + c - a
                if score > top_add:
                    top_add = score
                    arg_add = r
            if want_mul:
                score = (0.5 * (1.0 + b)) * (0.5 * (1.0 + c)) / (0.5 * (1.0 + a) + COSMUL_EPSILON)
                if score > top_mul:
                    top_mul = score
                    arg_mul = r
        best_add[q] = arg_add
        best_mul[q] = arg_mul
    return best_add, best_mul
