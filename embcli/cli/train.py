"""`embcli train`: a preprocess directory in, a vectors directory out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli import main
from embcli.cli.spark_options import spark_options
from embcli.cli.common import force_option, handle_errors, output_option, progress_from, quiet_option, seed_option, workers_option
from embcli.errors import ConfigError

MODEL_CHOICES = ["skipgram", "cbow", "glove", "fasttext", "doc2vec"]


@main.command("train")
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("--model", type=click.Choice(MODEL_CHOICES), default=None,
              help="What to train [default: skipgram, or the config file's].")
@output_option()
@click.option("--config", "config_file", type=str, default=None,
              help="TOML preset (a path, or a name from configs/ such as 'cbow'); options given here override it.")
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Vector size [100].")
@click.option("--window", type=click.IntRange(min=1), default=None, help="Context window [5; glove 10].")
@click.option("--negative", type=click.IntRange(min=0), default=None, help="Negative samples, 0 to disable [5].")
@click.option("--hs/--no-hs", default=None, help="Hierarchical softmax, as word2vec's -hs 1 [off].")
@click.option("--sample", type=click.FloatRange(min=0), default=None, help="Subsampling threshold, 0 to disable [1e-3].")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Passes over the corpus [5; glove 15].")
@click.option("--alpha", type=click.FloatRange(min=0, min_open=True), default=None,
              help="word2vec: start learning rate [0.025 skip-gram, 0.05 CBOW]; glove: weighting exponent [0.75].")
@click.option("--min-alpha", type=click.FloatRange(min=0), default=None, help="word2vec: final learning rate [0.0001].")
@workers_option
@seed_option
@click.option("--engine", type=click.Choice(["embcli", "gensim", "spark-mllib"]), default=None,
              help="word2vec implementation: embcli's own numba engine, gensim, or spark-mllib "
                   "(skip-gram with --hs on Spark MLlib, docs/scaling.md) [embcli].")
@click.option("--mllib-partitions", type=click.IntRange(min=1), default=None,
              help="spark-mllib: MLlib numPartitions; faster, but accuracy falls as it grows [1].")
@spark_options
@click.option("--deterministic", is_flag=True, default=None,
              help="embcli engine: one thread, seeded, bit-identical vectors across runs.")
@click.option("--binary", is_flag=True, default=None, help="Also write word2vec binary vectors.bin.")
@click.option("--x-max", type=click.FloatRange(min=0, min_open=True), default=None,
              help="glove: weighting cutoff, f(x) = min(1, (x/x_max)^alpha) [100].")
@click.option("--eta", type=click.FloatRange(min=0, min_open=True), default=None, help="glove: AdaGrad learning rate [0.05].")
@click.option("--vectors", type=click.Choice(["word", "word+context", "concat"]), default=None,
              help="glove: output W, W + W~ or [W, W~] [word+context].")
@click.option("--asymmetric", is_flag=True, default=None, help="glove: left-context-only co-occurrences.")
@click.option("--keep-unk", is_flag=True, default=None, help="glove: count <unk> as a word [removed, as Stanford].")
@click.option("--memory-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="glove: co-occurrence counting memory cap; past it runs spill to disk [384].")
@click.option("--cooccurrence", type=str, default=None,
              help="glove: co-occurrence dir to use or create [cached in CORPUS/cooccur-w<window>-sym].")
@click.option("--checkpoint-every", type=click.IntRange(min=0), default=None,
              help="glove: save parameters + AdaGrad state every K epochs to OUTPUT.checkpoint [0: never].")
@click.option("--checkpoint-dir", type=str, default=None, help="glove: where checkpoints go [OUTPUT.checkpoint].")
@click.option("--resume", type=str, default=None,
              help="glove: continue from a checkpoint directory; skipgram/cbow/fasttext: continue a trained model "
                   "(vectors directory) on CORPUS, growing its vocabulary (its options are the defaults).")
@click.option("--arch", type=click.Choice(["skipgram", "cbow"]), default=None, help="fasttext: model underneath [skipgram].")
@click.option("--minn", type=click.IntRange(min=1), default=None, help="fasttext: shortest character n-gram [3].")
@click.option("--maxn", type=click.IntRange(min=0), default=None, help="fasttext: longest character n-gram [6].")
@click.option("--buckets", type=click.IntRange(min=0), default=None,
              help="fasttext: rows of the n-gram hash table, 0 for no subwords [2000000].")
@click.option("--dm", type=click.IntRange(0, 1), default=None,
              help="doc2vec: 0 PV-DBOW (document predicts its words), 1 PV-DM (averaged context) [0].")
@click.option("--dbow-words/--no-dbow-words", default=None,
              help="doc2vec --dm 0: also train skip-gram word vectors, interleaved [off].")
@click.option("--tags", type=str, default=None,
              help="doc2vec: file of one tag per input line [tag = document number].")
@click.option("--infer-epochs", type=click.IntRange(min=1), default=None,
              help="doc2vec: epochs of inference on new text (embed --pool infer) [the training epochs].")
@force_option
@quiet_option
@handle_errors
def train_command(corpus: Path, model: str | None, output: Path, config_file: str | None, force: bool, quiet: bool,
                  **options: Any) -> None:
    """Train word vectors on a directory made by `embcli preprocess`.

    Writes vectors.npy (float32, row i = vocab index i), vocab.tsv, vectors.vec
    (word2vec text) and manifest.json into OUTPUT.
    """
    from embcli.artifacts import check_output_path
    from embcli.config import find_preset, read_toml
    from embcli.training import make_config, train_model

    overrides = {key: value for key, value in options.items() if value is not None}
    if overrides.get("resume") and model in (None, "skipgram", "cbow", "fasttext"):
        from embcli.training.resume import inherited_options

        parent_model, inherited = inherited_options(Path(overrides["resume"]))
        model = model or parent_model
        overrides = {**inherited, **overrides} if model == parent_model else overrides
    if model is None:
        preset_model = read_toml(find_preset(config_file)).get("model") if config_file else None
        model = preset_model if isinstance(preset_model, str) else "skipgram"
    _reject_inapplicable(model, overrides)
    config = make_config(model, config_file=config_file, overrides=overrides)
    check_output_path(output, force=force)
    manifest = train_model(corpus, output, config, force=force, progress=progress_from(quiet))
    if not quiet:
        timings = manifest.get("timings", {})
        click.echo(f"Wrote {output} ({manifest['counts']['vocab_size']} words x {manifest['counts']['dim']} dims) "
                   f"in {timings.get('wall_seconds', 0):.1f}s", err=True)


def _reject_inapplicable(model: str, overrides: dict[str, Any]) -> None:
    """An option that the chosen model ignores is a mistake worth telling the user about."""
    import dataclasses

    from embcli.training import config_class

    known = {field.name for field in dataclasses.fields(config_class(model))}
    for key in overrides:
        if key not in known:
            raise ConfigError(f"--{key.replace('_', '-')} does not apply to --model {model}")
