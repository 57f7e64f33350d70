"""`embcli embed`: one vector per line of text, from word vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.cli.common import (echo_json, echo_status, force_option, handle_errors, json_option,
                               progress_from, quiet_option)
from embcli.cli.evaluate import vectors_argument, vocab_option


@main.command("embed")
@vectors_argument
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="Output .npy (float32, one row per input line); settings go to OUTPUT.json beside it.")
@option("--pool", type=click.Choice(["mean", "sum", "sif", "infer"]), default=None, show_default="mean",
        help="mean, sum, sif: frequency-weighted mean minus the first principal component, or infer: a doc2vec "
             "model's inferred document vector.")
@option("--infer-epochs", type=int, default=None, show_default="the model's infer_epochs", help="infer: epochs per text.")
@option("--seed", type=int, default=None, show_default="1",
        help="infer: seed of each text's fresh row; same text + seed, same vector.")
@option("--oov", type=click.Choice(["skip", "unk"]), default=None, show_default="skip",
        help="Unknown tokens are skipped or take the <unk> row.")
@option("--sif-a", type=float, default=None, show_default="1e-3", help="SIF weight parameter a in a / (a + p(w)).")
@click.option("--sif-component", type=str, default=None,
              help="SIF: remove the component saved in an earlier run's OUT.npy.json (same space as that run).")
@option("--batch-lines", type=int, default=None, show_default="8192", help="Lines pooled at a time.")
@vocab_option
@force_option
@quiet_option
@json_option
@handle_errors
def embed_command(vectors: Path, input_path: str, output: Path, vocab_path: Path | None, force: bool, quiet: bool,
                  as_json: bool, **options: Any) -> None:
    """Embed every line of INPUT (a text file, .gz/.bz2/.xz, or - for stdin) with VECTORS.

    Lines are tokenized with the settings of the corpus the vectors were
    trained on (recorded in VECTORS); words outside the vocabulary take the
    model's vector for them when it has one (fastText subwords, hash buckets);
    a line with no known word gives a zero row.

    \b
    Examples:
      embcli embed work/sg sentences.txt -o sentences.npy --pool sif
    """
    from embcli.config import EmbedConfig, build_config
    from embcli.text_vectors import embed_file, sidecar_path

    config = build_config(EmbedConfig, overrides=options)
    result = embed_file(vectors, input_path, output, config, vocab_path=vocab_path, force=force,
                        progress=progress_from(quiet))
    summary = {"output": str(output), "sidecar": str(sidecar_path(output)), "rows": result.lines,
               "empty_rows": result.empty_rows, "tokens": result.tokens, "oov_tokens": result.oov_tokens,
               "resolved_tokens": result.resolved_tokens, "seconds": round(result.seconds, 3)}
    if as_json:
        echo_json(summary)
    elif not quiet:
        resolved = f" ({result.resolved_tokens:,} more resolved by the model)" if result.resolved_tokens else ""
        echo_status(f"Wrote {output}: {result.lines:,} rows ({config.pool}); {result.empty_rows:,} lines had no known "
                   f"word (zero rows); {result.oov_tokens:,} of {result.tokens:,} tokens out of vocabulary{resolved}; "
                   f"{result.seconds:.1f}s")
