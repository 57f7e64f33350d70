"""`preprocess --engine spark`: the local preprocess stage with tokenizing and counting on Spark.

What runs where, and why the artifacts are byte-identical to the local engine's:

1. executors read raw line *bytes* (Spark's text source split on "\\n" only and
   cast to binary, so nothing is decoded by Java) and tokenize them with the
   local engine's own `embcli.corpus.encoding.LineEncoder` (same decoding with
   replace-and-count, same `make_tokenizer`, same stop words);
2. token counts are summed with `reduceByKey`; executors keep only tokens with
   `count >= min_count` and send the rest as one sum, which becomes `<unk>`'s
   count, so `build_vocabulary` on the driver sees exactly the local totals
   and orders ties the same way;
3. executors map tokens to final ids (the vocabulary is broadcast), the chunks
   are sorted by (input position, file, split offset, chunk number) — input
   order, whatever order Spark packed files into partitions — and streamed to
   the driver, which writes `ids.npy`, `offsets.npy` and `corpus.txt` with the
   local engine's own writer (`embcli.preprocessing.write_corpus_files`),
   with `lines.npy` (each sentence's input line, which doc2vec's `doctags.tsv`
   needs) numbered as the local engine numbers them: the last line of a plain
   local file without a final newline shares its number with the next input's
   first line (Spark cannot tell this for compressed or remote inputs, whose
   last line always counts as a line of its own).

Which inputs Spark reads, and the order key of each chunk: `embcli.spark.inputs`.
"""

from __future__ import annotations

import operator
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import staged_directory, write_manifest
from embcli.config import PreprocessConfig, as_dict
from embcli.corpus.encoding import LineEncoder
from embcli.corpus.stopword_file import store_stopwords
from embcli.corpus.token_corpus import CORPUS_KIND, IDS_NAME, LINES_NAME, OFFSETS_NAME, TEXT_NAME, VOCAB_NAME, \
    split_ids_into_shards
from embcli.corpus.tokenize import TokenizerSpec, load_stopwords, make_tokenizer
from embcli.corpus.vocabulary import UNK, Vocabulary, build_vocabulary, write_vocabulary
from embcli.errors import ConfigError, InputError
from embcli.progress import SILENT, Progress
from embcli.spark.inputs import InputGroup, chunk_order_key, plan_input_groups, read_lines
from embcli.spark.session import SparkSettings, describe_session, require_spark, spark_job, spark_session

CHUNK_BYTES = 1 << 21  # raw text per tokenized chunk (as the local engine's chunks)
SHARD_TOKENS = 1 << 30  # ids per shard file when the corpus is larger (4 GiB of uint32)


# ---------------------------------------------------------------------------
# executor side (module-level functions: Spark pickles them by reference)


def tokenize_partition(rows: Iterable[Any], spec: TokenizerSpec, groups: list[InputGroup],
                       chunk_bytes: int) -> Iterator[tuple[tuple, Any]]:
    """Rows of one partition -> (order key, EncodedChunk), one chunk per ~chunk_bytes of one file split.

    The key (input position, path, split start, chunk number) sorts chunks into
    input order; rows of one split are contiguous and in file order within a partition.
    """
    encode_lines = LineEncoder(spec)
    current: tuple | None = None
    lines: list[bytes] = []
    size = chunk_number = 0
    for row in rows:
        split = (row.group, row.path, row.start)
        if split != current:
            if lines:
                yield chunk_order_key(current, chunk_number, groups), encode_lines(lines)
            current, lines, size, chunk_number = split, [], 0, 0
        line = bytes(row.line) + b"\n"  # the local reader keeps the newline; tokenizers see the same text
        lines.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield chunk_order_key(current, chunk_number, groups), encode_lines(lines)
            lines, size, chunk_number = [], 0, chunk_number + 1
    if lines:
        yield chunk_order_key(current, chunk_number, groups), encode_lines(lines)


def chunk_token_counts(item: tuple[tuple, Any]) -> Iterator[tuple[str, int]]:
    _, chunk = item
    return zip(chunk.tokens, np.bincount(chunk.ids, minlength=len(chunk.tokens)).tolist())


def chunk_totals(item: tuple[tuple, Any]) -> tuple[int, ...]:
    """(lines, sentences, tokens, undecodable bytes, stop words removed) of one chunk."""
    _, chunk = item
    return chunk.lines, len(chunk.lengths), len(chunk.ids), chunk.bad_bytes, chunk.stopwords_removed


