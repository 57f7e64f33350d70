"""`embcli phrases`: learn collocations on a corpus directory and write a new one where they are single tokens.

    embcli phrases work/corpus -o work/corpus-phrases --passes 2
    embcli train work/corpus-phrases -o work/sg      # new_york is one word now

Scoring (a candidate is `a b`, or `a c1 ... ck b` with connector words between, as gensim's Phrases with
`connector_words`; N = corpus tokens):

- `word2phrase` (default, threshold 100): `(c(ab) - min_count) / (c(a) * c(b)) * N`, word2vec's
  word2phrase; gensim's default scorer puts the vocabulary size where N is, so its thresholds differ;
- `npmi` (threshold 0.5): `ln(c(ab) N / (c(a) c(b))) / -ln(c(ab) / N)`, in [-1, 1].

A candidate is joined when its score is above the threshold and it and both its words were seen at least
`min_count` times. Joining is greedy, left to right. With `--passes K` each pass learns on the previous
pass's output, so `new_york` + `city` can become `new_york_city`.

Counting works on whole arrays (`embcli.corpus.phrase_spans`), chunk by chunk, and is bounded by
`memory_mb`: see `count_candidates` for the pruning of rare candidates. The output directory has the artifacts of `preprocess` (ids, offsets, lines,
corpus.txt, vocab.tsv, a `corpus` manifest carrying the source's preprocess config, so `train`, `embed` and
the rest read it unchanged) plus `phrases.tsv`: `phrase<TAB>count<TAB>score<TAB>pass<TAB>parts`, parts being
the space-separated tokens the phrase joins, in the order they are applied (`apply_phrases` joins new text
the same way).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import manifest_reference, staged_directory, write_manifest
from embcli.config import PhrasesConfig, as_dict
from embcli.corpus.token_corpus import CORPUS_KIND, IDS_NAME, LINES_NAME, OFFSETS_NAME, TEXT_NAME, VOCAB_NAME, \
    TokenCorpus, load_token_corpus, sentence_line_numbers
from embcli.corpus.phrase_table import JOINER, PHRASES_TSV, write_phrase_table
from embcli.corpus.phrase_spans import ConnectorTrie, candidate_keys, candidate_spans, connector_trie, join_phrases, \
    merged_counts, sorted_counts
from embcli.corpus.token_text import write_token_text
from embcli.corpus.vocabulary import UNK, Vocabulary, write_vocabulary
from embcli.errors import InputError, ResourceError
from embcli.progress import SILENT, Progress

CANDIDATE_BYTES = 96  # counting memory per distinct candidate held (see candidate_limit)
# gensim's ENGLISH_CONNECTOR_WORDS: words that may sit inside a phrase but never start or end one
ENGLISH_CONNECTOR_WORDS = frozenset("a an the for of with without at from to in on by and or".split())


def connector_words(spec: str | None) -> frozenset[str]:
    """None or "none" (no connectors), "english" (gensim's list) or a file of words (one per line).

    "none" is spelled out so that a command line or a config can undo a preset's connectors.

    >>> len(connector_words("none")), len(connector_words("english"))
    (0, 15)
    """
    if spec is None or spec == "none":
        return frozenset()
    if spec == "english":
        return ENGLISH_CONNECTOR_WORDS
    try:
        return frozenset(word.strip() for word in Path(spec).read_text(encoding="utf-8").split() if word.strip())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--connector-words {spec}: not 'english', not 'none' and not a readable file "
                         f"({exc})") from None


def candidate_limit(memory_mb: float) -> int:
    """How many distinct candidates counting holds inside `memory_mb` (a chunk reads a quarter as many tokens).

    Per candidate: 16 bytes (key, count) held; a chunk's spans, keys and counts, about 60 bytes a token,
    15 a candidate; their merge with what is held, 64 at most: within `CANDIDATE_BYTES`.
    """
    return max(64, int(memory_mb * (1 << 20)) // CANDIDATE_BYTES)


def chunk_bounds(offsets: np.ndarray, tokens_per_chunk: int) -> list[int]:
    """Sentence numbers cutting the corpus into chunks of at most `tokens_per_chunk` tokens (or one sentence)."""
    bounds = [0]
    while bounds[-1] < len(offsets) - 1:
        last = int(np.searchsorted(offsets, offsets[bounds[-1]] + tokens_per_chunk, side="right")) - 1
        bounds.append(max(last, bounds[-1] + 1))
    return bounds


def count_candidates(ids: np.ndarray, offsets: np.ndarray, masks: tuple[np.ndarray, np.ndarray],
                     trie: ConnectorTrie, memory_mb: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Every candidate's key and count: (sorted keys, counts, prunes, final min_reduce).

    Chunk by chunk, candidate keys are sorted and counted; the chunks' tables are merged into the running
    counts once they hold more than `candidate_limit(memory_mb)` entries, and at the end. Whenever more
    than that many distinct candidates are held, those seen at most `min_reduce` times are dropped and
    `min_reduce` grows by one (word2phrase's ReduceVocab): memory stays bounded, and a count may miss what
    was pruned before.
    """
    limit = candidate_limit(memory_mb)
    held = [(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))]
    prunes, min_reduce = 0, 1
    bounds = chunk_bounds(offsets, chunk_tokens(memory_mb))
    for number, (first, last) in enumerate(zip(bounds[:-1], bounds[1:]), start=1):
        chunk = candidate_keys(ids, *candidate_spans(ids, offsets, *masks, first, last), trie)
        chunk.sort()
        held.append(sorted_counts(chunk))
        del chunk
        if sum(len(keys) for keys, _ in held) <= limit and number < len(bounds) - 1:
            continue
        keys, counts = merged_counts(*held)
        while len(keys) > limit:
            kept = counts > min_reduce
            keys, counts = keys[kept], counts[kept]
            prunes, min_reduce = prunes + 1, min_reduce + 1
        held = [(keys, counts)]
    return held[0][0], held[0][1], prunes, min_reduce


