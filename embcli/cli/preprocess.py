"""`embcli preprocess`: raw text in, a corpus directory out."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.errors import ConfigError
from embcli.cli.spark_options import engine_option, pop_spark_settings, spark_options
from embcli.cli.common import echo_json, force_option, handle_errors, json_option, output_option, progress_from, quiet_option, workers_option


@main.command("preprocess")
@click.argument("inputs", nargs=-1, required=True)
@output_option()
@click.option("--tokenizer", type=click.Choice(["regex", "whitespace", "char", "jieba"]), default=None,
              help="regex: Unicode words [default]; whitespace; char: one token per CJK character; jieba: Chinese words (embcli[zh]).")
@click.option("--token-pattern", default=None, help="Custom regex for --tokenizer regex, e.g. \"[a-z0-9']+\".")
@click.option("--lowercase/--no-lowercase", default=None, help="Lowercase tokens [on].")
@click.option("--nfkc/--no-nfkc", default=None, help="Unicode NFKC normalisation [on].")
@click.option("--stopwords", default=None, help="Remove stop words: 'english' (scikit-learn's list) or a file of words [none].")
@click.option("--min-count", type=int, default=None, help="Drop tokens seen fewer times [5].")
@click.option("--max-vocab", type=int, default=None, help="Keep only this many most frequent tokens [no limit].")
@click.option("--oov", type=click.Choice(["unk", "drop"]), default=None,
              help="Out-of-vocabulary tokens become <unk> (index 0) or are removed [unk].")
@click.option("--hash-buckets", type=click.IntRange(min=1), default=None,
              help="Hashing trick: map every token to one of N buckets (the vocabulary; --min-count does not apply). "
                   "For long-tailed ID spaces; see docs/subwords-and-hashing.md.")
@click.option("--config", "config_file", default=None, help="TOML file of preprocess options.")
@engine_option
@spark_options
@click.option("--shard-tokens", type=click.IntRange(min=1), default=None,
              help="--engine spark: write ids as ids-00000.npy, ... of at most N tokens [one ids.npy up to 2^30].")
@workers_option
@force_option
@quiet_option
@json_option
@handle_errors
def preprocess_command(inputs: tuple[str, ...], output: Path, config_file: str | None, force: bool, quiet: bool,
                       as_json: bool, **options: object) -> None:
    """Tokenize INPUTS (files, directories, globs; .gz/.bz2/.xz; - for stdin) into a corpus directory.

    Writes vocab.tsv, ids.npy + offsets.npy (token ids), corpus.txt and manifest.json into OUTPUT.
    """
    from embcli.config import PreprocessConfig, build_config
    from embcli.preprocessing import preprocess_corpus

    engine, shard_tokens = options.pop("engine"), options.pop("shard_tokens")
    spark = pop_spark_settings(options, engine)
    config = build_config(PreprocessConfig, config_file=config_file, section="preprocess", overrides=options)
    if spark is not None:
        from embcli.spark.preprocess import preprocess_on_spark

        manifest = preprocess_on_spark(list(inputs), output, config, spark, force=force, progress=progress_from(quiet),
                                       shard_tokens=shard_tokens)
    elif shard_tokens is not None:
        raise ConfigError("--shard-tokens applies only to --engine spark")
    else:
        manifest = preprocess_corpus(list(inputs), output, config, force=force, progress=progress_from(quiet))
    counts = manifest["counts"]
    if as_json:
        echo_json({"output": str(output), "counts": counts, "timings": manifest["timings"]})
    elif not quiet:
        click.echo(
            f"Wrote {output}: {counts['tokens']:,} tokens in {counts['sentences']:,} sentences, "
            f"vocabulary {counts['vocab_size']:,} (OOV rate {100 * counts['oov_rate']:.2f}%) "
            f"in {manifest['timings']['wall_seconds']:.1f}s",
            err=True,
        )
