"""`embcli plot`: a labelled 2-D map of word vectors (needs the `plot` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.cli.common import (echo_json, echo_status, force_option, handle_errors, json_option,
                               progress_from, quiet_option)
from embcli.cli.evaluate import vectors_argument, vocab_option


@main.command("plot")
@vectors_argument
@click.argument("words", nargs=-1)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="Image file: .png or .svg.")
@option("--top", type=int, default=None, show_default="50", help="Without WORDs: plot the N most frequent words.")
@option("--method", type=click.Choice(["pca", "tsne"]), default=None, show_default="pca", help="2-D projection.")
@option("--perplexity", type=float, default=None, show_default="30, capped by the word count", help="t-SNE perplexity.")
@option("--seed", type=int, default=None, show_default="1", help="t-SNE seed.")
@vocab_option
@force_option
@quiet_option
@json_option
@handle_errors
def plot_command(vectors: Path, words: tuple[str, ...], output: Path, vocab_path: Path | None, force: bool,
                 quiet: bool, as_json: bool, **options: Any) -> None:
    """Draw WORDS (or the --top N most frequent words) of VECTORS on a 2-D map.

    \b
    Examples:
      embcli plot work/sg -o map.png king queen man woman paris france
      embcli plot work/sg -o map.svg --top 200 --method tsne
    """
    from embcli.config import PlotConfig, build_config
    from embcli.plotting import plot_words
    from embcli.embeddings import load_embeddings

    config = build_config(PlotConfig, overrides=options)
    plotted = plot_words(load_embeddings(vectors, vocab_path=vocab_path), output, config, words, force=force,
                         progress=progress_from(quiet))
    if as_json:
        echo_json(plotted)
    elif not quiet:
        echo_status(f"Wrote {output}: {len(plotted['words'])} words ({config.method})")
