"""`embcli vectors`: print the vectors of words, including unseen ones when the model can build them."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.common import echo_json, handle_errors, json_option, quiet_option


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
    is noted on stderr, or given as "source" with --json.

    \b
      embcli vectors work/ft cat unseenword
      embcli vectors work/ft cat --json
    """
    from embcli.embeddings import load_embeddings

    embeddings = load_embeddings(model)
    found = [(word, *embeddings.lookup(word)) for word in words]  # every word resolved before anything is printed
    if as_json:
        echo_json([{"word": word, "source": source, "vector": vector.tolist()} for word, vector, source in found])
        return
    for word, vector, source in found:
        click.echo(word + " " + " ".join(f"{value:.9g}" for value in vector.tolist()))
        if source != "vocab" and not quiet:
            click.echo(f"note: '{word}' is not in the vocabulary; its vector comes from "
                       f"{embeddings.resolver.description}", err=True)  # type: ignore[union-attr]
