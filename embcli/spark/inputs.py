"""What `preprocess --engine spark` reads, and in which order its lines count.

Inputs are local files, directories and globs (expanded as the local engine
does) or anything Spark reads (`hdfs://`, `s3a://`, `file://`), passed
through. Consecutive local inputs become one Spark read; every chunk of lines
gets an order key (input position, path, split start, chunk number), so the
corpus keeps input order whatever order Spark packed files into partitions.
Compressed inputs are decompressed by Spark according to their extension
(.gz, .bz2), so a local file whose content is compressed but whose name does
not say so is refused before the job starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from embcli.artifacts import describe_file
from embcli.corpus.readers import expand_inputs
from embcli.errors import InputError

# Compressions Spark (Hadoop) recognises only by extension; xz has no codec in Spark.
COMPRESSION_MAGIC = ((b"\x1f\x8b", "gzip", (".gz",)), (b"BZh", "bzip2", (".bz2",)), (b"\xfd7zXZ\x00", "xz", ()))


# ---------------------------------------------------------------------------
# what Spark reads, and in which order lines count


@dataclass
class InputGroup:
    """One Spark read: consecutive local files (ranked by position) or one remote spec (ranked by path)."""

    paths: list[str]
    ranks: dict[str, int] = field(default_factory=dict)  # normalised local path -> position in input order
    remote: bool = False


def is_remote(spec: str) -> bool:
    """True for a URI Spark resolves itself (hdfs://, s3a://, file://...)."""
    scheme = urlparse(spec).scheme
    return len(scheme) > 1 and "://" in spec


def normal_path(uri: str) -> str:
    """A file path as Spark reports it (`file:/a%20b`) or as given (`/a b`), in one comparable form."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return os.path.normpath(unquote(parsed.path))
    return uri


def plan_input_groups(inputs: list[str]) -> tuple[list[InputGroup], list[dict[str, Any]]]:
    """Group inputs into Spark reads, in input order; also return the manifest's record of every input."""
    groups: list[InputGroup] = []
    records: list[dict[str, Any]] = []
    for spec in inputs:
        if spec == "-":
            raise InputError("--engine spark cannot read standard input; give files (or hdfs://, s3a:// paths) or use --engine local")
        if is_remote(spec):
            groups.append(InputGroup([spec], remote=True))
            records.append({"path": spec})
            continue
        files = [item.path for item in expand_inputs([spec])]
        for path in files:
            check_spark_readable(path)
        if not groups or groups[-1].remote:
            groups.append(InputGroup([]))
        group = groups[-1]
        for path in files:
            absolute = os.path.abspath(path)
            group.ranks.setdefault(normal_path(absolute), len(records))
            group.paths.append(absolute)
            records.append(describe_file(Path(path)))  # as the local engine records it
    return groups, records


def check_spark_readable(path: str) -> None:
    """Refuse compressed content that Spark would read as plain text (it trusts extensions, not bytes)."""
    with open(path, "rb") as handle:
        head = handle.read(6)
    for magic, kind, extensions in COMPRESSION_MAGIC:
        if head.startswith(magic) and not path.endswith(extensions):
            how = f"rename it to end in {extensions[0]}" if extensions else "decompress it (Spark has no xz codec)"
            raise InputError(f"{path} is {kind}-compressed but Spark picks decompression by file extension; "
                             f"{how} or use --engine local")


def read_lines(spark: Any, groups: list[InputGroup]) -> Any:
    """One DataFrame of (group, path, split start, raw line bytes) over all inputs, in Spark's partition order."""
    from pyspark.sql import functions as F

    frames = []
    for number, group in enumerate(groups):
        frame = spark.read.option("lineSep", "\n").text(group.paths)
        frames.append(frame.select(F.lit(number).alias("group"), F.col("_metadata.file_path").alias("path"),
                                   F.col("_metadata.file_block_start").alias("start"),
                                   F.col("value").cast("binary").alias("line")))
    lines = frames[0]
    for frame in frames[1:]:
        lines = lines.unionAll(frame)
    return lines


def chunk_order_key(split: tuple | None, chunk_number: int, groups: list[InputGroup]) -> tuple:
    """The sort key of chunk `chunk_number` of a file split (group, path, split start): input order."""
    group, path, start = split  # type: ignore[misc]
    info = groups[group]
    if info.remote:
        return (group, 0, path, start, chunk_number)
    rank = info.ranks.get(normal_path(path))
    if rank is None:
        raise RuntimeError(f"internal error: Spark read {path}, which is not among the inputs")
    return (group, rank, "", start, chunk_number)
