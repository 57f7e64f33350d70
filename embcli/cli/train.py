"""`embcli train`: a preprocess directory in, a vectors directory out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli import main
from embcli.cli.common import force_option, handle_errors, output_option, progress_from, quiet_option, seed_option, workers_option
from embcli.errors import ConfigError

MODEL_CHOICES = ["skipgram", "cbow"]


@main.command("train")
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option("--model", type=click.Choice(MODEL_CHOICES), default=None,
              help="What to train [default: skipgram, or the config file's].")
@output_option()
@click.option("--config", "config_file", type=str, default=None,
              help="TOML preset (a path, or a name from configs/ such as 'cbow'); options given here override it.")
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Vector size [100].")
@click.option("--window", type=click.IntRange(min=1), default=None, help="Context window [5].")
@click.option("--negative", type=click.IntRange(min=0), default=None, help="Negative samples, 0 to disable [5].")
@click.option("--hs/--no-hs", default=None, help="Hierarchical softmax, as word2vec's -hs 1 [off].")
@click.option("--sample", type=click.FloatRange(min=0), default=None, help="Subsampling threshold, 0 to disable [1e-3].")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Passes over the corpus [5].")
@click.option("--alpha", type=click.FloatRange(min=0, min_open=True), default=None,
              help="word2vec: start learning rate [0.025 skip-gram, 0.05 CBOW].")
@click.option("--min-alpha", type=click.FloatRange(min=0), default=None, help="word2vec: final learning rate [0.0001].")
@workers_option
@seed_option
@click.option("--engine", type=click.Choice(["gensim"]), default=None, help="word2vec implementation [gensim].")
@click.option("--binary", is_flag=True, default=None, help="Also write word2vec binary vectors.bin.")
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
    from embcli.train import make_config, train_model

    if model is None:
        preset_model = read_toml(find_preset(config_file)).get("model") if config_file else None
        model = preset_model if isinstance(preset_model, str) else "skipgram"
    overrides = {key: value for key, value in options.items() if value is not None}
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

    from embcli.train import config_class

    known = {field.name for field in dataclasses.fields(config_class(model))}
    for key in overrides:
        if key not in known:
            raise ConfigError(f"--{key.replace('_', '-')} does not apply to --model {model}")