def add_tuples(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b))


def summarise_counts(pairs: Iterable[tuple[str, int]], min_count: int) -> Iterator[tuple[int, int, list]]:
    """One partition of reduced counts -> (distinct types, count of the trimmed ones, kept (token, count))."""
    types = trimmed = 0
    kept = []
    for token, count in pairs:
        types += 1
        if count >= min_count and token != UNK:
            kept.append((token, count))
        else:
            trimmed += count
    yield types, trimmed, kept


def encode_chunk(item: tuple[tuple, Any], index: Any) -> tuple[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    """(key, EncodedChunk) -> (key, (final uint32 ids, sentence lengths, chunk-local line numbers, lines)).

    Tokens out of vocabulary -> 0.
    """
    key, chunk = item
    final = index.value
    lookup = np.fromiter((final.get(token, 0) for token in chunk.tokens), dtype=np.uint32, count=len(chunk.tokens))
    return key, (lookup[chunk.ids], chunk.lengths, chunk.line_numbers, chunk.line_ends)


# ---------------------------------------------------------------------------
# the stage


@dataclass
class SparkVocabulary:
    vocab: Vocabulary
    types_seen: int
    lines: int
    sentences: int
    tokens: int
    bad_bytes: int
    stopwords_removed: int


def preprocess_on_spark(inputs: list[str], output: Path, config: PreprocessConfig, settings: SparkSettings, *,
                        force: bool = False, progress: Progress = SILENT,
                        shard_tokens: int | None = None) -> dict[str, Any]:
    """Tokenize `inputs` on Spark into a corpus directory identical to `preprocess_corpus`'s; return its manifest.

    `shard_tokens` writes the ids as `ids-00000.npy`, ... of at most that many
    tokens each (default: one `ids.npy` up to SHARD_TOKENS tokens, shards beyond).
    """
    started = time.perf_counter()
    if getattr(config, "hash_buckets", None):
        raise ConfigError("--hash-buckets is not available with --engine spark; use --engine local")
    if shard_tokens is not None and shard_tokens < 1:
        raise ConfigError(f"--shard-tokens must be at least 1, got {shard_tokens}")
    require_spark()
    groups, input_records = plan_input_groups(inputs)
    stopwords = load_stopwords(config.stopwords, lowercase=config.lowercase, nfkc=config.nfkc)
    spec = TokenizerSpec(config.tokenizer, config.token_pattern, config.lowercase, config.nfkc, stopwords)
    make_tokenizer(spec)  # fail now (bad pattern, missing jieba), not on an executor

    with staged_directory(output, force=force, kind=CORPUS_KIND, inputs=tuple(inputs)) as staging, spark_session(settings) as spark, spark_job("preprocess"):
        from pyspark import StorageLevel

        chunks = read_lines(spark, groups).rdd.mapPartitions(
            partial(tokenize_partition, spec=spec, groups=groups, chunk_bytes=CHUNK_BYTES))
        chunks.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            progress.note(f"spark: tokenizing and counting on {spark.sparkContext.master}")
            counted = count_vocabulary(chunks, config)
            tokenized = time.perf_counter()
            progress.note(f"spark: {counted.tokens:,} tokens, {counted.types_seen:,} types, vocabulary "
                          f"{len(counted.vocab):,} in {tokenized - started:.1f}s")
            collect_ids(spark, chunks, counted, staging, progress, unterminated_files(groups))
        finally:
            chunks.unpersist()
        counts = write_collected_corpus(staging, counted, config, progress)
        files: dict[str, Any] = {"ids": IDS_NAME, "offsets": OFFSETS_NAME, "lines": LINES_NAME, "text": TEXT_NAME,
                                 "vocab": VOCAB_NAME,
                                 **store_stopwords(staging, stopwords)}
        limit = shard_tokens if shard_tokens is not None else SHARD_TOKENS
        if counts["tokens_written"] > limit or shard_tokens is not None:
            files["ids"] = split_ids_into_shards(staging, limit)
        finished = time.perf_counter()
        return write_manifest(
            staging,
            CORPUS_KIND,
            config=as_dict(config),
            inputs=input_records,
            counts=counts,
            files=files,
            engine=describe_session(spark) | {"input_partitions": chunks.getNumPartitions()},
            timings={"tokenize_seconds": round(tokenized - started, 3),
                     "index_write_seconds": round(finished - tokenized, 3),
                     "wall_seconds": round(time.perf_counter() - started, 3)},
        )


def count_vocabulary(chunks: Any, config: PreprocessConfig) -> SparkVocabulary:
    """Distributed count -> trim on executors -> order on the driver with `build_vocabulary`."""
    totals = chunks.map(chunk_totals).fold((0, 0, 0, 0, 0), add_tuples)
    lines, sentences, tokens, bad_bytes, removed = totals
    summaries = (chunks.flatMap(chunk_token_counts).reduceByKey(operator.add)
                 .mapPartitions(partial(summarise_counts, min_count=config.min_count)).collect())
    types_seen = sum(types for types, _, _ in summaries)
    if types_seen == 0:
        raise InputError(f"no tokens found in the input ({lines} lines read); check the files and --tokenizer")
    counts: dict[str, int] = {UNK: sum(trimmed for _, trimmed, _ in summaries)}
    for _, _, kept in summaries:
        counts.update(kept)
    vocab = build_vocabulary(counts, min_count=config.min_count, max_vocab=config.max_vocab)
    if len(vocab) == 1:
        raise InputError(
            f"the vocabulary is empty after --min-count {config.min_count}: no token of the {types_seen} distinct "
            f"ones occurs that often; lower --min-count"
        )
    return SparkVocabulary(vocab, types_seen, lines, sentences, tokens, bad_bytes, removed)


def unterminated_files(groups: list[InputGroup]) -> set[tuple]:
    """File keys (`chunk_order_key(...)[:3]`) of plain local inputs whose last line has no final newline."""
    keys = set()
    for number, group in enumerate(groups):
        for path, rank in ([] if group.remote else group.ranks.items()):
            if path.endswith((".gz", ".bz2")) or not os.path.getsize(path):
                continue
            with open(path, "rb") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    keys.add((number, rank, ""))
    return keys


def collect_ids(spark: Any, chunks: Any, counted: SparkVocabulary, staging: Path, progress: Progress,
                unterminated: set[tuple]) -> None:
    """Encode chunks on executors, sort them into input order, stream them into the driver's temp files.

    Line numbers count over all inputs in order; a file in `unterminated` gives
    its last line's number to the next input's first line, as the local engine does.
    """
    index = spark.sparkContext.broadcast(counted.vocab.index())
    try:
        ordered = chunks.map(partial(encode_chunk, index=index)).sortByKey(numPartitions=chunks.getNumPartitions())
        bar = progress.bar(counted.tokens, "collecting ids", unit="tok")
        input_lines, current_file = 0, None
        with open(staging / "ids.provisional", "wb") as ids_file, open(staging / "lengths.provisional", "wb") as lengths_file, \
                open(staging / "lines.provisional", "wb") as lines_file:
            for key, (ids, lengths, line_numbers, line_ends) in ordered.toLocalIterator():
                if key[:3] != current_file:
                    input_lines -= current_file in unterminated
                    current_file = key[:3]
                ids.tofile(ids_file)
                lengths.tofile(lengths_file)
                (line_numbers + input_lines).astype(np.int64).tofile(lines_file)
                input_lines += line_ends
                bar.update(len(ids))
        bar.close()
    finally:
        index.unpersist()


def write_collected_corpus(staging: Path, counted: SparkVocabulary, config: PreprocessConfig,
                       progress: Progress) -> dict[str, Any]:
    """ids.npy, offsets.npy, corpus.txt and vocab.tsv with the local engine's writer.

    The temp ids already hold final ids, so the writer's provisional -> final
    remap is the identity (its provisional vocabulary is the final one).
    """
    from embcli.preprocessing import FirstPass, write_corpus_files

    first = FirstPass(tokens=counted.vocab.tokens, counts=counted.vocab.counts, ids_path=staging / "ids.provisional",
                      lengths_path=staging / "lengths.provisional", lines=counted.lines,
                      line_numbers_path=staging / "lines.provisional",
                      sentences=counted.sentences, bad_bytes=counted.bad_bytes,
                      stopwords_removed=counted.stopwords_removed)
    counts = write_corpus_files(staging, first, counted.vocab, config, progress)
    counts["types_seen"] = counted.types_seen
    write_vocabulary(staging / VOCAB_NAME, counted.vocab)
    return counts
