"""Co-occurrence counting: a hand-computed matrix, bounded memory == unbounded, the cache, and errors."""

from __future__ import annotations

import errno
import json
import random
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.artifacts import write_manifest
from embcli.config import CooccurConfig
from embcli.cooccurrence import count_cooccurrences, ensure_cooccurrence, load_cooccurrence
from embcli.cooccurrence.external_sort import RunFileWriter
from embcli.corpus.token_corpus import load_token_corpus
from embcli.corpus.vocabulary import Vocabulary, write_vocabulary
from embcli.errors import ResourceError

WORDS = ["<unk>", "a", "b", "c"]


def write_corpus_dir(path: Path, tokens: list[str], sentences: list[list[int]], note: str = "") -> Path:
    """A corpus directory as `embcli preprocess` lays it out, with ids chosen by the test."""
    path.mkdir(parents=True, exist_ok=True)
    ids = np.array([i for sentence in sentences for i in sentence], dtype=np.uint32)
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sentences])
    np.save(path / "ids.npy", ids)
    np.save(path / "offsets.npy", offsets)
    counts = np.bincount(ids, minlength=len(tokens)).astype(np.int64)
    write_vocabulary(path / "vocab.tsv", Vocabulary(tokens, counts))
    (path / "corpus.txt").write_text("\n".join(" ".join(tokens[i] for i in s) for s in sentences) + "\n")
    write_manifest(path, "corpus", note=note)
    return path


def as_dict(directory: Path) -> dict[tuple[int, int], float]:
    matrix = load_cooccurrence(directory)
    return {(int(r), int(c)): float(v) for r, c, v in zip(matrix.rows, matrix.cols, matrix.values)}


def count(corpus_dir: Path, out: Path, **options) -> dict:
    options.setdefault("workers", 1)
    return count_cooccurrences(load_token_corpus(corpus_dir), out, CooccurConfig(**options))


@pytest.fixture()
def hand_corpus(tmp_path: Path) -> Path:
    # "a b <unk> c" / "c a" / "b b" / "a b c a": with window 2, <unk> removed, c is 2 from a in line 1,
    # and no window reaches from one line into the next.
    return write_corpus_dir(tmp_path / "corpus", WORDS, [[1, 2, 0, 3], [3, 1], [2, 2], [1, 2, 3, 1]])


def test_hand_computed_symmetric_matrix(hand_corpus: Path, tmp_path: Path) -> None:
    manifest = count(hand_corpus, tmp_path / "cooc", window=2)
    a, b, c = 1, 2, 3
    expected = {
        # line 1 (a b c after removing <unk>): a-b 1, b-c 1, a-c 1/2; line 2: c-a 1; line 3: b-b 1 (both orders)
        # line 4 (a b c a): a-b 1, b-c 1, c-a 1, a-c 1/2, b-a 1/2 (a...a is 3 apart: out of the window)
        (a, b): 1 + 1 + 0.5, (b, a): 1 + 1 + 0.5,
        (b, c): 1 + 1, (c, b): 1 + 1,
        (a, c): 0.5 + 1 + 1 + 0.5, (c, a): 0.5 + 1 + 1 + 0.5,
        (b, b): 2.0,
    }
    assert as_dict(tmp_path / "cooc") == expected
    assert manifest["counts"]["nnz"] == len(expected)
    assert manifest["window"] == 2 and manifest["symmetric"] is True and manifest["weighting"] == "harmonic"
    matrix = load_cooccurrence(tmp_path / "cooc")
    keys = matrix.rows.astype(np.int64) * 4 + matrix.cols
    assert np.all(np.diff(keys) > 0)  # sorted by (row, col)
    assert manifest["inputs"]["corpus"]["kind"] == "corpus"


def test_hand_computed_asymmetric_matrix(hand_corpus: Path, tmp_path: Path) -> None:
    count(hand_corpus, tmp_path / "cooc", window=2, asymmetric=True)
    a, b, c = 1, 2, 3
    # each pair once, as (left word, right word)
    expected = {(a, b): 2.0, (b, c): 2.0, (a, c): 0.5 + 0.5, (c, a): 1 + 1, (b, b): 1.0, (b, a): 0.5}
    assert as_dict(tmp_path / "cooc") == expected


