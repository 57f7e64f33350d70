"""`embcli export`: vectors as safetensors, npy, word2vec, GloVe, TensorBoard projector or fastText `.bin` files."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.cli.common import (echo_json, echo_status, force_option, handle_errors, json_option,
                               output_option, progress_from, quiet_option)
from embcli.cli.evaluate import vectors_argument
from embcli.exporting import EXPORT_FORMATS, PROJECTOR_DEFAULT_TOP


@main.command("export")
@vectors_argument
@output_option(help="Output file (word2vec, word2vec-binary, glove, fasttext-bin) or directory (the others).")
@click.option("--format", "export_format", type=click.Choice(EXPORT_FORMATS), required=True,
              help="safetensors / npy (+ vocab.tsv), word2vec text or binary, glove (no header), "
                   "projector (TensorBoard), fasttext-bin (fastText's load_model; models with subwords).")
@click.option("--padding", is_flag=True,
              help="Prepend an all-zero <pad> row at index 0 (padding_idx=0); every other index grows by one.")
@option("--top", type=click.IntRange(min=1), default=None, show_default=f"all; projector {PROJECTOR_DEFAULT_TOP}",
        help="Keep the first N rows (the most frequent words).")
@click.option("--normalize", is_flag=True, help="Scale every row to unit length.")
@click.option("--dtype", type=click.Choice(["float32", "float16"]), default="float32", show_default=True,
              help="Value type of the written matrix.")
@force_option
@quiet_option
@json_option
@handle_errors
def export_command(vectors: Path, output: Path, export_format: str, padding: bool, top: int | None, normalize: bool,
                   dtype: str, force: bool, quiet: bool, as_json: bool) -> None:
    """Write VECTORS in a format another tool loads; row i stays vocabulary index i (<unk> is 0).

    \b
    Examples:
      embcli export work/sg -o work/sg-st --format safetensors --padding
      embcli export work/sg -o work/projector --format projector --top 5000
      embcli export work/ft -o work/ft.bin --format fasttext-bin
      embcli export cc.en.300.bin -o cc.en.vec --format word2vec --top 200000
    """
    from embcli.exporting import export_embeddings

    result = export_embeddings(vectors, output, export_format, padding=padding, top=top, normalize=normalize,
                               dtype=dtype, force=force, progress=progress_from(quiet))  # type: ignore[arg-type]
    if as_json:
        echo_json(result.as_dict())
    elif not quiet:
        echo_status(f"wrote {result.rows:,} x {result.dim} {result.format} to {result.path}")
