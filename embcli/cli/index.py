"""`embcli index`: build an approximate nearest-neighbour index for `neighbors --approx`."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.cli.common import (echo_json, echo_status, force_option, handle_errors, json_option,
                               output_option, progress_from, quiet_option)
from embcli.cli.evaluate import vectors_argument, vocab_option


@main.command("index")
@vectors_argument
@output_option(help="Output directory for the index.")
@option("--lists", type=click.IntRange(min=1), default=None, show_default="square root of the number of rows",
        help="k-means cells the rows are cut into.")
@click.option("--probe", type=click.IntRange(min=1), default=32, show_default=True,
              help="Cells scanned per query: higher finds more of the true neighbours, more slowly.")
@click.option("--train-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Rows sampled to train k-means (at least 39 per cell are used).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the sample and of k-means.")
@vocab_option
@force_option
@quiet_option
@json_option
@handle_errors
def index_command(vectors: Path, output: Path, lists: int | None, probe: int, train_rows: int, seed: int,
                  vocab_path: Path | None, force: bool, quiet: bool, as_json: bool) -> None:
    """Build an approximate index (faiss IVF, cosine) of VECTORS into OUTPUT.

    `embcli neighbors VECTORS WORD --approx OUTPUT` then answers from it; the index
    records the SHA-256 of the vectors and is refused for any others.

    \b
    Examples:
      embcli index work/sg -o work/sg-index
      embcli neighbors work/sg paris --approx work/sg-index
    """
    from embcli.ann_index import INDEX_KIND, IndexConfig, build_index
    from embcli.artifacts import check_output
    from embcli.embeddings import load_embeddings

    config = IndexConfig(lists=lists, probe=probe, train_rows=train_rows, seed=seed)
    check_output(output, force=force, kind=INDEX_KIND, inputs=(vectors,))  # before reading the vectors
    manifest = build_index(load_embeddings(vectors, vocab_path=vocab_path), output, config, force=force,
                           progress=progress_from(quiet))
    if as_json:
        echo_json({"path": str(output), **manifest["counts"], "lists": manifest["config"]["lists"],
                   "seconds": manifest["timings"]["seconds"]})
    elif not quiet:
        echo_status(f"indexed {manifest['counts']['rows']:,} rows in {manifest['config']['lists']:,} cells "
                   f"to {output}")
