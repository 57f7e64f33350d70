"""`embcli neighbors`, `similarity`, `analogy`, `doesnt-match`: query vectors from the shell.

Every command reads its words as the model's corpus was tokenized (so `King`
finds `king`); `-` in place of the words reads one query per line from stdin
and answers each as soon as it can (queries already waiting are answered
together, in one scan of the matrix). A query that fails (an unknown word) is
reported in place — inline in the table, `{"query": ..., "error": ...}` in
JSON — the others are answered, and the exit status is 1 at the end.

These commands import no JIT: loading vectors and numpy's products is all they need.
"""

from __future__ import annotations

import json
import os
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from embcli.cli.group import main
from embcli.display import pad
from embcli.cli.options import option
from embcli.cli.common import echo_status, handle_errors, json_option, quiet_option
from embcli.cli.evaluate import vectors_argument, vocab_option
from embcli.errors import EmbcliError

STDIN_BATCH = 256  # queries answered together when that many are already waiting

top_k_option = click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True,
                            help="How many words to show.")
restrict_option = option("--restrict-vocab", type=click.IntRange(min=1), default=None, show_default="all",
                         help="Answer only among the N most frequent words.")
jsonl_option = click.option("--jsonl", "as_jsonl", is_flag=True,
                            help="One JSON object per query and line, written as each is answered (for stdin).")


class FailedQueries(EmbcliError):
    """Some queries could not be answered (each was reported where its answer would be)."""


def _load(vectors: Path, vocab_path: Path | None) -> Any:
    from embcli.embeddings import load_embeddings

    return load_embeddings(vectors, vocab_path=vocab_path)


def stdin_batches(stream: BinaryIO | None = None, limit: int = STDIN_BATCH) -> Iterator[list[str]]:
    """Lines of stdin in batches: waits for one line, then takes the lines already waiting (up to `limit`)."""
    stream = stream or sys.stdin.buffer
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:  # an in-memory stream: everything is already there
        lines = [line.decode("utf-8", errors="replace").rstrip("\r\n") for line in stream]
        for start in range(0, len(lines), limit):
            yield lines[start : start + limit]
        return
    pending, finished = b"", False
    while pending or not finished:
        while b"\n" not in pending and not finished:
            chunk = os.read(fd, 1 << 16)
            pending, finished = pending + chunk, not chunk
        while not finished and pending.count(b"\n") < limit and select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 1 << 16)
            pending, finished = pending + chunk, not chunk
        lines = pending.split(b"\n")
        pending = lines.pop() if not finished else b""
        if finished and lines and not lines[-1]:
            lines.pop()
        decoded = [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]
        for start in range(0, len(decoded), limit):
            yield decoded[start : start + limit]


def _query_batches(words: tuple[str, ...]) -> Iterator[list[str]]:
    """The command line's queries as one batch, `-` replaced by stdin's lines."""
    given = [word for word in words if word != "-"]
    if given:
        yield given
    if "-" in words:
        yield from stdin_batches()


class Reporter:
    """Writes answers as a table, one JSON document (at the end) or JSON Lines (as they come)."""

    def __init__(self, as_json: bool, as_jsonl: bool, quiet: bool, noun: str = "queries") -> None:
        self.as_json, self.as_jsonl, self.quiet, self.noun = as_json, as_jsonl, quiet, noun
        self.single = False  # True when the run is one query from the command line
        self.records: list[dict[str, Any]] = []
        self.failed = 0
        self.total = 0

    def add(self, record: dict[str, Any], text_lines: list[str], notes: list[str] = ()) -> None:
        if self.single and "error" in record and not (self.as_json or self.as_jsonl):
            raise FailedQueries(record["error"])  # the one query asked failed: a plain one-line error
        self.total += 1
        self.failed += "error" in record
        if self.as_jsonl:
            click.echo(json.dumps(record, ensure_ascii=False))
        elif self.as_json:
            self.records.append(record)
        elif text_lines:
            click.echo("\n".join(text_lines))
        for note in notes if not self.quiet else ():
            echo_status(f"note: {note}")

    def finish(self) -> None:
        if self.as_json and not self.as_jsonl:
            click.echo(json.dumps(self.records, indent=2, ensure_ascii=False))
        if self.failed:
            raise FailedQueries(f"{self.failed} of {self.total} {self.noun} could not be answered (see above)")


def _neighbor_lines(answer: Any) -> list[str]:
    if answer.error is not None:
        return [f"{answer.query}:", f"  error: {answer.error}"]
    return [f"{answer.query}:"] + [f"  {rank:>3}. {pad(word, 24)} {score:.4f}"
                                   for rank, (word, score) in enumerate(answer.neighbors, start=1)]


