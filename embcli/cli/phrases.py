"""`embcli phrases`: a corpus directory in, a corpus directory with collocations joined out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.common import (echo_json, echo_status, force_option, handle_errors, json_option,
                               output_option, progress_from, quiet_option)


@main.command("phrases")
@click.argument("corpus", type=click.Path(path_type=Path))
@output_option()
@click.option("--scoring", type=click.Choice(["word2phrase", "npmi"]), default=None,
              help="word2phrase: (c(ab) - min_count) / (c(a) c(b)) * N; npmi: normalised PMI in [-1, 1]  [default: word2phrase]")
@click.option("--threshold", type=float, default=None, help="Join when the score is above it  [default: 100; npmi 0.5]")
@click.option("--min-count", type=click.IntRange(min=1), default=None, help="Ignore rarer candidates and words  [default: 5]")
@click.option("--connector-words", type=str, default=None,
              help="'english' (gensim's ENGLISH_CONNECTOR_WORDS), 'none', or a file of words that may sit, any number in a row, inside a phrase  [default: none]")
@click.option("--passes", type=click.IntRange(min=1), default=None, help="Passes; each can lengthen phrases  [default: 1]")
@click.option("--memory-mb", type=click.FloatRange(min=1), default=None,
              help="Cap on counting's memory; rare candidates are pruned to stay inside it  [default: 256]")
@force_option
@quiet_option
@json_option
@handle_errors
def phrases_command(corpus: Path, output: Path, force: bool, quiet: bool, as_json: bool, **options: Any) -> None:
    """Learn phrases on CORPUS (a preprocess directory) and write OUTPUT, a corpus directory where each
    phrase is one token joined by '_' (new_york), plus phrases.tsv (phrase, count, score).

    \b
    Examples:
      embcli phrases work/corpus -o work/corpus-phrases
      embcli phrases work/corpus -o work/corpus-phrases --passes 2 --connector-words english
      embcli phrases work/corpus -o work/corpus-npmi --scoring npmi --threshold 0.5
    """
    from embcli.artifacts import check_output
    from embcli.config import COMMAND_LINE, PhrasesConfig, build_config
    from embcli.phrases import phrases_corpus

    config = build_config(PhrasesConfig, overrides=options, spelling=COMMAND_LINE)
    check_output(output, force=force, kind="corpus", inputs=(corpus,))
    manifest = phrases_corpus(corpus, output, config, force=force, progress=progress_from(quiet))
    summary = {"output": str(output), "phrases": manifest["counts"]["phrases"],
               "vocab_size": manifest["counts"]["vocab_size"], "seconds": manifest["timings"]["wall_seconds"]}
    if as_json:
        echo_json(summary)
    elif not quiet:
        echo_status(f"Wrote {output}: {summary['phrases']:,} phrases, {summary['vocab_size']:,} words, "
                   f"{summary['seconds']:.1f}s")
