"""`embcli phrases`: learn collocations on a corpus directory and write a new one where they are single tokens.

    embcli phrases work/corpus -o work/corpus-phrases --passes 2
    embcli train work/corpus-phrases -o work/sg      # new_york is one word now

Scoring (a candidate is `a b`, or `a c b` with one connector word c; N = corpus tokens):

- `word2phrase` (default, threshold 100): `(c(ab) - min_count) / (c(a) * c(b)) * N`, word2vec's
  word2phrase; gensim's default scorer puts the vocabulary size where N is, so its thresholds differ;
- `npmi` (threshold 0.5): `ln(c(ab) N / (c(a) c(b))) / -ln(c(ab) / N)`, in [-1, 1].

A candidate is joined when its score is above the threshold and it and both its words were seen at least
`min_count` times. Joining is greedy, left to right. With `--passes K` each pass learns on the previous
pass's output, so `new_york` + `city` can become `new_york_city`.

Counting is compiled (`embcli.kernels.phrases_kernels`) and bounded by `memory_mb`: see there for the
pruning of rare candidates. The output directory has the artifacts of `preprocess` (ids, offsets, lines,
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
from embcli.corpus.vocabulary import UNK, Vocabulary, build_vocabulary, write_vocabulary
from embcli.artifacts.sizes import check_text_file_size
from embcli.errors import FormatError, InputError
from embcli.progress import SILENT, Progress

PHRASES_TSV = "phrases.tsv"  # also the name its vectors carry it by (embeddings.tokenizer_settings.PHRASES_NAME)
PHRASES_HEADER = "phrase\tcount\tscore\tpass\tparts"
JOINER = "_"
TABLE_SLOT_BYTES = 16
MAX_PHRASE_TABLE_BYTES = 256 << 20  # a phrases.tsv read back (it may come with a downloaded model) is capped
MAX_PHRASE_PASSES = 100
# gensim's ENGLISH_CONNECTOR_WORDS: words that may sit inside a phrase but never start or end one
ENGLISH_CONNECTOR_WORDS = frozenset("a an the for of with without at from to in on by and or".split())


def connector_words(spec: str | None) -> frozenset[str]:
    """None, "english" (gensim's list) or a file of words (one per line)."""
    if spec is None:
        return frozenset()
    if spec == "english":
        return ENGLISH_CONNECTOR_WORDS
    try:
        return frozenset(word.strip() for word in Path(spec).read_text(encoding="utf-8").split() if word.strip())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--connector-words {spec}: not 'english' and not a readable file ({exc})") from None


def table_capacity(memory_mb: float) -> int:
    """The largest power of two of 16-byte slots inside `memory_mb`."""
    slots = max(64, int(memory_mb * (1 << 20)) // TABLE_SLOT_BYTES)
    return 1 << (slots.bit_length() - 1)


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


def learn_pass(ids: np.ndarray, offsets: np.ndarray, tokens: list[str], connectors: frozenset[str],
               config: PhrasesConfig) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, Any]]:
    """One pass: (accepted phrases with their count, score, key and parts; their packed keys; counting stats)."""
    from embcli.kernels import phrases_kernels, word2vec_kernels

    vocab_size = len(tokens)
    connector = np.array([token in connectors for token in tokens], dtype=np.bool_)
    joinable = ~connector
    if tokens and tokens[0] == UNK:
        joinable[0] = False  # <unk> is no word to join
    keys, counts, prunes, min_reduce = phrases_kernels.count_candidates(
        ids, offsets, joinable, connector, table_capacity(config.memory_mb))
    unigrams = word2vec_kernels.count_ids(ids, vocab_size)
    right = (keys % np.uint64(vocab_size)).astype(np.int64)
    rest = keys // np.uint64(vocab_size)
    middle = (rest % np.uint64(vocab_size + 1)).astype(np.int64) - 1
    left = (rest // np.uint64(vocab_size + 1)).astype(np.int64)
    scores = score_candidates(counts, unigrams[left], unigrams[right], int(offsets[-1]), config)
    accepted = np.flatnonzero(scores > config.resolved_threshold)
    accepted = accepted[np.lexsort((keys[accepted], -counts[accepted]))]  # count desc, then key: deterministic
    phrases = [{"parts": [tokens[left[p]]] + ([tokens[middle[p]]] if middle[p] >= 0 else []) + [tokens[right[p]]],
                "count": int(counts[p]), "score": float(scores[p])} for p in accepted.tolist()]
    stats = {"candidates": int(len(keys)), "accepted": len(phrases), "prunes": int(prunes),
             "min_reduce": int(min_reduce), "table_slots": table_capacity(config.memory_mb)}
    return phrases, keys[accepted], stats


def apply_pass(ids: np.ndarray, offsets: np.ndarray, tokens: list[str], connectors: frozenset[str],
               phrases: list[dict[str, Any]], phrase_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Join the pass's phrases: (ids, offsets, tokens) with phrase p as token `len(tokens) + p`."""
    from embcli.kernels import phrases_kernels

    connector = np.array([token in connectors for token in tokens], dtype=np.bool_)
    joinable = ~connector
    if tokens and tokens[0] == UNK:
        joinable[0] = False
    table_keys, table_values = phrases_kernels.build_table(phrase_keys, table_capacity(
        max(1.0, 4 * TABLE_SLOT_BYTES * max(1, len(phrase_keys)) / (1 << 20))))
    new_ids, new_offsets = phrases_kernels.join_phrases(ids, offsets, joinable, connector, table_keys, table_values,
                                                        len(tokens))
    return new_ids, new_offsets, tokens + [JOINER.join(phrase["parts"]) for phrase in phrases]


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
        phrases, keys, pass_stats = learn_pass(ids, offsets, tokens, connectors, config)
        ids, offsets, tokens = apply_pass(ids, offsets, tokens, connectors, phrases, keys)
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
    """The vocabulary of the joined corpus in embcli's order (count desc, then token) and the ids in it."""
    from embcli.kernels import word2vec_kernels

    counts = word2vec_kernels.count_ids(ids, len(tokens))
    merged: dict[str, int] = {UNK: unk_count}  # <unk> keeps the OOV count preprocess recorded
    for token, count in zip(tokens, counts.tolist()):
        if token != UNK:
            merged[token] = merged.get(token, 0) + count
    vocab = build_vocabulary(merged, min_count=1)
    index = vocab.index()
    remap = np.array([index.get(token, 0) for token in tokens], dtype=np.uint32)
    return vocab, remap[ids]


def write_joined_corpus(staging: Path, vocab: Vocabulary, ids: np.ndarray, offsets: np.ndarray,
                        lines: np.ndarray | None) -> None:
    np.save(staging / IDS_NAME, ids.astype(np.uint32, copy=False), allow_pickle=False)
    np.save(staging / OFFSETS_NAME, offsets, allow_pickle=False)
    if lines is not None:
        np.save(staging / LINES_NAME, lines, allow_pickle=False)
    write_vocabulary(staging / VOCAB_NAME, vocab)
    words = np.array(vocab.tokens, dtype=object)
    with open(staging / TEXT_NAME, "w", encoding="utf-8", newline="\n") as text:
        for first in range(0, len(offsets) - 1, 100_000):
            last = min(first + 100_000, len(offsets) - 1)
            chunk = words[ids[offsets[first] : offsets[last]]].tolist()
            bounds = (offsets[first : last + 1] - offsets[first]).tolist()
            text.write("".join(" ".join(chunk[s:e]) + "\n" for s, e in zip(bounds[:-1], bounds[1:])))


def write_phrase_table(path: Path, found: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(PHRASES_HEADER + "\n")
        for phrase in found:
            handle.write(f"{JOINER.join(phrase['parts'])}\t{phrase['count']}\t{phrase['score']:.6g}\t"
                         f"{phrase['pass']}\t{' '.join(phrase['parts'])}\n")


def read_phrase_table(path: Path) -> list[dict[tuple[str, ...], str]]:
    """Per pass, parts -> phrase token, from a `phrases.tsv` (it may come with a model: checked and capped)."""
    passes: list[dict[tuple[str, ...], str]] = []
    check_text_file_size(path, MAX_PHRASE_TABLE_BYTES, "phrase table")
    try:
        with open(path, encoding="utf-8-sig", newline="\n") as handle:
            if handle.readline().rstrip("\n") != PHRASES_HEADER:
                raise FormatError(f"{path}: not a phrase table of embcli phrases (its header is not "
                                  f"{PHRASES_HEADER.replace(chr(9), '<TAB>')!r})")
            for number, line in enumerate(handle, start=2):
                fields = line.rstrip("\n").split("\t")
                step = fields[3] if len(fields) == 5 else ""
                parts = tuple(fields[4].split(" ")) if len(fields) == 5 else ()
                if not (step.isascii() and step.isdigit() and 1 <= int(step) <= MAX_PHRASE_PASSES) \
                        or len(parts) not in (2, 3) or not all(parts) or not fields[0]:
                    raise FormatError(f"{path}:{number}: expected 'phrase<TAB>count<TAB>score<TAB>pass<TAB>parts' "
                                      f"with a pass from 1 to {MAX_PHRASE_PASSES} and 2 or 3 parts; re-create it "
                                      "with embcli phrases")
                passes.extend({} for _ in range(int(step) - len(passes)))
                passes[int(step) - 1][parts] = fields[0]
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text (at byte {exc.start} of a block); re-create it with embcli "
                          "phrases") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return passes


def apply_phrases(tokens: list[str], passes: list[dict[tuple[str, ...], str]]) -> list[str]:
    """Join a token list as the corpus was joined: pass by pass, greedy left to right.

    >>> apply_phrases("i love new york city".split(), [{("new", "york"): "new_york"}, {("new_york", "city"): "new_york_city"}])
    ['i', 'love', 'new_york_city']
    """
    for table in passes:
        joined: list[str] = []
        i = 0
        while i < len(tokens):
            for width in (2, 3):
                phrase = table.get(tuple(tokens[i : i + width])) if i + width <= len(tokens) else None
                if phrase is not None:
                    joined.append(phrase)
                    i += width
                    break
            else:
                joined.append(tokens[i])
                i += 1
        tokens = joined
    return tokens


