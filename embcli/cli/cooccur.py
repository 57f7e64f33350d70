"""`embcli cooccur`: a corpus directory in, a co-occurrence matrix directory out (parse, call, report)."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.common import force_option, handle_errors, json_option, output_option, progress_from, quiet_option
from embcli.cli.options import option, report
from embcli.cli.spark_options import backend_option, pop_backend, spark_options


@main.command("cooccur")
@click.argument("corpus", type=click.Path(path_type=Path))
@output_option()
@option("--window", type=int, default=None, show_default="10", help="Max distance between counted words; distance d adds 1/d.")
@option("--asymmetric", is_flag=True, default=None, show_default="symmetric",
        help="Count each pair once as (left word, right word), Stanford's -symmetric 0.")
@option("--keep-unk", is_flag=True, default=None, show_default="OOV tokens removed before windows form, as Stanford",
        help="Count <unk> as a word.")
@option("--memory-mb", type=float, default=None, show_default="384",
        help="Memory for counting buffers and in-memory runs; past it sorted runs spill to disk.")
@option("--config", "config_file", default=None, help="TOML file of cooccur options (a [cooccur] table or top level).")
@option("--workers", type=int, default=None, show_default="all cores", help="Counting threads.")
@backend_option
@spark_options
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

    \b
    Examples:
      embcli cooccur work/corpus -o work/cooc                      # window 10, symmetric, 1/d weights
      embcli cooccur work/corpus --window 5 --asymmetric -o work/cooc5
      embcli cooccur work/corpus --memory-mb 2000 --json -o work/cooc
      embcli cooccur work/corpus --backend spark --spark-master yarn -o work/cooc
    """
    from embcli.config import COMMAND_LINE
    from embcli.cooccurrence_options import cooccur_as_given

    pop_backend(options)
    manifest = cooccur_as_given(corpus, output, config_file=config_file, options=options, spelling=COMMAND_LINE,
                                force=force, progress=progress_from(quiet))
    counts = manifest["counts"]
    report(manifest, output, as_json=as_json, quiet=quiet, keys=("counts", "spill", "engine", "timings"),
           line=f"Wrote {output}: {counts['nnz']:,} nonzeros over {counts['vocab_size']:,} words "
                f"in {manifest['timings']['wall_seconds']:.1f}s")