@main.command("neighbors")
@vectors_argument
@click.argument("words", nargs=-1)
@click.option("--positive", "positive", multiple=True, help="A word the answers should be near; repeatable.")
@click.option("--negative", "negative", multiple=True, help="A word the answers should be far from; repeatable.")
@click.option("--cosmul", is_flag=True, help="Rank by 3CosMul (Levy & Goldberg) instead of the cosine of the mean.")
@restrict_option
@top_k_option
@click.option("--approx", "approx", type=click.Path(path_type=Path), default=None,
              help="Answer from this approximate index (made by `embcli index VECTORS`): faster, may miss a neighbour.")
@json_option
@jsonl_option
@vocab_option
@quiet_option
@handle_errors
def neighbors_command(vectors: Path, words: tuple[str, ...], positive: tuple[str, ...], negative: tuple[str, ...],
                      cosmul: bool, restrict_vocab: int | None, k: int, approx: Path | None, as_json: bool,
                      as_jsonl: bool, vocab_path: Path | None, quiet: bool) -> None:
    """The K nearest words to each WORD, or to an expression such as "king - man + woman".

    Each WORD is a query (a word, several words for their mean, or an expression);
    --positive/--negative words are added to every query, or form a query of their
    own when no WORD is given. `-` reads one query per line from stdin (as fastText's
    `nn`), answering each as it arrives. Words are normalised as the model's corpus
    was (`King` finds `king`); a word its tokenizer splits into several tokens is
    answered for the mean of their vectors, with a note saying so.

    \b
    Examples:
      embcli neighbors work/sg paris king
      embcli neighbors work/sg "king - man + woman" -k 5
      embcli neighbors work/sg --positive king --positive woman --negative man --cosmul
      cut -f1 words.txt | embcli neighbors work/sg - --jsonl
      embcli neighbors work/sg paris --approx work/sg-index
    """
    from embcli.ann_index import load_index
    from embcli.evaluation.neighbors import QueryReader, answer_texts

    if approx is not None and (cosmul or restrict_vocab is not None):
        raise click.UsageError("--approx answers cosine queries over the whole vocabulary; drop --cosmul/--restrict-vocab")
    embeddings = _load(vectors, vocab_path)
    index = load_index(approx, embeddings) if approx is not None else None
    reader = QueryReader(embeddings)
    batches = _query_batches(words) if words else iter([[""]]) if positive or negative else None
    if batches is None:
        raise click.UsageError("give a WORD, an expression, --positive/--negative words, or - to read stdin")
    report = Reporter(as_json, as_jsonl, quiet)
    report.single = "-" not in words and len(words) <= 1
    for texts in batches:
        for answer in answer_texts(embeddings, texts, reader=reader, topn=k, restrict_vocab=restrict_vocab,
                                   cosmul=cosmul, positive=positive, negative=negative, index=index):
            if not answer.query:
                answer.query = " ".join([*positive, *(f"- {word}" for word in negative)])
            report.add(answer.as_dict(), _neighbor_lines(answer), answer.notes)
    report.finish()


@main.command("analogy")
@vectors_argument
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("--cosmul", is_flag=True, help="Rank by 3CosMul instead of 3CosAdd.")
@restrict_option
@top_k_option
@json_option
@vocab_option
@quiet_option
@handle_errors
def analogy_command(vectors: Path, a: str, b: str, c: str, cosmul: bool, restrict_vocab: int | None, k: int,
                    as_json: bool, vocab_path: Path | None, quiet: bool) -> None:
    """A is to B as C is to ?: the K words nearest to B - A + C (3CosAdd, or --cosmul).

    \b
    Examples:
      embcli analogy work/sg man king woman     # -> queen, ...
    """
    from embcli.evaluation.neighbors import answer_texts

    embeddings = _load(vectors, vocab_path)
    answer, = answer_texts(embeddings, [f"{b} - {a} + {c}"], topn=k, restrict_vocab=restrict_vocab, cosmul=cosmul)
    if answer.error is not None:
        raise FailedQueries(answer.error)
    for note in answer.notes if not quiet else ():
        echo_status(f"note: {note}")
    if as_json:
        click.echo(json.dumps({"a": a, "b": b, "c": c, **answer.as_dict()}, indent=2, ensure_ascii=False))
        return
    click.echo(f"{a} : {b} :: {c} : ?")
    click.echo("\n".join(_neighbor_lines(answer)[1:]))


