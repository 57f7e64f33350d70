"""Embeddings for the query tests, built from words and a (possibly memory-mapped) matrix."""

from __future__ import annotations

import numpy as np

from embcli.embeddings.queries import VectorQueries


class ToyVectors(VectorQueries):
    """The smallest host of the query methods: keys, rows, no unseen-word resolver."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.index_to_key = list(words)
        self.key_to_index = {word: i for i, word in enumerate(words)}
        self.vectors = vectors

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        return np.asarray(self.vectors[self.key_to_index[key]], dtype=np.float32)


def make_embeddings(words: list[str], vectors: np.ndarray) -> ToyVectors:
    return ToyVectors(words, vectors)
