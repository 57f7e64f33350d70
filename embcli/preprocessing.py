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
import os
import signal
import time
from collections import deque
from contextlib import closing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import describe_file, ensure_free_space, peak_rss_mb, staged_directory, write_manifest
from embcli.artifacts.arrays import preallocate
from embcli.npy_stream import NpyStreamWriter
from embcli.config import PreprocessConfig, as_dict
from embcli.corpus.encoding import EncodedChunk, LineEncoder
from embcli.corpus.hashing import hash_vocabulary
from embcli.corpus.stopword_file import store_stopwords
from embcli.corpus.readers import LINE_PIECE_BYTES, InputFile, LineSource, expand_inputs, iter_line_chunks
from embcli.corpus.token_corpus import CORPUS_KIND, IDS_NAME, LINES_NAME, MAX_SENTENCE_TOKENS, OFFSETS_NAME, TEXT_NAME, \
    VOCAB_NAME
from embcli.corpus.tokenize import TokenizerSpec, load_stopwords, make_tokenizer
from embcli.corpus.vocabulary import UNK_INDEX, Vocabulary, build_vocabulary, write_vocabulary
from embcli.errors import InputError
from embcli.progress import SILENT, Progress

# Inputs smaller than this are tokenized in-process: a worker pool costs more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
REMAP_CHUNK_SENTENCES = 200_000
REMAP_CHUNK_TOKENS = 2_000_000


# ---------------------------------------------------------------------------
# pass 1: tokenize (runs in workers; the encoder is built once per worker process)

_worker_encoder: LineEncoder | None = None


def init_tokenizer_worker(spec: TokenizerSpec) -> None:
    global _worker_encoder
    _worker_encoder = LineEncoder(spec)


def init_pool_worker(spec: TokenizerSpec) -> None:
    """A pool worker leaves Ctrl-C to its parent (which terminates the pool), dies quietly on SIGTERM, and dies
    with its parent (a parent killed by SIGKILL leaves no worker running)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    init_tokenizer_worker(spec)


def _die_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG: SIGKILL this process when its parent ends; elsewhere, nothing."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the call
        os._exit(1)


def encode_lines(lines: list[bytes]) -> EncodedChunk:
    """Tokenize raw lines with this worker's encoder (the expensive, parallel part)."""
    assert _worker_encoder is not None, "worker not initialised"
    return _worker_encoder(lines)


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
    with context.Pool(workers, initializer=init_pool_worker, initargs=(spec,)) as pool:
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
    items = expand_inputs(inputs)
    stopwords = load_stopwords(config.stopwords, lowercase=config.lowercase, nfkc=config.nfkc)
    spec = TokenizerSpec(config.tokenizer, config.token_pattern, config.lowercase, config.nfkc, stopwords)
    make_tokenizer(spec)  # fail now (bad pattern, missing jieba), not inside a worker
    total_bytes = sum(item.size() for item in items)
    parallel = config.workers > 1 and (total_bytes >= PARALLEL_MIN_BYTES or any(i.is_stdin for i in items))

    stopword_file = config.stopwords if config.stopwords and Path(config.stopwords).is_file() else "-"
    read_paths = (*inputs, *(item.path for item in items), stopword_file)
    with staged_directory(output, force=force, kind=CORPUS_KIND, inputs=read_paths) as staging:
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
            files={"ids": IDS_NAME, "offsets": OFFSETS_NAME, "lines": LINES_NAME, "text": TEXT_NAME, "vocab": VOCAB_NAME,
                   **store_stopwords(staging, stopwords)},
            timings={"tokenize_seconds": round(tokenized - started, 3),
                     "index_write_seconds": round(finished - tokenized, 3),
                     "wall_seconds": round(time.perf_counter() - started, 3)},
            sentences={"max_tokens": MAX_SENTENCE_TOKENS, "line_piece_bytes": LINE_PIECE_BYTES},
            peak_rss_mb=round(peak_rss_mb(), 1),
            **({"hashing": hashed.stats} if hashed else {}),
        )
    return manifest


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
    input_lines = 0  # lines completed so far (a last line without a newline joins the next input's first)
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
            (chunk.line_numbers + input_lines).tofile(line_numbers_file)
            input_lines += chunk.line_ends
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


def _sentence_chunks(lengths_file: Any) -> Iterator[np.ndarray]:
    """Sentence lengths read from `lengths_file` in chunks of at most ~REMAP_CHUNK_TOKENS tokens."""
    while (block := np.fromfile(lengths_file, dtype=np.int64, count=REMAP_CHUNK_SENTENCES)).size:
        ends = np.cumsum(block)
        start, base = 0, 0
        while start < len(block):
            stop = max(int(np.searchsorted(ends, base + REMAP_CHUNK_TOKENS, side="right")), start + 1)
            yield block[start:stop]
            start, base = stop, int(ends[stop - 1])


