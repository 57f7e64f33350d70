"""preprocess: tokenizers, vocabulary order, the id corpus, input kinds and errors."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.config import PreprocessConfig
from embcli.corpus.token_corpus import load_token_corpus
from embcli.corpus.tokenize import TokenizerSpec, make_tokenizer
from embcli.corpus.vocabulary import build_vocabulary, read_vocabulary
from embcli import preprocessing as preprocess_module
from embcli.preprocessing import preprocess_corpus

TEXT = "b a c a\n\nB d a\nc b e\n"


def prep(tmp_path: Path, text: str = TEXT, name: str = "out", inputs: list[str] | None = None, **options) -> Path:
    source = tmp_path / "in.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / name
    config = PreprocessConfig(**{"min_count": 1, "workers": 1, **options})
    preprocess_corpus(inputs or [str(source)], out, config)
    return out


def decoded_sentences(directory: Path) -> list[list[str]]:
    corpus = load_token_corpus(directory, check_ids=True)
    return [[corpus.vocab.tokens[i] for i in corpus.sentence(s)] for s in range(corpus.n_sentences)]


def test_vocabulary_order_is_count_then_token():
    vocab = build_vocabulary({"b": 3, "a": 3, "c": 5, "d": 1}, min_count=2)
    assert vocab.tokens == ["<unk>", "c", "a", "b"]
    assert vocab.counts.tolist() == [1, 5, 3, 3]


def test_vocab_ids_and_text_agree(tmp_path):
    out = prep(tmp_path)
    vocab = read_vocabulary(out / "vocab.tsv")
    # lowercased: a x3, b x3, c x2, d x1, e x1; the empty line is not a sentence
    assert vocab.tokens == ["<unk>", "a", "b", "c", "d", "e"]
    assert vocab.counts.tolist() == [0, 3, 3, 2, 1, 1]
    sentences = decoded_sentences(out)
    assert sentences == [["b", "a", "c", "a"], ["b", "d", "a"], ["c", "b", "e"]]
    assert (out / "corpus.txt").read_text().splitlines() == [" ".join(s) for s in sentences]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "corpus"
    assert manifest["counts"]["tokens"] == 10 and manifest["counts"]["sentences"] == 3
    assert manifest["inputs"][0]["sha256"] and manifest["inputs"][0]["size"] == len(TEXT)


def test_oov_unk_and_drop(tmp_path):
    unk = prep(tmp_path, name="unk", min_count=2, oov="unk")
    drop = prep(tmp_path, name="drop", min_count=2, oov="drop")
    assert decoded_sentences(unk) == [["b", "a", "c", "a"], ["b", "<unk>", "a"], ["c", "b", "<unk>"]]
    assert decoded_sentences(drop) == [["b", "a", "c", "a"], ["b", "a"], ["c", "b"]]
    assert read_vocabulary(unk / "vocab.tsv").counts[0] == 2
    manifest = json.loads((drop / "manifest.json").read_text())
    assert manifest["counts"]["oov_rate"] == pytest.approx(0.2)
    assert manifest["counts"]["tokens_written"] == 8


def test_max_vocab_keeps_most_frequent(tmp_path):
    out = prep(tmp_path, max_vocab=2)
    assert read_vocabulary(out / "vocab.tsv").tokens == ["<unk>", "a", "b"]


@pytest.mark.parametrize("opener, suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_inputs_match_plain(tmp_path, opener, suffix):
    plain = prep(tmp_path, name="plain")
    packed = tmp_path / f"packed.txt{suffix}"
    with opener(packed, "wt", encoding="utf-8") as handle:
        handle.write(TEXT)
    # a misleading name: detection is by content, not extension
    renamed = tmp_path / "packed.dat"
    renamed.write_bytes(packed.read_bytes())
    out = tmp_path / "packed"
    preprocess_corpus([str(renamed)], out, PreprocessConfig(min_count=1, workers=1))
    assert decoded_sentences(out) == decoded_sentences(plain)


def test_directories_and_globs_in_sorted_order(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "b.txt").write_text("two\n")
    (tmp_path / "docs" / "a.txt").write_text("one\n")
    (tmp_path / "docs" / "sub" / "c.txt").write_text("three\n")
    (tmp_path / "docs" / ".hidden").write_text("secret\n")
    config = PreprocessConfig(min_count=1, workers=1)
    preprocess_corpus([str(tmp_path / "docs")], tmp_path / "dir", config)
    assert decoded_sentences(tmp_path / "dir") == [["one"], ["two"], ["three"]]
    preprocess_corpus([str(tmp_path / "docs" / "*.txt")], tmp_path / "glob", config)
    assert decoded_sentences(tmp_path / "glob") == [["one"], ["two"]]


def test_stdin_input(tmp_path):
    result = run("preprocess", "-", "-o", tmp_path / "out", "--min-count", "1", "-q", input=TEXT)
    assert result.exit_code == 0, result.output
    assert decoded_sentences(tmp_path / "out")[0] == ["b", "a", "c", "a"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"] == [{"path": "-", "size": len(TEXT), "sha256": manifest["inputs"][0]["sha256"]}]


def test_tokenizers():
    assert make_tokenizer(TokenizerSpec(kind="char"))("北京欢迎你") == ["北", "京", "欢", "迎", "你"]
    assert make_tokenizer(TokenizerSpec())("Don't STOP, Atlanta's café!") == ["don't", "stop", "atlanta's", "café"]
    assert make_tokenizer(TokenizerSpec(kind="whitespace", lowercase=False))("A b-c  d") == ["A", "b-c", "d"]
    # NFKC folds full-width letters and digits
    assert make_tokenizer(TokenizerSpec())("ＡＢＣ１２") == ["abc12"]
    assert make_tokenizer(TokenizerSpec(nfkc=False))("ＡＢＣ") == ["ａｂｃ"]
    assert make_tokenizer(TokenizerSpec(pattern="[a-z0-9']+"))("It's 'quoted'") == ["it's", "'quoted'"]


def test_jieba_tokenizer():
    pytest.importorskip("jieba")
    assert make_tokenizer(TokenizerSpec(kind="jieba"))("我来到北京清华大学") == ["我", "来到", "北京", "清华大学"]


def test_stopwords_english_and_file(tmp_path):
    out = prep(tmp_path, text="The cat and the dog\n", name="en", stopwords="english")
    assert decoded_sentences(out) == [["cat", "dog"]]
    words = tmp_path / "stop.txt"
    words.write_text("# my list\nCAT\n")
    out = prep(tmp_path, text="The cat and the dog\n", name="file", stopwords=str(words))
    assert decoded_sentences(out) == [["the", "and", "the", "dog"]]
    assert json.loads((out / "manifest.json").read_text())["counts"]["stopwords_removed"] == 1


def test_undecodable_bytes_are_replaced_and_counted(tmp_path):
    source = tmp_path / "bad.txt"
    source.write_bytes(b"caf\xff ok\nfine \xfe\xfd line\n")
    preprocess_corpus([str(source)], tmp_path / "out", PreprocessConfig(min_count=1, workers=1))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["undecodable_bytes"] == 3
    assert decoded_sentences(tmp_path / "out") == [["caf", "ok"], ["fine", "line"]]


def test_parallel_equals_serial(tmp_path, monkeypatch, topic_corpus_file):
    serial = tmp_path / "serial"
    preprocess_corpus([str(topic_corpus_file)], serial, PreprocessConfig(min_count=1, workers=1))
    monkeypatch.setattr(preprocess_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(preprocess_module, "REMAP_CHUNK_SENTENCES", 100)
    from embcli.corpus import readers

    original = readers.iter_line_chunks
    monkeypatch.setattr(preprocess_module, "iter_line_chunks", lambda items, on_close=None: original(items, 2000, on_close))
    parallel = tmp_path / "parallel"
    preprocess_corpus([str(topic_corpus_file)], parallel, PreprocessConfig(min_count=1, workers=2))
    for name in ("vocab.tsv", "ids.npy", "offsets.npy", "corpus.txt"):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name


def test_ids_are_memory_mappable_uint32(topic_corpus_dir):
    ids = np.load(topic_corpus_dir / "ids.npy", mmap_mode="r", allow_pickle=False)
    assert ids.dtype == np.uint32 and isinstance(ids, np.memmap)


# --- errors: one line, non-zero exit, nothing left behind -------------------------------------------


def assert_clean_failure(result, tmp_path: Path, message: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")], "staging directory left behind"
    assert not (tmp_path / "out").exists()


def test_missing_input(tmp_path):
    result = run("preprocess", tmp_path / "nope.txt", "-o", tmp_path / "out")
    assert_clean_failure(result, tmp_path, f"Error: input {tmp_path / 'nope.txt'} does not exist")


def test_empty_corpus(tmp_path):
    (tmp_path / "empty.txt").write_text("\n  \n")
    result = run("preprocess", tmp_path / "empty.txt", "-o", tmp_path / "out")
    assert_clean_failure(result, tmp_path, "Error: no tokens found in the input (2 lines read)")


def test_vocabulary_empty_after_min_count(tmp_path):
    (tmp_path / "small.txt").write_text("a b c\n")
    result = run("preprocess", tmp_path / "small.txt", "-o", tmp_path / "out", "--min-count", "9")
    assert_clean_failure(result, tmp_path, "Error: the vocabulary is empty after --min-count 9")


def test_refuses_to_overwrite_without_force(tmp_path):
    (tmp_path / "t.txt").write_text("a a a a a\n")
    assert run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out", "-q").exit_code == 0
    before = (tmp_path / "out" / "manifest.json").read_bytes()
    result = run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'out'} already exists; pass --force" in result.output
    assert (tmp_path / "out" / "manifest.json").read_bytes() == before
    assert run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out", "--force", "-q").exit_code == 0


def test_bad_token_pattern_and_missing_stopword_file(tmp_path):
    (tmp_path / "t.txt").write_text("a b\n")
    result = run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out", "--token-pattern", "([a-z]+")
    assert_clean_failure(result, tmp_path, "is not a valid regular expression", code=2)
    result = run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out", "--stopwords", tmp_path / "none.txt")
    assert_clean_failure(result, tmp_path, "stop-word file")


def test_failure_midway_leaves_no_artifact(tmp_path, monkeypatch):
    (tmp_path / "t.txt").write_text("a a b b\n")

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(preprocess_module, "write_vocabulary", explode)
    result = run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "out", "--min-count", "1")
    assert result.exit_code == 130
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_missing_parent_directories_are_created(tmp_path):
    (tmp_path / "t.txt").write_text("a a b\n")
    result = run("preprocess", tmp_path / "t.txt", "-o", tmp_path / "work" / "deep" / "corpus", "--min-count", "1", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "work" / "deep" / "corpus" / "manifest.json").exists()


# ---------------------------------------------------------------------------
# bounded memory: long lines become sentences of at most MAX_SENTENCE_TOKENS


def test_a_long_line_is_cut_into_sentences_of_bounded_length(tmp_path: Path, monkeypatch) -> None:
    from embcli.corpus import readers
    from embcli.corpus.token_corpus import MAX_SENTENCE_TOKENS

    monkeypatch.setattr(readers, "LINE_PIECE_BYTES", 64 * 1024)  # several pieces without a huge test file
    words = [f"w{i % 7}" for i in range(3 * MAX_SENTENCE_TOKENS + 5)]
    source = tmp_path / "text8.txt"
    source.write_text(" ".join(words))  # one line, no newline, like text8
    manifest = preprocess_corpus([str(source)], tmp_path / "corpus", PreprocessConfig(min_count=1))
    corpus = load_token_corpus(tmp_path / "corpus")
    lengths = np.diff(corpus.offsets)
    assert lengths.max() <= MAX_SENTENCE_TOKENS and lengths.sum() == len(words) and len(lengths) >= 4
    assert manifest["sentences"]["max_tokens"] == MAX_SENTENCE_TOKENS
    restored = [corpus.vocab.tokens[i] for i in corpus.ids]
    assert restored == words  # no token lost or split at a piece boundary
    text_lines = (tmp_path / "corpus" / "corpus.txt").read_text().splitlines()
    assert [len(line.split()) for line in text_lines] == lengths.tolist()
