"""`train --model skipgram --engine spark-mllib`: Spark MLlib's Word2Vec, exported as our vectors artifact.

For users who want training on the cluster too. What MLlib's Word2Vec is, and
so what this engine can and cannot do:

- skip-gram with hierarchical softmax only: no negative sampling, no CBOW,
  no subsampling of frequent words (`--sample`); the learning rate decays
  linearly to `alpha * 1e-4` (word2vec's floor), not to `--min-alpha`;
- parallelism comes from `numPartitions` (`--mllib-partitions`): each
  partition trains its own copy and the copies are averaged after every
  iteration, so accuracy falls as partitions grow (1 is the accurate default);
- sentences longer than 1000 tokens are cut into pieces (`maxSentenceLength`).

Options it cannot honour are refused (an explicit `--sample`, `--min-alpha`,
`--deterministic`, `--resume`), except that the defaults `sample=1e-3` and
`min_alpha` are replaced by what MLlib really does, and the manifest records
those effective values. `--negative` (default 5) is refused unless `--hs` or
`--negative 0` says hierarchical softmax is what you want.

The vocabulary is ours: MLlib trains on `corpus.txt` with `minCount=0`, and
its vectors are put back into `vocab.tsv` order (words it never saw get the
mean vector, as on the gensim engine), so eval and everything downstream
work unchanged.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import staged_directory
from embcli.config import Word2VecConfig
from embcli.corpus.token_corpus import TokenCorpus
from embcli.errors import ConfigError
from embcli.progress import SILENT, Progress
from embcli.spark.session import SparkSettings, describe_session, require_spark, spark_job, spark_session
from embcli.training.common import finish_vectors_artifact, require_trainable

MLLIB_MAX_SENTENCE_LENGTH = 1000  # MLlib's default; longer sentences are split
MLLIB_MIN_ALPHA_FACTOR = 1e-4  # MLlib floors the decaying learning rate at alpha * 1e-4


def mllib_config(config: Word2VecConfig) -> Word2VecConfig:
    """The config MLlib really trains with, or ConfigError for an option it cannot honour."""
    defaults = Word2VecConfig()
    config = config.resolved()
    if config.model != "skipgram":
        raise ConfigError("--engine spark-mllib trains skip-gram only (MLlib has no CBOW); "
                          "use --model skipgram or --engine gensim")
    if config.negative > 0 and not config.hs:
        raise ConfigError("--engine spark-mllib trains with hierarchical softmax only (no negative sampling); "
                          "pass --hs (or --negative 0) to accept that, or use --engine gensim")
    if config.sample not in (0, defaults.sample):
        raise ConfigError(f"--sample {config.sample:g}: MLlib's Word2Vec has no subsampling; "
                          "drop --sample (or give 0) or use --engine gensim")
    if config.min_alpha != defaults.min_alpha:
        raise ConfigError("--min-alpha: MLlib decays the learning rate to alpha * 1e-4 and cannot be told otherwise; "
                          "drop --min-alpha or use --engine gensim")
    for flag, wanted in (("deterministic", False), ("resume", None)):
        if getattr(config, flag, wanted) != wanted:
            raise ConfigError(f"--{flag} is not available with --engine spark-mllib; use --engine gensim or embcli")
    if config.mllib_partitions < 1:
        raise ConfigError(f"--mllib-partitions must be at least 1, got {config.mllib_partitions}")
    return dataclasses.replace(config, hs=True, negative=0, sample=0.0,
                               min_alpha=float(config.alpha) * MLLIB_MIN_ALPHA_FACTOR)


def train_mllib_word2vec(corpus: TokenCorpus, output: Path, config: Word2VecConfig, *, force: bool = False,
                         progress: Progress = SILENT) -> dict[str, Any]:
    """Train skip-gram with MLlib on `corpus.txt` and write the vectors artifact in our vocabulary order."""
    from embcli.training.word2vec_gensim import gensim_to_vocab_order

    effective = mllib_config(config)
    require_trainable(corpus)
    require_spark()
    started = time.perf_counter()
    settings = SparkSettings(master=effective.spark_master, conf=tuple(effective.spark_conf),
                             app_name="embcli train skipgram (MLlib)")
    with staged_directory(output, force=force, kind="vectors", inputs=(corpus.directory,)) as staging, spark_session(settings) as spark, spark_job("training"):
        from pyspark.ml.feature import Word2Vec
        from pyspark.sql import functions as F

        text = spark.read.option("lineSep", "\n").text(str(Path(corpus.text_path).resolve()))
        sentences = text.select(F.split(F.col("value"), " ").alias("sentence"))
        estimator = Word2Vec(vectorSize=effective.dim, minCount=0, numPartitions=effective.mllib_partitions,
                             stepSize=effective.alpha, maxIter=effective.epochs, seed=effective.seed,
                             windowSize=effective.window, maxSentenceLength=MLLIB_MAX_SENTENCE_LENGTH,
                             inputCol="sentence", outputCol="unused")
        progress.note(f"spark-mllib: training skip-gram (hierarchical softmax, {effective.mllib_partitions} partition(s)) "
                      f"on {spark.sparkContext.master}")
        fit_started = time.perf_counter()
        model = estimator.fit(sentences)
        train_seconds = time.perf_counter() - fit_started
        rows = model.getVectors().collect()
        key_to_index = {row.word: i for i, row in enumerate(rows)}
        matrix = np.array([row.vector.toArray() for row in rows], dtype=np.float32).reshape(len(rows), effective.dim)
        vectors = gensim_to_vocab_order(corpus, key_to_index, matrix)
        progress.note(f"spark-mllib: {len(rows):,} words trained in {train_seconds:.1f}s")
        timings = {"setup_seconds": round(fit_started - started, 3), "train_seconds": round(train_seconds, 3),
                   "words_per_second": round(corpus.n_tokens * effective.epochs / max(train_seconds, 1e-9))}
        engine = describe_session(spark) | {"name": "spark-mllib", "num_partitions": effective.mllib_partitions,
                                            "objective": "hierarchical softmax", "subsampling": False,
                                            "max_sentence_length": MLLIB_MAX_SENTENCE_LENGTH,
                                            "words_trained": len(rows)}
        # Spark properties may hold credentials: the manifest names them without their values
        recorded = dataclasses.replace(effective, spark_conf=tuple(f"{item.partition('=')[0]}=(not recorded)"
                                                                   for item in effective.spark_conf))
        return finish_vectors_artifact(staging, corpus, vectors, recorded, started=started, timings=timings,
                                       epochs=[], engine=engine)