def corpus_bytes(vocab: Vocabulary, kept_tokens: int, sentences: int, drop: bool) -> int:
    """Bytes of ids.npy + offsets.npy + corpus.txt, known from the counts before anything is written."""
    token_bytes = np.array([len(token.encode("utf-8")) + 1 for token in vocab.tokens], dtype=np.int64)
    if drop:
        token_bytes[UNK_INDEX] = 0
    text = int(np.dot(token_bytes, np.asarray(vocab.counts, dtype=np.int64)))
    return text + 4 * kept_tokens + 8 * (sentences + 1) + 2 * NpyStreamWriter.HEADER_BYTES


def write_corpus_files(staging: Path, first: FirstPass, vocab: Vocabulary, config: PreprocessConfig,
                  progress: Progress, remap: np.ndarray | None = None) -> dict[str, Any]:
    """Pass 2: remap provisional ids to vocabulary ids (`remap`, default by token), chunk by chunk.

    Everything streams through files (no memory maps, no per-sentence arrays in
    memory), so memory is independent of the number of sentences.
    """
    if remap is None:
        final_index = vocab.index()
        remap = np.fromiter((final_index.get(token, UNK_INDEX) for token in first.tokens), dtype=np.uint32,
                            count=len(first.tokens))
    total_tokens = int(first.counts.sum())
    oov_tokens = int(vocab.counts[UNK_INDEX])
    drop = config.oov == "drop"
    kept_tokens = total_tokens - oov_tokens if drop else total_tokens
    ensure_free_space(staging, corpus_bytes(vocab, kept_tokens, first.sentences, drop), "the corpus files")
    words = np.array(vocab.tokens, dtype=object)
    written = sentences = 0
    bar = progress.bar(first.sentences, "writing corpus", unit="sent")
    line_source = open(first.line_numbers_path, "rb") if first.line_numbers_path else None
    with open(first.ids_path, "rb") as provisional, open(first.lengths_path, "rb") as lengths_file, \
            closing(NpyStreamWriter(staging / IDS_NAME, np.uint32)) as ids_out, \
            closing(NpyStreamWriter(staging / OFFSETS_NAME, np.int64)) as offsets_out, \
            closing(NpyStreamWriter(staging / LINES_NAME, np.int64)) as lines_out, \
            open(staging / TEXT_NAME, "w", encoding="utf-8", newline="\n") as text:
        preallocate(ids_out.handle, NpyStreamWriter.HEADER_BYTES + 4 * kept_tokens, staging / IDS_NAME)
        offsets_out.write(np.zeros(1, dtype=np.int64))
        for chunk_lengths in _sentence_chunks(lengths_file):
            bar.update(len(chunk_lengths))
            chunk = remap[np.fromfile(provisional, dtype=np.uint32, count=int(chunk_lengths.sum()))]
            chunk_lines = np.fromfile(line_source, dtype=np.int64, count=len(chunk_lengths)) if line_source else None
            if drop:
                keep = chunk != UNK_INDEX
                sentence_of_token = np.repeat(np.arange(len(chunk_lengths)), chunk_lengths)
                chunk_lengths = np.bincount(sentence_of_token[keep], minlength=len(chunk_lengths))
                chunk = chunk[keep]
                chunk_lines = chunk_lines[chunk_lengths > 0] if chunk_lines is not None else None
                chunk_lengths = chunk_lengths[chunk_lengths > 0]
            if chunk_lines is not None:
                lines_out.write(chunk_lines)
            ids_out.write(chunk)
            ends = np.cumsum(chunk_lengths)
            offsets_out.write(ends + written)
            token_text = words[chunk].tolist()
            bounds = np.concatenate([[0], ends]).tolist()
            text.write("".join(" ".join(token_text[s:e]) + "\n" for s, e in zip(bounds[:-1], bounds[1:])))
            written += len(chunk)
            sentences += len(chunk_lengths)
    bar.close()
    if line_source is not None:
        line_source.close()
        first.line_numbers_path.unlink()
    else:  # a caller that recorded no input lines
        (staging / LINES_NAME).unlink()
    first.ids_path.unlink()
    first.lengths_path.unlink()
    return {
        "lines": first.lines,
        "sentences": sentences,
        "tokens": total_tokens,
        "tokens_written": written,
        "types_seen": len(first.tokens),
        "vocab_size": len(vocab),
        "oov_tokens": oov_tokens,
        "oov_rate": round(oov_tokens / total_tokens, 6) if total_tokens else 0.0,
        "undecodable_bytes": first.bad_bytes,
        "stopwords_removed": first.stopwords_removed,
    }
