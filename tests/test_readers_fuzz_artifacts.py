"""More readers of user files fed arbitrary bytes: a result or one of embcli's errors, never another exception.

The readers of what comes inside or beside a model: fastText `.bin`, phrase
tables, stop-word lists, classification files, quantized directories, a
doc2vec model's inference settings, `--tags` files and token patterns (whose
check must also never let through a pattern `re` backtracks on).
"""

from __future__ import annotations

import json
import re
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embcli.corpus.stopword_file import read_stopword_file
from embcli.corpus.token_pattern import compile_token_pattern
from embcli.doc2vec_inference import checked_inference_config
from embcli.embeddings import load_embeddings
from embcli.embeddings.fasttext_bin import read_fasttext_bin
from embcli.errors import EmbcliError
from embcli.evaluation.classification import read_labeled_texts
from embcli.corpus.phrase_table import PHRASES_HEADER, read_phrase_table
from embcli.quantization.codecs import quantize_int8

from test_readers_fuzz import FUZZ, read_bytes_with, with_prefix

def fasttext_model(words: tuple[bytes, ...] = (b"ab", b"cd"), dim: int = 2, bucket: int = 3) -> bytes:
    """A tiny version-12 fastText model, laid out as fastText writes it."""
    head = struct.pack("<2i", 793712314, 12) + struct.pack("<12id", dim, 5, 5, 1, 5, 1, 2, 2, bucket, 1, 2, 100, 1e-4)
    head += struct.pack("<3i2q", len(words), len(words), 0, 10, -1)
    head += b"".join(word + b"\0" + struct.pack("<qb", 3, 0) for word in words)
    rows = len(words) + bucket
    head += b"\0" + struct.pack("<2q", rows, dim) + np.arange(rows * dim, dtype="<f4").tobytes()
    return head + b"\0" + struct.pack("<2q", len(words), dim) + np.zeros(len(words) * dim, "<f4").tobytes()


PHRASES = (PHRASES_HEADER + "\nnew_york\t5\t120\t1\tnew york\nnew_york_city\t3\t99\t2\tnew_york city\n").encode()
STOPWORDS = b"a\nthe\n\xc3\xa9t\xc3\xa9\n"
LABELED = b"pos\tgood film\nneg\tbad film\npos\tfine\n"


@FUZZ
@given(with_prefix(fasttext_model()))
def test_fasttext_bin(data: bytes) -> None:
    read_bytes_with(read_fasttext_bin, data, "model.bin")
    read_bytes_with(load_embeddings, data, "model.bin")


@FUZZ
@given(with_prefix(PHRASES))
def test_phrase_tables(data: bytes) -> None:
    read_bytes_with(read_phrase_table, data, "phrases.tsv")


@FUZZ
@given(with_prefix(STOPWORDS))
def test_stopword_lists(data: bytes) -> None:
    read_bytes_with(read_stopword_file, data, "stopwords.txt")


@FUZZ
@given(with_prefix(LABELED))
def test_classification_files(data: bytes) -> None:
    read_bytes_with(read_labeled_texts, data, "task.tsv")


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
                        st.text(max_size=8), st.lists(st.integers(), max_size=2))
INFERENCE_KEYS = st.sampled_from(["window", "negative", "dm", "sample", "alpha", "min_alpha", "epochs", "infer_epochs"])


@FUZZ
@given(st.dictionaries(INFERENCE_KEYS, JSON_VALUES, max_size=5))
def test_doc2vec_inference_settings(config: dict) -> None:
    """Whatever a manifest says, inference runs with bounded, typed settings or is refused."""
    try:
        checked = checked_inference_config(config, "manifest.json: config")
    except EmbcliError:
        return
    assert 1 <= checked["window"] <= 10_000 and 1 <= checked["infer_epochs"] <= 10_000
    assert all(np.isfinite(checked[key]) for key in ("sample", "alpha", "min_alpha"))


