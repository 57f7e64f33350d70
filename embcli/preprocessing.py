"""`preprocess`: raw text -> vocabulary + token-id corpus (see corpus/token_corpus.py for the layout).

Two passes, both streaming, so memory grows with the vocabulary and never with
the corpus:

1. read + tokenize (in worker processes for large inputs): every token gets a
   *provisional* id in order of first appearance; ids and sentence lengths go
   to temp files and counts accumulate per provisional id;
2. the vocabulary is trimmed and ordered (count desc, then token), and the
   temp ids are remapped chunk by chunk into `ids.npy`, `offsets.npy` and
   `corpus.txt` (the text gensim's `corpus_file` path reads).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import describe_file, staged_directory, write_manifest
from embcli.config import PreprocessConfig, as_dict
from embcli.corpus.hashing import hash_vocabulary
from embcli.corpus.readers import InputFile, LineSource, expand_inputs, iter_line_chunks
from embcli.corpus.token_corpus import CORPUS_KIND, IDS_NAME, LINES_NAME, OFFSETS_NAME, TEXT_NAME, VOCAB_NAME
from embcli.corpus.tokenize import Tokenizer, TokenizerSpec, load_stopwords, make_tokenizer
from embcli.corpus.vocabulary import UNK_INDEX, Vocabulary, build_vocabulary, write_vocabulary
from embcli.errors import ConfigError, InputError
from embcli.progress import SILENT, Progress

# Inputs smaller than this are tokenized in-process: a worker pool costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
REMAP_CHUNK_SENTENCES = 200_000


@dataclass
class EncodedChunk:
    """A chunk of lines tokenized by a worker, with chunk-local ids (first appearance order)."""

    tokens: list[str]  # local id -> token
    ids: np.ndarray  # uint32 local ids, all sentences concatenated
    lengths: np.ndarray  # int64 tokens per (non-empty) sentence
    line_numbers: np.ndarray  # int64 chunk-local input line (0-based) of each sentence
    lines: int
    bad_bytes: int  # undecodable bytes replaced by U+FFFD
    stopwords_removed: int


# ---------------------------------------------------------------------------
# pass 1: tokenize (runs in workers)

_worker_tokenizer: Tokenizer | None = None
_worker_stopwords: frozenset[str] = frozenset()


def init_tokenizer_worker(spec: TokenizerSpec) -> None:
    global _worker_tokenizer, _worker_stopwords
    _worker_tokenizer = make_tokenizer(TokenizerSpec(spec.kind, spec.pattern, spec.lowercase, spec.nfkc))
    _worker_stopwords = spec.stopwords


def _decode(raw: bytes) -> tuple[str, int]:
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        return text, text.count("\ufffd") - raw.count("\ufffd".encode())


def encode_lines(lines: list[bytes]) -> EncodedChunk:
    """Tokenize raw lines and give tokens chunk-local ids (the expensive, parallel part)."""
    tokenize = _worker_tokenizer
    assert tokenize is not None, "worker not initialised"
    stopwords = _worker_stopwords
    flat: list[str] = []
    lengths: list[int] = []
    line_numbers: list[int] = []
    bad_bytes = removed = 0
    for line_number, raw in enumerate(lines):
        text, bad = _decode(raw)
        bad_bytes += bad
        tokens = tokenize(text)
        if stopwords:
            kept = [token for token in tokens if token not in stopwords]
            removed += len(tokens) - len(kept)
            tokens = kept
        if tokens:
            flat.extend(tokens)
            lengths.append(len(tokens))
            line_numbers.append(line_number)
    local = {token: i for i, token in enumerate(dict.fromkeys(flat))}
    ids = np.fromiter(map(local.__getitem__, flat), dtype=np.uint32, count=len(flat))
    return EncodedChunk(list(local), ids, np.array(lengths, dtype=np.int64), np.array(line_numbers, dtype=np.int64),
                        len(lines), bad_bytes, removed)


def _encoded_chunks(chunks: Iterator[tuple[list[bytes], int]], spec: TokenizerSpec, workers: int,
                    on_bytes: Any) -> Iterator[EncodedChunk]:
    """Encode chunks in order, in-process or in a pool with bounded in-flight work."""
    if workers <= 1:
        init_tokenizer_worker(spec)
        for lines, consumed in chunks:
            on_bytes(consumed)
            yield encode_lines(lines)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(workers, initializer=init_tokenizer_worker, initargs=(spec,)) as pool:
        pending: deque[tuple[Any, int]] = deque()
        for lines, consumed in chunks:
            pending.append((pool.apply_async(encode_lines, (lines,)), consumed))
            if len(pending) >= 2 * workers:
                result, done = pending.popleft()
                yield result.get()
                on_bytes(done)
        while pending:
            result, done = pending.popleft()
            yield result.get()
            on_bytes(done)


# ---------------------------------------------------------------------------
# the stage


def preprocess_corpus(inputs: list[str], output: Path, config: PreprocessConfig, *, force: bool = False,
                      progress: Progress = SILENT) -> dict[str, Any]:
    """Tokenize `inputs` and write a corpus directory at `output`; returns its manifest."""
    started = time.perf_counter()
    validate_preprocess_config(config)
    items = expand_inputs(inputs)
    stopwords = load_stopwords(config.stopwords, lowercase=config.lowercase, nfkc=config.nfkc)
    spec = TokenizerSpec(config.tokenizer, config.token_pattern, config.lowercase, config.nfkc, stopwords)
    make_tokenizer(spec)  # fail now (bad pattern, missing jieba), not inside a worker
    total_bytes = sum(item.size() for item in items)
    parallel = config.workers > 1 and (total_bytes >= PARALLEL_MIN_BYTES or any(i.is_stdin for i in items))

    with staged_directory(output, force=force) as staging:
        stdin_record: dict[str, Any] = {}
        bar = progress.bar(total_bytes or None, "tokenizing", unit="B")
        first_pass = _first_pass(items, spec, config.workers if parallel else 1, staging, bar.update, stdin_record)
        bar.close()
        tokenized = time.perf_counter()
        hashed = hash_vocabulary(first_pass.tokens, first_pass.counts, config.hash_buckets, lowercase=config.lowercase,
                                 nfkc=config.nfkc) if config.hash_buckets and first_pass.tokens else None
        vocab = hashed.vocab if hashed else _vocabulary_from(first_pass, config)
        counts = write_corpus_files(staging, first_pass, vocab, config, progress, remap=hashed.remap if hashed else None)
        write_vocabulary(staging / VOCAB_NAME, vocab)
        finished = time.perf_counter()
        manifest = write_manifest(
            staging,
            CORPUS_KIND,
            config=as_dict(config),
            inputs=[stdin_record if item.is_stdin else describe_file(Path(item.path)) for item in items],
            counts=counts,
            files={"ids": IDS_NAME, "offsets": OFFSETS_NAME, "lines": LINES_NAME, "text": TEXT_NAME, "vocab": VOCAB_NAME},
            timings={"tokenize_seconds": round(tokenized - started, 3),
                     "index_write_seconds": round(finished - tokenized, 3),
                     "wall_seconds": round(time.perf_counter() - started, 3)},
            **({"hashing": hashed.stats} if hashed else {}),
        )
    return manifest


def validate_preprocess_config(config: PreprocessConfig) -> None:
    if config.min_count < 1:
        raise ConfigError(f"--min-count must be at least 1, got {config.min_count}")
    if config.max_vocab is not None and config.max_vocab < 1:
        raise ConfigError(f"--max-vocab must be at least 1, got {config.max_vocab}")
    if config.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {config.workers}")
    if config.token_pattern is not None and config.tokenizer != "regex":
        raise ConfigError("--token-pattern applies only to --tokenizer regex")
    if config.hash_buckets is not None and (config.hash_buckets < 1 or config.max_vocab is not None):
        raise ConfigError("--hash-buckets needs a positive N and no --max-vocab (the N buckets are the vocabulary)")


@dataclass
class FirstPass:
    tokens: list[str]  # provisional id -> token
    counts: np.ndarray  # int64 per provisional id
    ids_path: Path  # raw uint32 provisional ids
    lengths_path: Path  # raw int64 sentence lengths
    lines: int
    sentences: int
    bad_bytes: int
    stopwords_removed: int
    line_numbers_path: Path | None = None  # raw int64 input line (0-based, over all inputs) of each sentence


def _first_pass(items: list[InputFile], spec: TokenizerSpec, workers: int, staging: Path, on_bytes: Any,
                stdin_record: dict[str, Any]) -> FirstPass:
    ids_path, lengths_path = staging / "ids.provisional", staging / "lengths.provisional"
    line_numbers_path = staging / "lines.provisional"
    token_ids: dict[str, int] = {}
    tokens: list[str] = []
    counts = np.zeros(1024, dtype=np.int64)
    lines = sentences = bad_bytes = removed = 0

    def record_stdin(source: LineSource) -> None:
        if source.stdin_reader is not None:
            stdin_record.update(path="-", size=source.stdin_reader.size, sha256=source.stdin_reader.sha256.hexdigest())

    chunks = iter_line_chunks(items, on_close=record_stdin)
    with open(ids_path, "wb") as ids_file, open(lengths_path, "wb") as lengths_file, \
            open(line_numbers_path, "wb") as line_numbers_file:
        for chunk in _encoded_chunks(chunks, spec, workers, on_bytes):
            lookup = np.empty(len(chunk.tokens), dtype=np.uint32)
            for local_id, token in enumerate(chunk.tokens):
                global_id = token_ids.get(token)
                if global_id is None:
                    global_id = token_ids[token] = len(tokens)
                    tokens.append(token)
                lookup[local_id] = global_id
            global_ids = lookup[chunk.ids]
            if len(tokens) > len(counts):
                counts = np.concatenate([counts, np.zeros(max(len(tokens), 2 * len(counts)) - len(counts), np.int64)])
            counts[: len(tokens)] += np.bincount(global_ids, minlength=len(tokens))
            global_ids.tofile(ids_file)
            chunk.lengths.tofile(lengths_file)
            (chunk.line_numbers + lines).tofile(line_numbers_file)
            lines += chunk.lines
            sentences += len(chunk.lengths)
            bad_bytes += chunk.bad_bytes
            removed += chunk.stopwords_removed
    return FirstPass(tokens, counts[: len(tokens)], ids_path, lengths_path, lines, sentences, bad_bytes, removed,
                     line_numbers_path)


def _vocabulary_from(first: FirstPass, config: PreprocessConfig) -> Vocabulary:
    if not first.tokens:
        raise InputError(f"no tokens found in the input ({first.lines} lines read); check the files and --tokenizer")
    vocab = build_vocabulary(dict(zip(first.tokens, first.counts.tolist())), min_count=config.min_count,
                             max_vocab=config.max_vocab)
    if len(vocab) == 1:
        raise InputError(
            f"the vocabulary is empty after --min-count {config.min_count}: no token of the {len(first.tokens)} distinct "
            f"ones occurs that often; lower --min-count"
        )
    return vocab


def write_corpus_files(staging: Path, first: FirstPass, vocab: Vocabulary, config: PreprocessConfig,
                  progress: Progress, remap: np.ndarray | None = None) -> dict[str, Any]:
    """Pass 2: remap provisional ids to vocabulary ids (`remap`, default by token), sentence chunk by chunk."""
    if remap is None:
        final_index = vocab.index()
        remap = np.fromiter((final_index.get(token, UNK_INDEX) for token in first.tokens), dtype=np.uint32,
                            count=len(first.tokens))
    total_tokens = int(first.counts.sum())
    oov_tokens = int(vocab.counts[UNK_INDEX])
    drop = config.oov == "drop"
    kept_tokens = total_tokens - oov_tokens if drop else total_tokens
    provisional = np.memmap(first.ids_path, dtype=np.uint32, mode="r") if total_tokens else np.zeros(0, np.uint32)
    lengths = np.fromfile(first.lengths_path, dtype=np.int64)
    line_numbers = np.fromfile(first.line_numbers_path, dtype=np.int64) if first.line_numbers_path else None
    kept_sentences = np.ones(len(lengths), dtype=bool)  # --oov drop may empty a sentence
    starts = np.concatenate([[0], np.cumsum(lengths)])
    ids_out = np.lib.format.open_memmap(staging / IDS_NAME, mode="w+", dtype=np.uint32, shape=(kept_tokens,))
    words = np.array(vocab.tokens, dtype=object)
    offsets_parts = [np.zeros(1, dtype=np.int64)]
    written = 0
    bar = progress.bar(len(lengths), "writing corpus", unit="sent")
    with open(staging / TEXT_NAME, "w", encoding="utf-8", newline="\n") as text:
        for first_sentence in range(0, len(lengths), REMAP_CHUNK_SENTENCES):
            last = min(first_sentence + REMAP_CHUNK_SENTENCES, len(lengths))
            chunk = remap[provisional[starts[first_sentence] : starts[last]]]
            chunk_lengths = lengths[first_sentence:last]
            if drop:
                keep = chunk != UNK_INDEX
                sentence_of_token = np.repeat(np.arange(len(chunk_lengths)), chunk_lengths)
                chunk_lengths = np.bincount(sentence_of_token[keep], minlength=len(chunk_lengths))
                chunk = chunk[keep]
                kept_sentences[first_sentence:last] = chunk_lengths > 0
                chunk_lengths = chunk_lengths[chunk_lengths > 0]
            ids_out[written : written + len(chunk)] = chunk
            ends = np.cumsum(chunk_lengths)
            offsets_parts.append(ends + written)
            token_text = words[chunk].tolist()
            bounds = np.concatenate([[0], ends]).tolist()
            text.write("".join(" ".join(token_text[s:e]) + "\n" for s, e in zip(bounds[:-1], bounds[1:])))
            written += len(chunk)
            bar.update(last - first_sentence)
    bar.close()
    ids_out.flush()
    del ids_out, provisional
    offsets = np.concatenate(offsets_parts)
    np.save(staging / OFFSETS_NAME, offsets, allow_pickle=False)
    if line_numbers is not None:
        np.save(staging / LINES_NAME, line_numbers[kept_sentences], allow_pickle=False)
        first.line_numbers_path.unlink()
    first.ids_path.unlink()
    first.lengths_path.unlink()
    return {
        "lines": first.lines,
        "sentences": len(offsets) - 1,
        "tokens": total_tokens,
        "tokens_written": written,
        "types_seen": len(first.tokens),
        "vocab_size": len(vocab),
        "oov_tokens": oov_tokens,
        "oov_rate": round(oov_tokens / total_tokens, 6) if total_tokens else 0.0,
        "undecodable_bytes": first.bad_bytes,
        "stopwords_removed": first.stopwords_removed,
    }
