"""`embcli train`: a preprocess directory in, a vectors directory out (parse, call `training.train`, report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from embcli.cli.group import main
from embcli.cli.common import force_option, handle_errors, json_option, output_option, progress_from, quiet_option
from embcli.cli.options import option, report
from embcli.cli.spark_options import SPARK_SECTION, spark_options

MODEL_CHOICES = ["skipgram", "cbow", "glove", "fasttext", "doc2vec"]
COMMON, WORD2VEC, FASTTEXT, GLOVE = "Common options", "word2vec options (skipgram, cbow; also fasttext)", \
    "fastText options (--model fasttext)", "GloVe options (--model glove)"
DOC2VEC = "doc2vec options (--model doc2vec; --negative, --sample, --min-alpha apply too)"


@main.command("train", default_section=COMMON)
@click.argument("corpus", type=click.Path(path_type=Path))
@option("--model", type=click.Choice(MODEL_CHOICES), default=None, show_default="skipgram, or the preset's",
        help="What to train.")
@output_option()
@option("--config", "config_file", type=str, default=None,
        help="TOML preset (a path, or a name from configs/ such as 'cbow'); options given here override it.")
@option("--dim", type=int, default=None, show_default="100", help="Vector size.")
@option("--window", type=int, default=None, show_default="5; glove 10", help="Context window.")
@option("--epochs", type=int, default=None, show_default="5; glove 15", help="Passes over the corpus.")
@option("--alpha", type=float, default=None, show_default="0.025 skip-gram, 0.05 CBOW; glove 0.75",
        help="word2vec/fastText: start learning rate; glove: weighting exponent.")
@option("--workers", type=int, default=None, show_default="all cores", help="Threads; 1 for reproducible runs.")
@option("--seed", type=int, default=None, show_default="1", help="Random seed.")
@option("--binary", is_flag=True, default=None, help="Also write word2vec binary vectors.bin.")
@option("--resume", type=str, default=None,
        help="skipgram/cbow/fasttext: continue a trained model (vectors directory) on CORPUS, growing its "
             "vocabulary (its options are the defaults); glove: continue from a checkpoint directory.")
@option("--negative", type=int, default=None, show_default="5", section=WORD2VEC,
        help="Negative samples, 0 to disable (then give --hs).")
@option("--hs/--no-hs", default=None, show_default="off", section=WORD2VEC,
        help="Hierarchical softmax, as word2vec's -hs 1.")
@option("--sample", type=float, default=None, show_default="1e-3", section=WORD2VEC,
        help="Subsampling threshold for frequent words, 0 to disable.")
@option("--min-alpha", type=float, default=None, show_default="0.0001", section=WORD2VEC, help="Final learning rate.")
@option("--engine", type=click.Choice(["embcli", "gensim", "spark-mllib"]), default=None, show_default="embcli",
        section=WORD2VEC, help="skipgram/cbow/fasttext implementation: embcli's own numba engine, gensim, or spark-mllib "
                               "(skip-gram with --hs on Spark MLlib, docs/scaling.md).")
@option("--deterministic", is_flag=True, default=None, section=WORD2VEC,
        help="embcli engine: one thread, seeded, bit-identical vectors across runs.")
@option("--arch", type=click.Choice(["skipgram", "cbow"]), default=None, show_default="skipgram", section=FASTTEXT,
        help="The word2vec model underneath.")
@option("--minn", type=int, default=None, show_default="3", section=FASTTEXT, help="Shortest character n-gram.")
@option("--maxn", type=int, default=None, show_default="6", section=FASTTEXT,
        help="Longest character n-gram; below --minn (e.g. 0): no subwords.")
@option("--buckets", type=int, default=None, show_default="2000000", section=FASTTEXT,
        help="Rows of the n-gram hash table, 0 for no subwords.")
@option("--x-max", type=float, default=None, show_default="100", section=GLOVE,
        help="Weighting cutoff, f(x) = min(1, (x/x_max)^alpha).")
@option("--eta", type=float, default=None, show_default="0.05", section=GLOVE, help="AdaGrad learning rate.")
@option("--vectors", type=click.Choice(["word", "word+context", "concat"]), default=None, show_default="word+context",
        section=GLOVE, help="Output W, W + W~ or [W, W~].")
@option("--asymmetric", is_flag=True, default=None, section=GLOVE, help="Left-context-only co-occurrences.")
@option("--keep-unk", is_flag=True, default=None, section=GLOVE, help="Count <unk> as a word (Stanford removes it).")
@option("--memory-mb", type=float, default=None, show_default="384", section=GLOVE,
        help="Co-occurrence counting memory cap; past it runs spill to disk.")
@option("--cooccurrence", type=str, default=None, show_default="cached in CORPUS/cooccur-w<window>-sym",
        section=GLOVE, help="Co-occurrence dir to use or create.")
@option("--checkpoint-every", type=int, default=None, show_default="0 (never)", section=GLOVE,
        help="Save parameters + AdaGrad state every K epochs.")
@option("--checkpoint-dir", type=str, default=None, show_default="OUTPUT.checkpoint", section=GLOVE,
        help="Where checkpoints go.")
@option("--dm", type=int, default=None, show_default="0", section=DOC2VEC,
        help="0: PV-DBOW (the document predicts its words); 1: PV-DM (averaged context).")
@option("--dbow-words/--no-dbow-words", default=None, show_default="off", section=DOC2VEC,
        help="--dm 0: also train skip-gram word vectors, interleaved.")
@option("--tags", type=str, default=None, show_default="the document number", section=DOC2VEC,
        help="File of one tag per input line.")
@option("--alpha-decay", type=click.Choice(["epoch", "word"]), default=None, show_default="epoch", section=DOC2VEC,
        help="Learning rate: one step down per epoch, or word2vec's linear decay per word.")
@option("--infer-epochs", type=int, default=None, show_default="the training epochs", section=DOC2VEC,
        help="Epochs of inference on new text (embed --pool infer).")
@option("--mllib-partitions", type=int, default=None, show_default="1", section=SPARK_SECTION,
        help="--engine spark-mllib: MLlib numPartitions; faster, but accuracy falls as it grows.")
@spark_options
@force_option
@quiet_option
@json_option
@handle_errors
def train_command(corpus: Path, model: str | None, output: Path, config_file: str | None, force: bool, quiet: bool,
                  as_json: bool, **options: Any) -> None:
    """Train word vectors on CORPUS, a directory made by `embcli preprocess`.

    Writes vectors.npy (float32, row i = vocab index i), vocab.tsv, vectors.vec
    (word2vec text) and manifest.json into OUTPUT. Options are checked before any
    work, whether given here, in a --config preset or to embcli.training.train().

    \b
    Examples:
      embcli train work/corpus -o work/sg                          # skip-gram, word2vec's defaults
      embcli train work/corpus --model cbow --dim 300 -o work/cbow
      embcli train work/corpus --config glove -o work/glove        # a bundled preset
      embcli train work/corpus --model fasttext --minn 2 -o work/ft
      embcli train work/more --resume work/sg -o work/sg2          # continue on new text
      embcli train work/corpus --deterministic --seed 7 -o work/sg --json
    """
    from embcli.config import COMMAND_LINE
    from embcli.training.options import train_as_given

    manifest = train_as_given(corpus, output, model, config_file=config_file, options=options, spelling=COMMAND_LINE,
                              force=force, progress=progress_from(quiet))
    counts, seconds = manifest["counts"], manifest.get("timings", {}).get("wall_seconds", 0)
    report(manifest, output, as_json=as_json, quiet=quiet, keys=("model", "counts", "timings", "config"),
           line=f"Wrote {output} ({counts['vocab_size']} words x {counts['dim']} dims) in {seconds:.1f}s")
