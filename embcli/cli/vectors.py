"""`embcli vectors`: print the vectors of words, including unseen ones when the model can build them."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.common import echo_json, echo_status, handle_errors, json_option, quiet_option


@main.command("vectors")
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("words", nargs=-1, required=True)
@json_option
@quiet_option
@handle_errors
def vectors_command(model: Path, words: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Print the vector of each WORD in MODEL, one `word v1 v2 ...` line each (word2vec text).

    A word outside the vocabulary gets its fastText subword vector (models trained
    with --model fasttext) or its hash bucket's vector (corpora preprocessed with
    --hash-buckets); for other models it is an error. Where each vector came from
    is noted on stderr, or given as "source" with --json. `-` reads words from stdin
    (as fastText's print-word-vectors), printing each vector as its word arrives
    (JSON Lines with --json); an unknown word there is reported and skipped.

    \b
    Examples:
      embcli vectors work/ft cat unseenword
      embcli vectors work/ft cat --json
      cut -f1 words.txt | embcli vectors work/sg -
    """
    from embcli.cli.queries import print_stdin_vectors, vector_line, vector_note, vector_record
    from embcli.embeddings import load_embeddings
    from embcli.evaluation.neighbors import QueryReader

    reader = QueryReader(load_embeddings(model))  # words are read as the corpus was: `King` is `king`
    if words == ("-",):
        print_stdin_vectors(reader, as_json, quiet)
        return
    found = [(word, *reader.raw_vector(word)) for word in words]  # every word resolved before anything is printed
    if as_json:
        echo_json([vector_record(*item) for item in found])
        return
    for item in found:
        click.echo(vector_line(item[0], item[1]))
        note = vector_note(reader, *item)
        if note and not quiet:
            echo_status(f"note: {note}")
