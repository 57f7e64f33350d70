"""The Spark engine: artifacts identical to the local engine's, sharded corpora, MLlib export, errors.

Tests that need Spark share one local[2] session and skip (with the reason)
when pyspark or Java is missing; `make test` installs the `spark` extra.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.config import CooccurConfig, PreprocessConfig, Word2VecConfig, build_config
from embcli.cooccurrence import count_cooccurrences, load_cooccurrence
from embcli.corpus.token_corpus import load_token_corpus, read_token_range, split_ids_into_shards
from embcli.errors import ConfigError, EmbcliError
from embcli.preprocessing import preprocess_corpus
from embcli.spark.session import SparkSettings, spark_available

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "corpus" / "en-sample-1m.txt.gz"
SLICE_LINES = 20_000
# Small input listed *first*: Spark packs the big file's splits first, so line order must be restored.
ODD_LINES = (b"Caf\xe9 latte, caf\xc3\xa9 au lait\n"  # undecodable byte, replaced and counted
             b"windows line ending\r\n"
             b"lone\rcarriage return stays inside one line\n"
             b"\n"
             b"the the the and of of in a zebra zebra\n"
             b"last line without newline zebra")

spark_reason = spark_available()
needs_spark = pytest.mark.skipif(spark_reason is not None, reason=spark_reason or "")


# ---------------------------------------------------------------------------
# fixtures: one Spark session, the same inputs prepared by both engines


@pytest.fixture(scope="module")
def spark():
    from embcli.spark.session import build_session

    # small splits: the 2 MB slice becomes several partitions, exercising split boundaries and ordering
    session = build_session(SparkSettings(master="local[2]", conf=(
        "spark.sql.files.maxPartitionBytes=700000", "spark.sql.files.openCostInBytes=1000",
        "spark.default.parallelism=2", "spark.sql.shuffle.partitions=2")))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    directory = tmp_path_factory.mktemp("spark-inputs")
    (directory / "odd.txt").write_bytes(ODD_LINES)
    with gzip.open(BUNDLED, "rb") as source, open(directory / "slice.txt", "wb") as target:
        for _, line in zip(range(SLICE_LINES), source):
            target.write(line)
    return [str(directory / "odd.txt"), str(directory / "slice.txt")]


@pytest.fixture(scope="module")
def corpora(spark, inputs, tmp_path_factory) -> tuple[Path, Path]:
    """(local, spark) corpus directories of the same inputs; the Spark one sharded."""
    from embcli.spark.preprocess import preprocess_on_spark

    directory = tmp_path_factory.mktemp("spark-corpora")
    config = PreprocessConfig(min_count=2, stopwords="english", workers=1)
    preprocess_corpus(inputs, directory / "local", config)
    preprocess_on_spark(inputs, directory / "spark", config, SparkSettings(), shard_tokens=100_000)
    return directory / "local", directory / "spark"


# ---------------------------------------------------------------------------
# equality with the local engine


@needs_spark
def test_spark_preprocess_is_identical_to_local(corpora):
    local, spark = corpora
    for name in ("vocab.tsv", "corpus.txt", "offsets.npy", "lines.npy"):
        assert (spark / name).read_bytes() == (local / name).read_bytes(), name
    assert not (spark / "ids.npy").exists()
    local_corpus, spark_corpus = load_token_corpus(local, check_ids=True), load_token_corpus(spark, check_ids=True)
    assert np.array_equal(spark_corpus.ids, local_corpus.ids)
    local_manifest, spark_manifest = local_corpus.manifest, spark_corpus.manifest
    assert spark_manifest["kind"] == "corpus" and spark_manifest["engine"]["name"] == "spark"
    assert spark_manifest["counts"] == local_manifest["counts"]
    assert spark_manifest["config"] == local_manifest["config"]
    assert spark_manifest["inputs"] == local_manifest["inputs"]
    assert spark_manifest["counts"]["undecodable_bytes"] == 1
    assert spark_manifest["files"]["lines"] == "lines.npy"  # doc2vec's doctags.tsv needs each input line
    shards = -(-len(local_corpus.ids) // 100_000)
    assert shards >= 2 and spark_manifest["files"]["ids"] == [f"ids-{i:05d}.npy" for i in range(shards)]


@needs_spark
def test_spark_preprocess_cli_drop_and_max_vocab(spark, inputs, tmp_path):
    options = ["--min-count", "3", "--max-vocab", "500", "--oov", "drop", "--workers", "1", "-q"]
    local = run("preprocess", *inputs, "-o", tmp_path / "local", *options)
    remote = run("preprocess", *inputs, "-o", tmp_path / "spark", "--backend", "spark", "--spark-master", "local[2]",
                 *options, "--json")
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout)["counts"]["vocab_size"] == 501
    for name in ("vocab.tsv", "ids.npy", "offsets.npy", "corpus.txt"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


@needs_spark
def test_spark_reads_uris_in_input_order(spark, inputs, tmp_path):
    from embcli.spark.preprocess import preprocess_on_spark

    second = tmp_path / "second.txt"
    second.write_text("zebra crossing\nthe last words here\n")
    config = PreprocessConfig(min_count=1, workers=1)
    preprocess_corpus([inputs[0], str(second)], tmp_path / "local", config)
    uris = [Path(inputs[0]).as_uri(), str(second)]  # a URI Spark resolves itself, then a local path
    manifest = preprocess_on_spark(uris, tmp_path / "spark", config, SparkSettings())
    for name in ("vocab.tsv", "ids.npy", "offsets.npy", "corpus.txt"):
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert manifest["inputs"][0] == {"path": uris[0]} and manifest["inputs"][1]["path"] == str(second)


@needs_spark
@pytest.mark.parametrize("config", [CooccurConfig(window=5, workers=1),
                                    CooccurConfig(window=3, asymmetric=True, keep_unk=True, workers=1)])
def test_spark_cooccurrence_equals_local(corpora, config, tmp_path):
    from embcli.spark.cooccur import cooccur_on_spark

    local_corpus, spark_corpus = corpora
    count_cooccurrences(load_token_corpus(local_corpus), tmp_path / "local", config)
    manifest = cooccur_on_spark(load_token_corpus(spark_corpus), tmp_path / "spark", config, SparkSettings())
    local, remote = load_cooccurrence(tmp_path / "local"), load_cooccurrence(tmp_path / "spark")
    assert remote.nnz == local.nnz > 10_000
    assert np.array_equal(remote.rows, local.rows) and np.array_equal(remote.cols, local.cols)
    np.testing.assert_allclose(remote.values, local.values, rtol=1e-12)
    assert manifest["engine"]["key_ranges"] >= 2 and manifest["engine"]["map_tasks"] >= 2
    assert (tmp_path / "spark" / "vocab.tsv").read_bytes() == (tmp_path / "local" / "vocab.tsv").read_bytes()


@needs_spark
def test_cooccur_cli_spark_backend(corpora, tmp_path):
    result = run("cooccur", corpora[1], "-o", tmp_path / "co", "--backend", "spark", "--window", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"]["name"] == "spark"


# ---------------------------------------------------------------------------
# MLlib


@needs_spark
def test_mllib_skipgram_exports_our_artifact(spark, corpora, tmp_path):
    from embcli.embeddings import load_embeddings

    small = tmp_path / "small.txt"
    small.write_text("".join((corpora[0] / "corpus.txt").read_text().splitlines(keepends=True)[:1500]))
    preprocess_corpus([str(small)], tmp_path / "corpus", PreprocessConfig(min_count=3, workers=1))
    result = run("train", tmp_path / "corpus", "--engine", "spark-mllib", "--hs", "--dim", "8", "--epochs", "1",
                 "-o", tmp_path / "vectors", "-q")
    assert result.exit_code == 0, result.output
    embeddings = load_embeddings(tmp_path / "vectors")
    corpus = load_token_corpus(tmp_path / "corpus")
    assert embeddings.words == corpus.vocab.tokens and embeddings.vectors.shape == (len(corpus.vocab), 8)
    assert np.all(np.isfinite(embeddings.vectors)) and np.abs(embeddings.vectors).sum() > 0
    manifest = embeddings.manifest
    assert manifest["engine"]["name"] == "spark-mllib"
    assert manifest["config"]["hs"] is True and manifest["config"]["negative"] == 0 and manifest["config"]["sample"] == 0


def test_mllib_refuses_what_it_cannot_do():
    from embcli.spark.word2vec_mllib import mllib_config

    with pytest.raises(ConfigError, match="hierarchical softmax only"):
        mllib_config(Word2VecConfig(engine="spark-mllib"))
    with pytest.raises(ConfigError, match="skip-gram only"):
        mllib_config(Word2VecConfig(model="cbow", hs=True, engine="spark-mllib"))
    with pytest.raises(ConfigError, match="no subsampling"):
        mllib_config(Word2VecConfig(hs=True, sample=1e-4, engine="spark-mllib"))
    effective = mllib_config(Word2VecConfig(negative=0, hs=False, engine="spark-mllib"))
    assert (effective.hs, effective.negative, effective.sample) == (True, 0, 0.0)
    assert effective.min_alpha == pytest.approx(0.025 * 1e-4)


def test_train_cli_refuses_negative_sampling_on_mllib(tmp_path):
    (tmp_path / "in.txt").write_text("a b a b c\n")
    preprocess_corpus([str(tmp_path / "in.txt")], tmp_path / "corpus", PreprocessConfig(min_count=1, workers=1))
    result = run("train", tmp_path / "corpus", "--engine", "spark-mllib", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "hierarchical softmax only (no negative sampling); pass --hs (or --negative 0)" in result.output
    result = run("train", tmp_path / "corpus", "--spark-master", "local[2]", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "--spark-master local[2] applies only to --engine spark-mllib" in result.output


# ---------------------------------------------------------------------------
# errors


@needs_spark
def test_spark_job_failure_is_one_line_and_leaves_nothing(spark, tmp_path):
    fake = tmp_path / "notreally.txt.gz"
    fake.write_text("plain text in a file named .gz\n")
    result = run("preprocess", fake, "-o", tmp_path / "out", "--backend", "spark", "--min-count", "1")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: Spark job failed during preprocess: ") and "; full log: " in lines[-1]
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["notreally.txt.gz"]


def test_missing_pyspark_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    source = tmp_path / "in.txt"
    source.write_text("a b\n")
    result = run("preprocess", source, "-o", tmp_path / "out", "--backend", "spark")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: the Spark engine needs the optional extra pyspark: pip install 'embcli[spark]'"


def test_missing_java_is_one_line(monkeypatch):
    pytest.importorskip("pyspark")
    from embcli.spark.session import require_spark

    monkeypatch.setenv("JAVA_HOME", "/nonexistent-jdk")
    with pytest.raises(EmbcliError, match=r"needs Java, which was not found: install Java 17 or later"):
        require_spark()


def test_spark_options_need_the_spark_engine(tmp_path):
    result = run("preprocess", tmp_path, "-o", tmp_path / "out", "--spark-master", "local[2]")
    assert result.exit_code == 2 and "--spark-master local[2] applies only to --backend spark" in result.output
    with pytest.raises(ConfigError, match="is not key=value"):
        SparkSettings(conf=("spark.executor.memory",)).conf_pairs()


def test_compressed_content_without_extension_is_refused(tmp_path):
    from embcli.spark.inputs import check_spark_readable

    packed = tmp_path / "data.txt"
    packed.write_bytes(gzip.compress(b"a b c\n"))
    with pytest.raises(EmbcliError, match="gzip-compressed but Spark picks decompression by file extension"):
        check_spark_readable(str(packed))


def test_spark_conf_accepts_repeated_values():
    config = build_config(Word2VecConfig, overrides={"spark_conf": ("a=1", "b=2"), "engine": "spark-mllib"})
    assert config.spark_conf == ("a=1", "b=2")


# ---------------------------------------------------------------------------
# sharded corpora (no Spark needed)


def test_sharded_corpus_reads_like_single_file(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("".join(f"w{i % 7} w{i % 3} w{i % 5} w{i % 2}\n" for i in range(200)))
    preprocess_corpus([str(source)], tmp_path / "single", PreprocessConfig(min_count=1, workers=1))
    single = load_token_corpus(tmp_path / "single")
    sharded_dir = tmp_path / "sharded"
    sharded_dir.mkdir()
    for name in ("ids.npy", "offsets.npy", "vocab.tsv", "corpus.txt", "manifest.json"):
        (sharded_dir / name).write_bytes((tmp_path / "single" / name).read_bytes())
    assert split_ids_into_shards(sharded_dir, 300) == ["ids-00000.npy", "ids-00001.npy", "ids-00002.npy"]
    sharded = load_token_corpus(sharded_dir, check_ids=True)
    assert np.array_equal(sharded.ids, single.ids) and sharded.n_sentences == 200
    assert np.array_equal(read_token_range(sharded_dir, 250, 650), single.ids[250:650])
    config = CooccurConfig(window=3, workers=1)
    count_cooccurrences(single, tmp_path / "co-single", config)
    count_cooccurrences(sharded, tmp_path / "co-sharded", config)
    assert (tmp_path / "co-sharded" / "values.npy").read_bytes() == (tmp_path / "co-single" / "values.npy").read_bytes()
