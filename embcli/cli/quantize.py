"""`embcli quantize`: a vectors directory in, a smaller `quantized` directory out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.cli.common import echo_json, force_option, handle_errors, json_option, output_option, progress_from, quiet_option, workers_option
from embcli.cli.evaluate import vectors_argument, vocab_option


@main.command("quantize")
@vectors_argument
@output_option()
@option("--method", type=click.Choice(["int8", "pq"]), default=None, show_default="int8",
        help="int8: 1 byte per value + scales; pq: product quantization, 1 byte per sub-space.")
@option("--scale", type=click.Choice(["row", "dim"]), default=None, show_default="row",
        help="int8: one scale per word (row) or per dimension.")
@option("--subspaces", type=int, default=None, show_default="sub-spaces of 4 dims",
        help="pq: number of sub-spaces M, a divisor of the dimension.")
@option("--iterations", type=int, default=None, show_default="20", help="pq: k-means iterations.")
@option("--train-rows", type=int, default=None, show_default="100000", help="pq: fit k-means on at most N rows.")
@option("--seed", type=int, default=None, show_default="1", help="pq: k-means seed.")
@workers_option
@click.option("--eval/--no-eval", "run_eval", default=True, show_default=True,
              help="Score original and quantized vectors on the standard suite and print the drop.")
@vocab_option
@force_option
@quiet_option
@json_option
@handle_errors
def quantize_command(vectors: Path, output: Path, run_eval: bool, vocab_path: Path | None, force: bool, quiet: bool,
                     as_json: bool, **options: Any) -> None:
    """Compress VECTORS into OUTPUT (codes + scales or codebooks, vocab.tsv, manifest.json).

    eval, neighbors, analogy, embed and plot read OUTPUT directly (it is
    dequantized to float32 on load). Prints the size before and after and,
    unless --no-eval, the score change on the standard evaluation suite.

    \b
    Examples:
      embcli quantize work/sg -o work/sg-int8
      embcli quantize work/sg -o work/sg-pq --method pq --subspaces 25
    """
    from embcli.config import EvalConfig, QuantizeConfig, build_config
    from embcli.evaluation.quantization_drop import evaluation_drop
    from embcli.quantization.stage import quantize_vectors
    from embcli.embeddings import load_embeddings

    config = build_config(QuantizeConfig, overrides=options)
    progress = progress_from(quiet)
    manifest = quantize_vectors(vectors, output, config, vocab_path=vocab_path, force=force, progress=progress)
    drop = None
    if run_eval:
        progress.note("scoring the original and the quantized vectors on the standard suite")
        eval_config = EvalConfig(workers=config.workers)
        drop = evaluation_drop(load_embeddings(vectors, vocab_path=vocab_path), load_embeddings(output),
                               eval_config=eval_config)
    if as_json:
        echo_json({"output": str(output), "method": manifest["method"], "parameters": manifest["parameters"],
                   "sizes": manifest["sizes"], "reconstruction": manifest["reconstruction"], "eval": drop})
        return
    sizes = manifest["sizes"]
    click.echo(f"Wrote {output}: {manifest['method']} ({_describe(manifest['parameters'])})")
    click.echo(f"size: {_megabytes(sizes['source_bytes'])} -> {_megabytes(sizes['quantized_bytes'])} "
               f"({sizes['ratio']:.1f}x smaller); mean cosine to the original rows "
               f"{manifest['reconstruction']['mean_row_cosine']:.4f}")
    if drop is not None:
        click.echo(render_drop(drop))


def render_drop(drop: dict[str, list[dict[str, Any]]]) -> str:
    """The before/after table: Spearman for similarity, accuracy (in %) for analogies."""
    lines = [f"{'standard suite':<28}{'original':>10}{'quantized':>11}{'change':>10}"]
    for row in drop["similarity"]:
        lines.append(_drop_row(f"{row['name']} Spearman", row, scale=1.0, digits=4))
    for row in drop["analogy"]:
        lines.append(_drop_row(f"{row['name']} {row['measure']} %", row, scale=100.0, digits=2))
    return "\n".join(lines)


def _drop_row(label: str, row: dict[str, Any], *, scale: float, digits: int) -> str:
    def shown(value: float | None, sign: str = "") -> str:
        return "-" if value is None else f"{scale * value:{sign}.{digits}f}"

    return f"{label:<28}{shown(row['original']):>10}{shown(row['quantized']):>11}{shown(row['delta'], '+'):>10}"


def _describe(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in parameters.items())


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.2f} MiB"
