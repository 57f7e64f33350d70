"""The whole-array candidate search and greedy joining equal a word-by-word scan, on random corpora with
connector runs, `<unk>`, empty sentences and chunk boundaries anywhere."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from embcli.corpus.phrase_spans import candidate_keys, candidate_spans, connector_trie, join_phrases

VOCAB = 6  # id 0 <unk>; 1-3 words; 4-5 connectors
JOINABLE = np.array([False, True, True, True, False, False])
CONNECTOR = np.array([False, False, False, False, True, True])
NO_CONNECTOR = np.zeros(VOCAB, dtype=bool)

sentences = st.lists(st.lists(st.integers(0, VOCAB - 1), max_size=12), min_size=1, max_size=12)


def scanned_candidates(sentences: list[list[int]], joinable: np.ndarray, connector: np.ndarray
                       ) -> list[tuple[int, ...]]:
    """Every candidate, word by word: a joinable word, connectors, the next non-connector if joinable."""
    found = []
    for sentence in sentences:
        for i, word in enumerate(sentence):
            j = i + 1
            while j < len(sentence) and connector[sentence[j]]:
                j += 1
            if joinable[word] and j < len(sentence) and joinable[sentence[j]]:
                found.append(tuple(sentence[i:j + 1]))
    return found


def scanned_join(sentences: list[list[int]], phrases: dict[tuple[int, ...], int], connector: np.ndarray):
    joined = []
    for sentence in sentences:
        out, i = [], 0
        while i < len(sentence):
            j = i + 1
            while j < len(sentence) and connector[sentence[j]]:
                j += 1
            if j < len(sentence) and tuple(sentence[i:j + 1]) in phrases:
                out.append(phrases[tuple(sentence[i:j + 1])])
                i = j + 1
            else:
                out.append(sentence[i])
                i += 1
        joined.append(out)
    return joined


def as_corpus(sentences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([w for s in sentences for w in s], dtype=np.uint32)
    return ids, np.concatenate(([0], np.cumsum([len(s) for s in sentences]))).astype(np.int64)


@settings(max_examples=300, deadline=None)
@given(sentences, st.integers(1, 5), st.booleans(), st.data())
def test_candidates_and_joining_equal_a_word_by_word_scan(sentences, chunk, with_connectors, data):
    connector = CONNECTOR if with_connectors else NO_CONNECTOR
    joinable = JOINABLE if with_connectors else np.arange(VOCAB) > 0  # without connectors, 4 and 5 are words
    ids, offsets = as_corpus(sentences)
    bounds = list(range(0, len(sentences), chunk)) + [len(sentences)]
    trie = connector_trie(ids, offsets, joinable, connector, bounds)
    spans = [candidate_spans(ids, offsets, joinable, connector, a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    found = [tuple(ids[a:b + 1].tolist()) for starts, ends in spans for a, b in zip(starts, ends)]
    expected = scanned_candidates(sentences, joinable, connector)
    assert found == expected
    keys = [candidate_keys(ids, starts, ends, trie) for starts, ends in spans]
    by_candidate = dict(zip(found, np.concatenate(keys).tolist()))
    assert len(set(by_candidate.values())) == len(by_candidate)  # one key per distinct candidate
    chosen = sorted(set(found))
    chosen = [c for c in chosen if data.draw(st.booleans())]
    phrase_keys = np.array([by_candidate[c] for c in chosen], dtype=np.uint64)
    new_ids, new_offsets = join_phrases(ids, offsets, joinable, connector, trie, phrase_keys, VOCAB, bounds)
    joined = [new_ids[a:b].tolist() for a, b in zip(new_offsets[:-1], new_offsets[1:])]
    assert joined == scanned_join(sentences, {c: VOCAB + p for p, c in enumerate(chosen)}, connector)
