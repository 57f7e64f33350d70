"""`embcli cooccur`: a corpus directory in, a co-occurrence matrix directory out."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.spark_options import engine_option, pop_spark_settings, spark_options
from embcli.cli.common import echo_json, force_option, handle_errors, json_option, output_option, progress_from, quiet_option, workers_option


@main.command("cooccur")
@click.argument("corpus", type=click.Path(path_type=Path))
@output_option()
@click.option("--window", type=int, default=None, help="Max distance between counted words; distance d adds 1/d [10].")
@click.option("--asymmetric", is_flag=True, default=None,
              help="Count each pair once as (left word, right word), Stanford's -symmetric 0 [symmetric].")
@click.option("--keep-unk", is_flag=True, default=None,
              help="Count <unk> as a word [OOV tokens are removed before windows form, as Stanford's cooccur].")
@click.option("--memory-mb", type=float, default=None,
              help="Memory for counting buffers and in-memory runs; past it sorted runs spill to disk [384].")
@click.option("--config", "config_file", default=None, help="TOML file of cooccur options (a [cooccur] section or top level).")
@engine_option
@spark_options
@workers_option
@force_option
@quiet_option
@json_option
@handle_errors
def cooccur_command(corpus: Path, output: Path, config_file: str | None, force: bool, quiet: bool, as_json: bool,
                    **options: object) -> None:
    """Count word co-occurrences in CORPUS (a directory made by `embcli preprocess`).

    Writes rows.npy, cols.npy (int32 word ids), values.npy (float64 weighted
    counts), sorted by (row, col), plus vocab.tsv and manifest.json into OUTPUT.
    `embcli train --model glove` does this itself and caches the result.
    """
    from embcli.config import CooccurConfig, build_config
    from embcli.cooccurrence import count_cooccurrences
    from embcli.corpus.token_corpus import load_token_corpus

    spark = pop_spark_settings(options, str(options.pop("engine")))
    config = build_config(CooccurConfig, config_file=config_file, section="cooccur", overrides=options)
    if spark is not None:
        from embcli.spark.cooccur import cooccur_on_spark

        manifest = cooccur_on_spark(load_token_corpus(corpus), output, config, spark, force=force,
                                    progress=progress_from(quiet))
    else:
        manifest = count_cooccurrences(load_token_corpus(corpus), output, config, force=force,
                                       progress=progress_from(quiet))
    counts = manifest["counts"]
    if as_json:
        echo_json({"output": str(output), "counts": counts, "spill": manifest.get("spill"), "engine": manifest.get("engine"),
                   "timings": manifest["timings"]})
    elif not quiet:
        click.echo(f"Wrote {output}: {counts['nnz']:,} nonzeros over {counts['vocab_size']:,} words "
                   f"in {manifest['timings']['wall_seconds']:.1f}s", err=True)
