"""`embcli eval`, `embcli neighbors`, `embcli analogy`: score and inspect vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from embcli.cli import main
from embcli.cli.common import echo_json, force_option, handle_errors, json_option, progress_from, quiet_option, workers_option

vectors_argument = click.argument("vectors", type=click.Path(path_type=Path))
vocab_option = click.option("--vocab", "vocab_path", type=click.Path(path_type=Path), default=None,
                            help="vocab.tsv for a bare .npy matrix [default: vocab.tsv beside it].")
top_k_option = click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True,
                            help="How many words to show.")


@main.command("eval")
@vectors_argument
@click.option("--similarity", "similarity_paths", type=click.Path(path_type=Path), multiple=True,
              help="Word-pair file (word1<TAB>word2<TAB>score); repeatable.")
@click.option("--analogy", "analogy_paths", type=click.Path(path_type=Path), multiple=True,
              help="Analogy file (': section' lines, then 'a b c d'); repeatable.")
@click.option("--suite", type=click.Choice(["standard"]), default=None,
              help="Bundled sets: WordSim-353 all/sim/rel, SimLex-999, Google analogies "
                   "[default when no file is given].")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=None,
              help="Analogy: only the N most frequent words are asked and answered [30000].")
@click.option("--method", type=click.Choice(["3cosadd", "3cosmul", "both"]), default=None,
              help="Analogy objective [both].")
@click.option("--classify", "classify_paths", type=click.Path(path_type=Path), multiple=True,
              help="Classification file (label<TAB>text): stratified 10-fold CV of logistic regression; repeatable.")
@click.option("--classify-train", type=click.Path(path_type=Path), default=None,
              help="Classification training file, scored on --classify-test instead of by cross-validation.")
@click.option("--classify-test", type=click.Path(path_type=Path), default=None, help="Classification test file.")
@click.option("--pool", type=click.Choice(["mean", "sif", "infer"]), default="mean", show_default=True,
              help="Classification: how texts become vectors (infer: doc2vec models).")
@json_option
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Also write the JSON report to FILE.")
@force_option
@vocab_option
@workers_option
@quiet_option
@handle_errors
def eval_command(vectors: Path, similarity_paths: tuple[Path, ...], analogy_paths: tuple[Path, ...],
                 suite: str | None, classify_paths: tuple[Path, ...], classify_train: Path | None,
                 classify_test: Path | None, pool: str, as_json: bool, output: Path | None, force: bool, vocab_path: Path | None,
                 quiet: bool, **options: Any) -> None:
    """Score VECTORS on word-similarity and word-analogy sets.

    Similarity: Spearman and Pearson correlation of cosines with human scores.
    Analogy: accuracy of 3CosAdd / 3CosMul per section, semantic, syntactic
    and total. Coverage (how much of each set the vocabulary could answer) is
    always reported. Matches gensim's evaluate_word_pairs and
    evaluate_word_analogies on the same vectors.

    \b
      embcli eval work/sg --suite standard
      embcli eval vectors.vec --analogy questions-words.txt --json
    """
    from embcli.artifacts import check_output_path, staged_file
    from embcli.config import EvalConfig, build_config
    from embcli.evaluation.report import evaluate_embeddings, load_datasets, render_table
    from embcli.vectors import load_embeddings

    config = build_config(EvalConfig, overrides=options)
    classifying = bool(classify_paths or classify_train or classify_test)
    if not similarity_paths and not analogy_paths and not classifying:
        suite = suite or "standard"
    if output is not None:
        check_output_path(output, force=force)
    similarity_sets, analogy_sets = load_datasets(similarity_paths, analogy_paths, suite)
    embeddings = load_embeddings(vectors, vocab_path=vocab_path)
    report = evaluate_embeddings(embeddings, similarity_sets, analogy_sets, config, progress=progress_from(quiet))
    payload = report.as_dict()
    classified = _classify(embeddings, classify_paths, classify_train, classify_test, pool) if classifying else []
    if classifying:
        payload["classification"] = [result.as_dict() for result in classified]
    if output is not None:
        with staged_file(output, force=force) as staging:
            staging.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if as_json:
        echo_json(payload)
    else:
        from embcli.evaluation.classification import render_classification

        click.echo("\n".join([render_table(report)] + render_classification(classified)))


def _classify(embeddings: Any, paths: tuple[Path, ...], train: Path | None, test: Path | None, pool: str) -> list[Any]:
    """Classification results: cross-validated per --classify file, then the --classify-train/--classify-test split."""
    from embcli.errors import ConfigError
    from embcli.evaluation.classification import classify_cross_validated, classify_split, read_labeled_texts

    if (train is None) != (test is None):
        raise ConfigError("--classify-train and --classify-test go together (or use --classify FILE for cross-validation)")
    datasets = [read_labeled_texts(path) for path in paths]  # every file is checked before any scoring
    split = (read_labeled_texts(train), read_labeled_texts(test, min_classes=1)) if train and test else None
    results = [classify_cross_validated(embeddings, dataset, pool) for dataset in datasets]
    return results + ([classify_split(embeddings, split[0], split[1], pool)] if split else [])


@main.command("neighbors")
@vectors_argument
@click.argument("words", nargs=-1, required=True)
@top_k_option
@json_option
@vocab_option
@handle_errors
def neighbors_command(vectors: Path, words: tuple[str, ...], k: int, as_json: bool, vocab_path: Path | None) -> None:
    """The K nearest words (cosine) to each WORD."""
    from embcli.evaluation.neighbors import nearest_neighbors
    from embcli.vectors import load_embeddings

    neighbors = nearest_neighbors(load_embeddings(vectors, vocab_path=vocab_path), list(words), k)
    if as_json:
        echo_json({word: _as_records(found) for word, found in neighbors.items()})
        return
    for word, found in neighbors.items():
        click.echo(f"{word}:")
        _echo_ranked(found)


@main.command("analogy")
@vectors_argument
@click.argument("a")
@click.argument("b")
@click.argument("c")
@top_k_option
@json_option
@vocab_option
@handle_errors
def analogy_command(vectors: Path, a: str, b: str, c: str, k: int, as_json: bool, vocab_path: Path | None) -> None:
    """A is to B as C is to ?: the K words nearest to B - A + C (cosine).

    \b
      embcli analogy work/sg man king woman     # -> queen, ...
    """
    from embcli.evaluation.neighbors import solve_analogy
    from embcli.vectors import load_embeddings

    found = solve_analogy(load_embeddings(vectors, vocab_path=vocab_path), a, b, c, k)
    if as_json:
        echo_json({"a": a, "b": b, "c": c, "answers": _as_records(found)})
        return
    click.echo(f"{a} : {b} :: {c} : ?")
    _echo_ranked(found)


def _as_records(found: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": word, "cosine": cosine} for word, cosine in found]


def _echo_ranked(found: list[tuple[str, float]]) -> None:
    for rank, (word, cosine) in enumerate(found, start=1):
        click.echo(f"  {rank:>3}. {word:<24} {cosine:.4f}")