def chunk_tokens(memory_mb: float) -> int:
    """Tokens one chunk of counting or joining reads (see candidate_limit)."""
    return max(1, candidate_limit(memory_mb) // 4)


def score_candidates(pair_counts: np.ndarray, left_counts: np.ndarray, right_counts: np.ndarray, total: int,
                     config: PhrasesConfig) -> np.ndarray:
    """Scores of candidates (float64); -inf where the candidate or a word has fewer than min_count.

    >>> score_candidates(np.array([10]), np.array([20]), np.array([40]), 1000, PhrasesConfig(min_count=5)).round(2)
    array([6.25])
    """
    ab, a, b = (np.asarray(x, dtype=np.float64) for x in (pair_counts, left_counts, right_counts))
    with np.errstate(divide="ignore", invalid="ignore"):
        if config.scoring == "word2phrase":
            scores = (ab - config.min_count) / (a * b) * total
        else:
            scores = np.log(ab * total / (a * b)) / -np.log(ab / total)
    rare = (ab < config.min_count) | (a < config.min_count) | (b < config.min_count)
    return np.where(rare, -np.inf, scores)


def word_masks(tokens: list[str], connectors: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """(joinable, connector) per token id: a phrase starts and ends with joinable words, connectors sit inside.

    `<unk>` is neither: no phrase holds it.
    """
    connector = np.array([token in connectors for token in tokens], dtype=np.bool_)
    joinable = ~connector
    if tokens and tokens[0] == UNK:
        joinable[0] = False
    return joinable, connector


def learn_pass(ids: np.ndarray, offsets: np.ndarray, tokens: list[str], masks: tuple[np.ndarray, np.ndarray],
               trie: ConnectorTrie, config: PhrasesConfig) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, Any]]:
    """One pass's phrases (count, score, parts) in order, their candidate keys, and the counting stats."""
    vocab_size, nodes = len(tokens), trie.nodes
    if vocab_size * vocab_size * nodes >= 1 << 64:
        raise ResourceError(f"{vocab_size:,} words and {nodes - 1:,} connector runs do not fit phrase keys (64 bits); "
                            "raise preprocess --min-count or give fewer --connector-words")
    keys, counts, prunes, min_reduce = count_candidates(ids, offsets, masks, trie, config.memory_mb)
    candidates = len(keys)
    frequent = np.flatnonzero(counts >= config.min_count)  # the rest score -inf: not decoded at all
    keys, counts = keys[frequent], counts[frequent]
    unigrams = np.bincount(ids, minlength=vocab_size)
    pairs, runs = keys // np.uint64(nodes), (keys % np.uint64(nodes)).astype(np.int64)
    left = (pairs // np.uint64(vocab_size)).astype(np.int64)
    right = (pairs % np.uint64(vocab_size)).astype(np.int64)
    scores = score_candidates(counts, unigrams[left], unigrams[right], int(offsets[-1]), config)
    accepted = np.flatnonzero(scores > config.resolved_threshold)
    accepted = accepted[np.argsort(-counts[accepted], kind="stable")]  # count desc, then key: deterministic
    phrases = [{"parts": [tokens[left[p]]] + [tokens[c] for c in trie.run_words(int(runs[p]))] +
                [tokens[right[p]]], "count": int(counts[p]), "score": float(scores[p])} for p in accepted.tolist()]
    stats = {"candidates": candidates, "accepted": len(phrases), "prunes": prunes, "min_reduce": min_reduce,
             "max_candidates": candidate_limit(config.memory_mb), "connector_runs": nodes - 1}
    return phrases, keys[accepted], stats


def one_pass(ids: np.ndarray, offsets: np.ndarray, tokens: list[str], connectors: frozenset[str],
             config: PhrasesConfig) -> tuple[np.ndarray, np.ndarray, list[str], list[dict[str, Any]], dict[str, Any]]:
    """Learn a pass's phrases and join them: (ids, offsets, tokens with phrase p as id `len(tokens) + p`,
    phrases, stats)."""
    masks = word_masks(tokens, connectors)
    bounds = chunk_bounds(offsets, chunk_tokens(config.memory_mb))
    trie = connector_trie(ids, offsets, *masks, bounds)
    phrases, phrase_keys, stats = learn_pass(ids, offsets, tokens, masks, trie, config)
    new_ids, new_offsets = join_phrases(ids, offsets, *masks, trie, phrase_keys, len(tokens), bounds)
    return new_ids, new_offsets, tokens + [JOINER.join(phrase["parts"]) for phrase in phrases], phrases, stats


def learn_and_apply(corpus: TokenCorpus, config: PhrasesConfig, progress: Progress = SILENT
                    ) -> tuple[np.ndarray, np.ndarray, list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """All passes on a corpus: (ids, offsets, tokens the ids index, phrases of every pass, per-pass stats)."""
    connectors = connector_words(config.connector_words)
    ids, offsets = np.asarray(corpus.ids), np.asarray(corpus.offsets, dtype=np.int64)
    tokens = list(corpus.vocab.tokens)
    found: list[dict[str, Any]] = []
    stats: list[dict[str, Any]] = []
    for number in range(1, config.passes + 1):
        started = time.perf_counter()
        ids, offsets, tokens, phrases, pass_stats = one_pass(ids, offsets, tokens, connectors, config)
        found += [{**phrase, "pass": number} for phrase in phrases]
        stats.append({"pass": number, **pass_stats, "seconds": round(time.perf_counter() - started, 3)})
        progress.note(f"pass {number}: {pass_stats['accepted']:,} phrases of {pass_stats['candidates']:,} candidates")
    return ids, offsets, tokens, found, stats


def phrases_corpus(corpus_dir: Path, output: Path, config: PhrasesConfig, *, force: bool = False,
                   progress: Progress = SILENT) -> dict[str, Any]:
    """Learn phrases on a corpus directory and write the joined corpus directory at `output`; its manifest."""
    started = time.perf_counter()
    corpus = load_token_corpus(corpus_dir, check_ids=True)
    if corpus.manifest.get("hashing"):
        raise InputError(f"{corpus_dir}: a hashed corpus has no words to join (its vocabulary is buckets)")
    lines = sentence_line_numbers(corpus)
    with staged_directory(output, force=force, kind=CORPUS_KIND, inputs=(corpus_dir,)) as staging:
        ids, offsets, tokens, found, stats = learn_and_apply(corpus, config, progress)
        vocab, ids = reindexed(ids, tokens, int(corpus.vocab.counts[0]))
        write_joined_corpus(staging, vocab, ids, offsets, lines)
        write_phrase_table(staging / PHRASES_TSV, found)
        files = {"ids": IDS_NAME, "offsets": OFFSETS_NAME, "text": TEXT_NAME, "vocab": VOCAB_NAME,
                 "phrases": PHRASES_TSV, **({"lines": LINES_NAME} if lines is not None else {})}
        counts = {**corpus.manifest.get("counts", {}), "sentences": len(offsets) - 1, "tokens_written": len(ids),
                  "vocab_size": len(vocab), "phrases": len(found)}
        return write_manifest(staging, CORPUS_KIND, config=corpus.manifest.get("config", {}),
                              inputs=corpus.manifest.get("inputs", []), counts=counts, files=files,
                              phrases={"source": manifest_reference(corpus.directory), "config": as_dict(config),
                                       "threshold": config.resolved_threshold, "passes": stats,
                                       "table": PHRASES_TSV},
                              timings={"wall_seconds": round(time.perf_counter() - started, 3)})


def reindexed(ids: np.ndarray, tokens: list[str], unk_count: int) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary of the joined corpus in embcli's order (count desc, then token) and the ids in it.

    A phrase spelt like a word already there (`new_york` in the source) shares its row; `<unk>` keeps the
    OOV count preprocess recorded; tokens that no longer occur (`york` when it only followed `new`) go.
    """
    first: dict[str, int] = {}
    same = np.array([first.setdefault(token, i) for i, token in enumerate(tokens)], dtype=np.int64)
    counts = np.bincount(same, weights=np.bincount(ids, minlength=len(tokens)), minlength=len(tokens))
    kept = [i for i in first.values() if counts[i] > 0 and tokens[i] != UNK]
    kept.sort(key=tokens.__getitem__)
    kept_ids = np.asarray(kept, dtype=np.int64)
    kept_ids = kept_ids[np.argsort(-counts[kept_ids], kind="stable")]  # count desc; ties keep the token order
    remap = np.zeros(len(tokens), dtype=np.uint32)
    remap[kept_ids] = np.arange(1, len(kept_ids) + 1, dtype=np.uint32)
    vocab = Vocabulary([UNK] + [tokens[i] for i in kept_ids.tolist()],
                       np.concatenate(([unk_count], counts[kept_ids])).astype(np.int64))
    return vocab, remap[same][ids]


def write_joined_corpus(staging: Path, vocab: Vocabulary, ids: np.ndarray, offsets: np.ndarray,
                        lines: np.ndarray | None) -> None:
    np.save(staging / IDS_NAME, ids.astype(np.uint32, copy=False), allow_pickle=False)
    np.save(staging / OFFSETS_NAME, offsets, allow_pickle=False)
    if lines is not None:
        np.save(staging / LINES_NAME, lines, allow_pickle=False)
    write_vocabulary(staging / VOCAB_NAME, vocab)
    with open(staging / TEXT_NAME, "wb") as handle:
        write_token_text(handle, ids, offsets, list(vocab.tokens))
