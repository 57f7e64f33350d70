"""The hashing trick: stable buckets, the bucket vocabulary, collision stats, training and lookup on bucket ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.corpus.hashing import hash_vocabulary, token_bucket
from embcli.corpus.token_corpus import load_token_corpus
from embcli.embeddings import HashBucketResolver, load_embeddings


def test_bucket_is_blake2b_and_not_salted():
    assert token_bucket("user_42", 1000) == 689
    assert token_bucket("user_42", 2**64) == int.from_bytes(
        __import__("hashlib").blake2b(b"user_42", digest_size=8).digest(), "little")
    code = "from embcli.corpus.hashing import token_bucket; print(token_bucket('ü-42', 97))"
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outputs == {f"{token_bucket('ü-42', 97)}\n"}


def test_hash_vocabulary_by_hand():
    buckets = 4
    tokens = [f"id{i}" for i in range(12)]
    counts = np.arange(12, 0, -1)  # id0 most frequent
    hashed = hash_vocabulary(tokens, counts, buckets, lowercase=True, nfkc=True)
    bucket_of = [token_bucket(t, buckets) for t in tokens]
    totals = {k: sum(c for b, c in zip(bucket_of, counts.tolist()) if b == k) for k in range(buckets)}
    vocab = hashed.vocab
    assert vocab.tokens[0] == "<unk>" and vocab.counts[0] == 0 and len(vocab) == buckets + 1
    assert vocab.counts[1:].tolist() == sorted(totals.values(), reverse=True)
    for row, token in enumerate(vocab.tokens[1:], start=1):
        if token.startswith("#bucket:"):
            assert totals[int(token.split(":")[1])] == 0
            continue
        bucket = token_bucket(token, buckets)
        members = [t for t, b in zip(tokens, bucket_of) if b == bucket]
        assert token == members[0]  # the most frequent member represents the bucket
        assert vocab.counts[row] == totals[bucket]
        assert all(vocab.tokens[hashed.remap[tokens.index(m)]] == token for m in members)
    used = len(set(bucket_of))
    assert hashed.stats["buckets_used"] == used and hashed.stats["colliding_types"] == 12 - used
    assert hashed.stats["type_collision_rate"] == round((12 - used) / 12, 6)
    lookup = HashBucketResolver(vocab.tokens, hashed.stats)
    assert [lookup.row(t) for t in tokens] == hashed.remap.tolist()
    assert lookup.row("ID3") == lookup.row("id3")  # normalised as preprocess normalised


@pytest.fixture(scope="module")
def id_corpus(tmp_path_factory) -> Path:
    """Sessions of long-tailed item IDs: two families of items that co-occur within their family."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(2000):
        family = "a" if rng.random() < 0.5 else "b"
        items = np.minimum(rng.zipf(1.3, size=6), 5000)
        lines.append(" ".join(f"{family}{item}" for item in items))
    path = tmp_path_factory.mktemp("ids") / "sessions.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def hashed_dirs(tmp_path_factory, id_corpus) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("hashed")
    corpus, model = base / "corpus", base / "model"
    result = run("preprocess", id_corpus, "-o", corpus, "--hash-buckets", "64", "--tokenizer", "whitespace",
                 "--workers", "1", "-q")
    assert result.exit_code == 0, result.output
    result = run("train", corpus, "-o", model, "--dim", "8", "--epochs", "2", "--workers", "1", "-q")
    assert result.exit_code == 0, result.output
    return corpus, model


def test_preprocess_hashes_every_token(hashed_dirs, id_corpus):
    corpus_dir, _ = hashed_dirs
    corpus = load_token_corpus(corpus_dir, check_ids=True)
    manifest = corpus.manifest
    section = manifest["hashing"]
    tokens = id_corpus.read_text().split()
    distinct = set(tokens)
    assert section["buckets"] == 64 and section["hash"] == "blake2b-64-le" and section["types_seen"] == len(distinct)
    assert section["buckets_used"] == len({token_bucket(t, 64) for t in distinct}) and section["colliding_types"] > 0
    assert 0 < section["token_collision_rate"] < 1
    assert len(corpus.vocab) == 65 and corpus.vocab.tokens[0] == "<unk>" and corpus.vocab.counts[0] == 0
    assert int(corpus.vocab.counts.sum()) == len(tokens) == corpus.n_tokens
    assert manifest["counts"]["oov_tokens"] == 0
    first_line = id_corpus.read_text().splitlines()[0].split()
    written = corpus.text_path.read_text().splitlines()[0].split()
    assert [token_bucket(t, 64) for t in written] == [token_bucket(t, 64) for t in first_line]
    assert list(corpus.sentence(0)) == [corpus.vocab.tokens.index(t) for t in written]


def test_training_and_lookup_on_buckets(hashed_dirs):
    corpus_dir, model_dir = hashed_dirs
    embeddings = load_embeddings(model_dir)
    assert len(embeddings) == 65 and embeddings.manifest["hashing"]["buckets"] == 64
    vocab_tokens = load_token_corpus(corpus_dir).vocab.tokens
    unseen = "b999999"
    row = vocab_tokens.index(next(t for t in vocab_tokens[1:] if not t.startswith("#")
                                  and token_bucket(t, 64) == token_bucket(unseen, 64)))
    vector, source = embeddings.lookup(unseen)
    assert source == "hash-bucket"
    np.testing.assert_array_equal(vector, embeddings.vectors[row])
    result = run("vectors", model_dir, unseen, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["source"] == "hash-bucket"
    assert "the hash bucket it shares with other tokens" in run("vectors", model_dir, unseen).stderr


def test_eval_works_on_representatives(hashed_dirs, tmp_path):
    _, model_dir = hashed_dirs
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a1\ta2\t9\na1\tb1\t1\nb1\tb2\t9\na2\tb2\t1\n")
    report = json.loads(run("eval", model_dir, "--similarity", pairs, "--json").stdout)
    assert report["similarity"][0]["found"] >= 2


def test_hash_bucket_errors(tmp_path, id_corpus):
    result = run("preprocess", id_corpus, "-o", tmp_path / "out", "--hash-buckets", "16", "--max-vocab", "10")
    assert result.exit_code == 2
    assert "--hash-buckets 16 and --max-vocab 10 exclude each other: the buckets are the vocabulary" in result.output
    result = run("preprocess", id_corpus, "-o", tmp_path / "out", "--hash-buckets", "0")
    assert result.exit_code == 2 and "--hash-buckets 0: must be an integer of at least 1" in result.output
    assert not (tmp_path / "out").exists()