@main.command("similarity")
@vectors_argument
@click.argument("words", nargs=-1, required=True)
@json_option
@jsonl_option
@vocab_option
@quiet_option
@handle_errors
def similarity_command(vectors: Path, words: tuple[str, ...], as_json: bool, as_jsonl: bool,
                       vocab_path: Path | None, quiet: bool) -> None:
    """The cosine of WORD1 and WORD2; with `-`, of each `word1<TAB>word2` line of stdin.

    \b
    Examples:
      embcli similarity work/sg king queen           # -> 0.7213
      cut -f1,2 wordsim.tsv | embcli similarity work/sg - > cosines.tsv
    """
    from embcli.evaluation.neighbors import QueryReader, similarity_of

    if words != ("-",) and len(words) != 2:
        raise click.UsageError("give two words, or - to read word1<TAB>word2 lines from stdin")
    reader = QueryReader(_load(vectors, vocab_path))
    report = Reporter(as_json, as_jsonl, quiet)
    report.single = words != ("-",)
    batches = stdin_batches() if words == ("-",) else iter([["\t".join(words)]])
    for lines in batches:
        for line in lines:
            pair = line.split("\t") if "\t" in line else line.split()
            record: dict[str, Any] = {"query": line}
            try:
                if len(pair) != 2:
                    raise EmbcliError(f"expected word1<TAB>word2, found {len(pair)} field(s)")
                score = similarity_of(reader, *pair)
                record = {"word1": pair[0], "word2": pair[1], "similarity": score}
                text = f"{score:.4f}" if words != ("-",) else f"{pair[0]}\t{pair[1]}\t{score:.4f}"
            except EmbcliError as exc:
                record["error"] = str(exc)
                text = f"{line}\terror: {exc}"
            report.add(record, [text])
    report.finish()


@main.command("doesnt-match")
@vectors_argument
@click.argument("words", nargs=-1, required=True)
@json_option
@vocab_option
@quiet_option
@handle_errors
def doesnt_match_command(vectors: Path, words: tuple[str, ...], as_json: bool, vocab_path: Path | None,
                         quiet: bool) -> None:
    """The WORD that fits least with the others (farthest from their mean); `-` reads one list per line.

    \b
    Examples:
      embcli doesnt-match work/sg breakfast cereal dinner lunch   # -> cereal
    """
    from embcli.evaluation.neighbors import QueryReader, odd_one_out

    reader = QueryReader(_load(vectors, vocab_path))
    report = Reporter(as_json, False, quiet)
    report.single = words != ("-",)
    lists = [[" ".join(words)]] if words != ("-",) else stdin_batches()
    for lines in lists:
        for line in lines:
            try:
                odd = odd_one_out(reader, line.split())
                report.add({"query": line.split(), "doesnt_match": odd}, [odd])
            except EmbcliError as exc:
                report.add({"query": line.split(), "error": str(exc)}, [f"{line}\terror: {exc}"])
    report.finish()


# ---------------------------------------------------------------------------
# `embcli vectors` (its command is in embcli.cli.vectors): lines, notes, records, stdin


def vector_line(word: str, vector: Any) -> str:
    """word2vec text: the word and `%.9g` values (which read back as the same float32)."""
    return word + " " + " ".join(f"{value:.9g}" for value in vector.tolist())


def vector_note(reader: Any, word: str, vector: Any, source: str, tokens: list[str] | None) -> str | None:
    if tokens:
        return f"'{word}' is read as {' + '.join(tokens)} (the mean of their vectors)"
    if source != "vocab":
        return f"'{word}' is not in the vocabulary; its vector comes from {reader.embeddings.resolver.description}"
    return None


def vector_record(word: str, vector: Any, source: str, tokens: list[str] | None) -> dict[str, Any]:
    return {"word": word, "source": source, "vector": vector.tolist(), **({"tokens": tokens} if tokens else {})}


def print_stdin_vectors(reader: Any, as_json: bool, quiet: bool) -> None:
    """Each whitespace-separated word of stdin, printed as it arrives; unknown words reported and counted."""
    report = Reporter(False, as_json, quiet, noun="words")
    for lines in stdin_batches():
        for word in (word for line in lines for word in line.split()):
            try:
                found = (word, *reader.raw_vector(word))
            except EmbcliError as exc:
                report.add({"query": word, "error": str(exc)}, [])
                echo_status(f"error: {exc}")
                continue
            note = vector_note(reader, *found)
            report.add(vector_record(*found), [vector_line(word, found[1])], [note] if note else [])
    report.finish()
