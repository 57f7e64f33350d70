"""`embcli eval`: score vectors on similarity and analogy sets (queries are in `embcli.cli.queries`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.options import option
from embcli.errors import ConfigError
from embcli.cli.common import echo_json, force_option, handle_errors, json_option, progress_from, quiet_option, workers_option

vectors_argument = click.argument("vectors", type=click.Path(path_type=Path))
vocab_option = option("--vocab", "vocab_path", type=click.Path(path_type=Path), default=None,
                      show_default="vocab.tsv beside it", help="vocab.tsv for a bare .npy matrix.")


@main.command("eval")
@vectors_argument
@click.option("--similarity", "similarity_paths", type=click.Path(path_type=Path), multiple=True,
              help="Word-pair file (word1<TAB>word2<TAB>score); repeatable.")
@click.option("--analogy", "analogy_paths", type=click.Path(path_type=Path), multiple=True,
              help="Analogy file (': section' lines, then 'a b c d'); repeatable.")
@option("--suite", type=click.Choice(["standard"]), default=None, show_default="standard when no file is given",
        help="Bundled sets: WordSim-353 all/sim/rel, SimLex-999, Google analogies.")
@option("--restrict-vocab", type=int, default=None, show_default="30000",
        help="Analogy: only the N most frequent words are asked and answered.")
@option("--method", type=click.Choice(["3cosadd", "3cosmul", "both"]), default=None, show_default="both",
        help="Analogy objective.")
@click.option("--classify", "classify_paths", type=click.Path(path_type=Path), multiple=True,
              help="Classification file (label<TAB>text): stratified 10-fold CV of logistic regression; repeatable.")
@click.option("--classify-train", type=click.Path(path_type=Path), default=None,
              help="Classification training file, scored on --classify-test instead of by cross-validation.")
@click.option("--classify-test", type=click.Path(path_type=Path), default=None, help="Classification test file.")
@click.option("--pool", type=click.Choice(["mean", "sif", "infer"]), default="mean", show_default=True,
              help="Classification: how texts become vectors (infer: doc2vec models).")
@json_option
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Also write the JSON report to FILE.")
@click.option("--details", is_flag=True,
              help="Put every pair's cosine and every question's answers in the JSON (--json or --output).")
@force_option
@vocab_option
@workers_option
@quiet_option
@handle_errors
def eval_command(vectors: Path, similarity_paths: tuple[Path, ...], analogy_paths: tuple[Path, ...],
                 suite: str | None, classify_paths: tuple[Path, ...], classify_train: Path | None,
                 classify_test: Path | None, pool: str, as_json: bool, output: Path | None, force: bool,
                 vocab_path: Path | None, quiet: bool, details: bool, **options: Any) -> None:
    """Score VECTORS on word-similarity and word-analogy sets.

    Similarity: Spearman and Pearson correlation of cosines with human scores.
    Analogy: accuracy of 3CosAdd / 3CosMul per section, semantic, syntactic
    and total. Coverage (how much of each set the vocabulary could answer) is
    always reported. Matches gensim's evaluate_word_pairs and
    evaluate_word_analogies on the same vectors.

    \b
    Examples:
      embcli eval work/sg --suite standard
      embcli eval vectors.vec --analogy questions-words.txt --json
      embcli eval work/sg --json --details    # per-pair cosines, per-question answers
    """
    from embcli.config import COMMAND_LINE
    from embcli.evaluation.report import render_table
    from embcli.evaluation.stage import evaluate_vectors

    if details and not (as_json or output):
        raise ConfigError("--details adds to the JSON report: use it with --json or --output FILE")
    report = evaluate_vectors(vectors, similarity=similarity_paths, analogy=analogy_paths, suite=suite, output=output,
                              classify=classify_paths, classify_train=classify_train, classify_test=classify_test,
                              pool=pool,
                              force=force, vocab_path=vocab_path, progress=progress_from(quiet),
                              spelling=COMMAND_LINE, details=details, **options)
    payload = report.as_dict()
    if as_json:
        echo_json(payload)
    else:
        click.echo(render_table(report))