def _quantized_directory(directory: Path) -> None:
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    codes, scales = quantize_int8(vectors)
    np.save(directory / "codes.npy", codes)
    np.save(directory / "scales.npy", scales)
    (directory / "vocab.tsv").write_text("index\ttoken\tcount\n0\t<unk>\t0\n1\ta\t2\n2\tb\t1\n")
    ngram_codes, ngram_scales = quantize_int8(np.ones((5, 4), dtype=np.float32))
    np.save(directory / "ngram_codes.npy", ngram_codes)
    np.save(directory / "ngram_scales.npy", ngram_scales)


QUANTIZED_MANIFEST = {
    "kind": "quantized", "format_version": 1, "method": "int8",
    "files": {"codes": "codes.npy", "scales": "scales.npy", "vocab": "vocab.tsv"},
    "subwords": {"minn": 1, "maxn": 2, "buckets": 5, "hash": "fasttext-fnv1a-32", "hash_version": 1,
                 "quantized": {"method": "int8", "files": ["ngram_codes.npy", "ngram_scales.npy"]}},
}
QUANTIZED_KEYS = st.sampled_from(["method", "files", "subwords", "hashing", "tokenizer", "counts"])
SUBWORD_KEYS = st.sampled_from(["minn", "maxn", "buckets", "hash", "hash_version", "quantized"])


@FUZZ
@given(st.dictionaries(QUANTIZED_KEYS, JSON_VALUES, max_size=2), st.dictionaries(SUBWORD_KEYS, JSON_VALUES, max_size=3))
def test_quantized_directories(changes: dict, subword_changes: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        _quantized_directory(directory)
        manifest = json.loads(json.dumps(QUANTIZED_MANIFEST))
        manifest["subwords"].update(subword_changes)
        manifest.update(changes)
        (directory / "manifest.json").write_text(json.dumps(manifest))
        try:
            load_embeddings(directory).vectors_for(["a", "zz"])
        except EmbcliError:
            pass


# ---------------------------------------------------------------------------
# token patterns: accepted ones run in linear time per start position


ATOMS = ["a", "b", "[ab]", r"\w", ".", r"\d", "1", "[^a]"]


def patterns() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(ATOMS)
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda pair: f"(?:{pair[0]}|{pair[1]})"),
        st.tuples(inner, st.sampled_from(["+", "*", "?", "{2}", "{1,3}", "{2,}"])).map(lambda p: f"(?:{p[0]}){p[1]}"),
    ), max_leaves=6).flatmap(lambda body: st.sampled_from(["", "$", "!", "c"]).map(lambda tail: body + tail))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns())
def test_accepted_token_patterns_do_not_backtrack(pattern: str) -> None:
    """An accepted pattern on adversarial lines takes time growing at most quadratically with the line."""
    try:
        compiled = compile_token_pattern(pattern)
    except EmbcliError:
        return
    for text in ("a" * 12 + "!", "1" * 12 + "!", "ab" * 6 + "!"):
        started = time.perf_counter()
        compiled.findall(text)
        assert time.perf_counter() - started < 0.05, pattern


@pytest.mark.parametrize("pattern", [
    r"(?:a|aa)+b", r"(?:a|a)+b", r"(?:a+)+b", r"(?:.*a){20}", r"(?:.*a){1,20}", r"\w*\w*\w*\w*!", r"\w+\d+",
    r"(?:\w+\s?)*", r"(?:a{1,100}){1,100}b", r"(?:x+x+)+y", r"(?:a|b|ab)*c", r"(?:a*)*", r"(?:a?)+", r"(?:a|)+",
    r"(?=(?:a+)+b)\w", "a" * 3000,
])
def test_backtracking_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(EmbcliError):
        compile_token_pattern(pattern)


@pytest.mark.parametrize("pattern", [
    r"[^\W_]+(?:['’][^\W_]+)*", r"\S+", r"[a-z]+", r"https?://\S+|\w+", r"\w+|\d+", r"\w+(?:[-']\w+)*", r"#?\w+",
    r"\d+(?:\.\d+)?", r"[\w.]+@[\w.]+", r"(?:ab){3}", r"\w+|[^\w\s]+", r"\d{4}-\d{2}-\d{2}", r"(?![\u4e00-\u9fff])\w+",
])
def test_ordinary_patterns_stay_allowed(pattern: str) -> None:
    assert isinstance(compile_token_pattern(pattern), re.Pattern)