def test_keep_unk_counts_unk_as_a_word(hand_corpus: Path, tmp_path: Path) -> None:
    count(hand_corpus, tmp_path / "cooc", window=1, keep_unk=True)
    counted = as_dict(tmp_path / "cooc")
    assert counted[(2, 0)] == counted[(0, 2)] == 1.0  # b <unk>
    assert counted[(0, 3)] == 1.0  # <unk> c
    assert counted[(1, 3)] == 2.0  # "c a" in lines 2 and 4; line 1's a and c are 3 apart with <unk> kept
    count(hand_corpus, tmp_path / "dropped", window=1)
    assert all(0 not in key for key in as_dict(tmp_path / "dropped"))


def brute_force(sentences: list[list[int]], window: int, symmetric: bool = True) -> dict[tuple[int, int], float]:
    """The definition, directly: drop <unk>, then every pair within `window` in a sentence adds 1/distance."""
    from fractions import Fraction

    counts: dict[tuple[int, int], Fraction] = {}
    for sentence in sentences:
        kept = [t for t in sentence if t != 0]
        for j, right in enumerate(kept):
            for distance in range(1, min(j, window) + 1):
                left = kept[j - distance]
                for key in ([(left, right), (right, left)] if symmetric else [(left, right)]):
                    counts[key] = counts.get(key, Fraction(0)) + Fraction(1, distance)
    return {key: float(value) for key, value in counts.items()}


@pytest.fixture()
def random_corpus(tmp_path: Path) -> tuple[Path, list[list[int]]]:
    rng = random.Random(7)
    vocab = ["<unk>"] + [f"w{i}" for i in range(150)]
    sentences = [[min(int(rng.paretovariate(1.0)) - 1, 150) if rng.random() > 0.1 else 0 for _ in range(rng.randint(1, 25))]
                 for _ in range(800)]
    return write_corpus_dir(tmp_path / "random", vocab, sentences), sentences


def test_counts_match_the_definition(random_corpus, tmp_path: Path) -> None:
    corpus_dir, sentences = random_corpus
    count(corpus_dir, tmp_path / "cooc", window=5, workers=2)
    counted = as_dict(tmp_path / "cooc")
    expected = brute_force(sentences, 5)
    assert counted.keys() == expected.keys()
    assert all(abs(counted[key] - expected[key]) < 1e-9 for key in expected)


def test_tiny_memory_cap_spills_and_gives_the_identical_matrix(random_corpus, tmp_path: Path) -> None:
    corpus_dir, _ = random_corpus
    unbounded = count(corpus_dir, tmp_path / "big", window=5, memory_mb=64)
    corpus = load_token_corpus(corpus_dir)
    capped = count_cooccurrences(corpus, tmp_path / "small", CooccurConfig(window=5, memory_mb=0.05, workers=2), fan_in=2)
    assert unbounded["spill"]["runs_spilled"] == 0
    assert capped["spill"]["runs_spilled"] > 4 and capped["spill"]["merge_passes"] > 1
    for name in ("rows.npy", "cols.npy", "values.npy"):
        assert np.array_equal(np.load(tmp_path / "big" / name), np.load(tmp_path / "small" / name))
    assert sorted(p.name for p in (tmp_path / "small").iterdir()) == ["cols.npy", "manifest.json", "rows.npy", "values.npy", "vocab.tsv"]


