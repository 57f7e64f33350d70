"""`embcli preprocess`: raw text in, a corpus directory out (parse, call `preprocessing_options.preprocess`, report)."""

from __future__ import annotations

from pathlib import Path

import click

from embcli.cli.group import main
from embcli.cli.common import force_option, handle_errors, json_option, output_option, progress_from, quiet_option
from embcli.cli.options import option, report
from embcli.cli.spark_options import SPARK_SECTION, backend_option, pop_backend, spark_options


@main.command("preprocess")
@click.argument("inputs", nargs=-1, required=True)
@output_option()
@option("--tokenizer", type=click.Choice(["regex", "whitespace", "char", "jieba"]), default=None, show_default="regex",
        help="regex: Unicode words; whitespace; char: one token per CJK character; jieba: Chinese words (embcli[zh]).")
@option("--token-pattern", default=None, help="Custom regex for --tokenizer regex, e.g. \"[a-z0-9']+\".")
@option("--lowercase/--no-lowercase", default=None, show_default="on", help="Lowercase tokens.")
@option("--nfkc/--no-nfkc", default=None, show_default="on", help="Unicode NFKC normalisation.")
@option("--stopwords", default=None, show_default="none",
        help="Remove stop words: 'english' (scikit-learn's list) or a file of words.")
@option("--min-count", type=int, default=None, show_default="5", help="Drop tokens seen fewer times.")
@option("--max-vocab", type=int, default=None, show_default="no limit", help="Keep only this many most frequent tokens.")
@option("--oov", type=click.Choice(["unk", "drop"]), default=None, show_default="unk",
        help="Out-of-vocabulary tokens become <unk> (index 0) or are removed.")
@option("--hash-buckets", type=int, default=None, show_default="off",
        help="Hashing trick: map every token to one of N buckets (the vocabulary; --min-count does not apply). "
             "For long-tailed ID spaces; see docs/subwords-and-hashing.md.")
@option("--config", "config_file", default=None, help="TOML file of preprocess options (a [preprocess] table or top level).")
@option("--workers", type=int, default=None, show_default="all cores", help="Tokenizer processes.")
@backend_option
@spark_options
@option("--shard-tokens", type=int, default=None, show_default="one ids.npy up to 2^30 tokens", section=SPARK_SECTION,
        help="--backend spark: write ids as ids-00000.npy, ... of at most N tokens.")
@force_option
@quiet_option
@json_option
@handle_errors
def preprocess_command(inputs: tuple[str, ...], output: Path, config_file: str | None, force: bool, quiet: bool,
                       as_json: bool, **options: object) -> None:
    """Tokenize INPUTS (files, directories, globs; .gz/.bz2/.xz; - for stdin) into a corpus directory.

    Writes vocab.tsv, ids.npy + offsets.npy (token ids), corpus.txt and manifest.json into OUTPUT.

    \b
    Examples:
      embcli preprocess data/corpus/*.txt.gz -o work/corpus
      embcli preprocess news.txt --min-count 10 --stopwords english -o work/news
      embcli preprocess zh.txt --tokenizer jieba -o work/zh                 # Chinese words
      zcat big.txt.gz | embcli preprocess - -o work/big --json
      embcli preprocess 's3a://bucket/text/*' --backend spark -o work/corpus
    """
    from embcli.config import COMMAND_LINE
    from embcli.preprocessing_options import preprocess_as_given

    pop_backend(options)
    manifest = preprocess_as_given(list(inputs), output, config_file=config_file, options=options,
                                   spelling=COMMAND_LINE, force=force, progress=progress_from(quiet))
    counts = manifest["counts"]
    report(manifest, output, as_json=as_json, quiet=quiet,
           line=f"Wrote {output}: {counts['tokens']:,} tokens in {counts['sentences']:,} sentences, "
                f"vocabulary {counts['vocab_size']:,} (OOV rate {100 * counts['oov_rate']:.2f}%) "
                f"in {manifest['timings']['wall_seconds']:.1f}s")