def test_chunks_tile_the_corpus_within_the_buffer(random_corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    import embcli.cooccurrence.planning as cooccur

    corpus_dir, sentences = random_corpus
    monkeypatch.setattr(cooccur, "PLAN_SENTENCES", 7)  # chunks carry over many planning slices
    config = CooccurConfig(window=5, memory_mb=0.05, workers=1)
    plan = cooccur.plan_counting(load_token_corpus(corpus_dir), config)
    assert plan.chunks[0][0] == 0 and plan.chunks[-1][1] == len(sentences) and len(plan.chunks) > 10
    assert all(a[1] == b[0] for a, b in zip(plan.chunks, plan.chunks[1:]))
    pairs = [sum(2 * min(j, 5) for j in range(len([t for t in s if t]))) for s in sentences]
    assert sum(pairs) == plan.total_pairs
    assert all(sum(pairs[first:stop]) <= plan.buffer_pairs for first, stop in plan.chunks)
    assert all(sum(pairs[first : stop + 1]) > plan.buffer_pairs for first, stop in plan.chunks[:-1])  # greedy


def test_disk_full_while_spilling_cleans_up(random_corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus_dir, _ = random_corpus

    def no_space(self, keys, sums):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunFileWriter, "__call__", no_space)
    out = tmp_path / "out"
    with pytest.raises(ResourceError, match=rf"disk full while writing the co-occurrence matrix {out}: it needs up to about [\d,]+ bytes"):
        count(corpus_dir, out, window=5, memory_mb=0.05)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["random"]  # no staging or run files left


def test_cache_is_reused_only_while_it_matches(random_corpus, tmp_path: Path) -> None:
    corpus_dir, sentences = random_corpus
    cache = tmp_path / "cache"
    config = CooccurConfig(window=3, workers=1)
    assert ensure_cooccurrence(load_token_corpus(corpus_dir), cache, config) == (cache, False)
    assert ensure_cooccurrence(load_token_corpus(corpus_dir), cache, config) == (cache, True)
    # other settings, then another corpus in the same place: rebuilt, never reused
    assert ensure_cooccurrence(load_token_corpus(corpus_dir), cache, CooccurConfig(window=2, workers=1))[1] is False
    write_corpus_dir(corpus_dir, ["<unk>"] + [f"w{i}" for i in range(150)], sentences[:100], note="changed")
    assert ensure_cooccurrence(load_token_corpus(corpus_dir), cache, CooccurConfig(window=2, workers=1))[1] is False
    assert as_dict(cache).keys() == brute_force(sentences[:100], 2).keys()


# ---------------------------------------------------------------------------
# the command


def test_cli_writes_the_artifact(hand_corpus: Path, tmp_path: Path) -> None:
    result = run("cooccur", hand_corpus, "-o", tmp_path / "cooc", "--window", "2", "--json", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["nnz"] == 7
    again = run("cooccur", hand_corpus, "-o", tmp_path / "cooc", "--window", "2")
    assert again.exit_code == 1 and "already exists; pass --force" in again.output


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--window", "0"], 2, "--window 0: must be an integer from 1 to 10000"),
        (["--window", "1000000000"], 2, "--window 1000000000: must be an integer from 1 to 10000"),
        (["--memory-mb", "0.001"], 2, "--memory-mb 0.001 is too small: one counting buffer needs"),
    ],
)
def test_cli_rejects_bad_options(hand_corpus: Path, tmp_path: Path, args: list[str], exit_code: int, message: str) -> None:
    result = run("cooccur", hand_corpus, "-o", tmp_path / "cooc", *args)
    assert result.exit_code == exit_code
    assert message in result.output
    assert not (tmp_path / "cooc").exists()


def test_cli_rejects_missing_and_incomplete_corpus(tmp_path: Path) -> None:
    missing = run("cooccur", tmp_path / "nope", "-o", tmp_path / "cooc")
    assert missing.exit_code == 1 and f"Error: {tmp_path / 'nope'} does not exist" in missing.output
    (tmp_path / "half").mkdir()
    incomplete = run("cooccur", tmp_path / "half", "-o", tmp_path / "cooc")
    assert incomplete.exit_code == 1 and "has no manifest.json" in incomplete.output
    assert not (tmp_path / "cooc").exists()


def test_cli_rejects_newer_corpus_format(hand_corpus: Path, tmp_path: Path) -> None:
    manifest = json.loads((hand_corpus / "manifest.json").read_text())
    manifest["format_version"] = 99
    (hand_corpus / "manifest.json").write_text(json.dumps(manifest))
    result = run("cooccur", hand_corpus, "-o", tmp_path / "cooc")
    assert result.exit_code == 1 and "newer than this embcli supports" in result.output
