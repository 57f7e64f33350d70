"""`WordTable`: vocab.tsv answered from its bytes must equal the list `read_vocabulary` reads, errors included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embcli.corpus.vocabulary import Vocabulary, read_vocabulary, write_vocabulary
from embcli.corpus.word_table import SEARCHES_BEFORE_DICT, WordTable
from embcli.embeddings import load_embeddings
from embcli.errors import FormatError
from toy_vectors import clustered_vectors, write_vectors_dir

WORDS = ["<unk>", "the", "Paris", "paris", "北京", "café", "the", "x y", ""]  # a repeat, casings, UTF-8, a space


def _vocab_file(tmp_path: Path, words: list[str] = WORDS) -> Path:
    path = tmp_path / "vocab.tsv"
    write_vocabulary(path, Vocabulary(list(words), np.arange(len(words), dtype=np.int64) * 7))
    return path


def test_rows_and_words_equal_the_list(tmp_path: Path) -> None:
    path = _vocab_file(tmp_path)
    table = WordTable(path)
    assert len(table) == len(WORDS) and [table[i] for i in range(len(WORDS))] == WORDS and table[-1] == ""
    assert [table.row(word) for word in WORDS] == [WORDS.index(word) for word in WORDS]  # "the": its first row
    assert table.row("absent") == table.row("the\tx") == table.row("a\nb") == table.row("\udcff") == -1
    assert table == WORDS and WORDS == table and table == WordTable(path) and table != WORDS[:-1]
    assert table.counts.tolist() == read_vocabulary(path).counts.tolist()
    assert ["<pad>"] + table == ["<pad>"] + WORDS and table[1:3] == WORDS[1:3] and list(table) == WORDS
    with pytest.raises(IndexError):
        table[len(WORDS)]


def test_many_lookups_build_one_dict_that_answers_the_same(tmp_path: Path) -> None:
    words = ["<unk>"] + [f"w{i}" for i in range(3 * SEARCHES_BEFORE_DICT)] + ["w5"]
    table = WordTable(_vocab_file(tmp_path, words))
    asked = [f"w{i}" for i in range(0, 3 * SEARCHES_BEFORE_DICT + 10, 2)] + ["w5", "nope"]
    assert [table.row(word) for word in asked] == [words.index(w) if w in words else -1 for w in asked]
    assert table._index is not None and dict(table.key_to_index()) == {w: words.index(w) for w in words}


@pytest.mark.parametrize("body", ["0\t<unk>\t1\n1\tcat\tmany\n2\tdog\t3\n",  # not a count
                                  "0\t<unk>\t1\n7\tcat\t2\n2\tdog\t3\n"])  # a wrong index
def test_an_irregular_line_is_answered_as_read_vocabulary_answers(tmp_path: Path, body: str) -> None:
    path = tmp_path / "vocab.tsv"
    path.write_text("index\ttoken\tcount\n" + body, encoding="utf-8")
    try:
        expected: list[str] | str = read_vocabulary(path).tokens
    except FormatError as exc:
        expected = str(exc)
    assert WordTable(path).row("dog") == 2  # a regular line answers; the irregular one is not read
    table = WordTable(path)
    if isinstance(expected, str):  # the word on the bad line, or anything that reads the whole file: its error
        for read in (lambda: table.row("cat"), lambda: WordTable(path).counts, lambda: list(WordTable(path))):
            with pytest.raises(FormatError) as found:
                read()
            assert str(found.value) == expected and ":3:" in expected
    else:
        assert table.row("cat") == expected.index("cat") and table == expected


@pytest.mark.parametrize("body", [b"0\t<unk>\t1\n1\tcat\t2\tx\n2\tdog\t3\n",  # four fields
                                  b"0\t<unk>\t1\n1\tcat\n2\tdog\t3\n",  # two
                                  b"0\t<unk>\t1\n1\tc\xffat\t2\n2\tdog\t3\n"])  # not UTF-8
def test_a_bad_line_anywhere_is_found_on_opening(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "vocab.tsv"
    path.write_bytes(b"index\ttoken\tcount\n" + body)
    with pytest.raises(FormatError) as expected:
        read_vocabulary(path)
    with pytest.raises(FormatError) as found:
        WordTable(path)
    assert str(found.value) == str(expected.value)


def test_files_the_search_cannot_serve_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "vocab.tsv"
    path.write_bytes(b"index\ttoken\tcount\r\n0\t<unk>\t1\r\n1\tcat\t2\r\n")  # CRLF: as read_vocabulary reads it
    assert WordTable(path) == read_vocabulary(path).tokens
    path.write_text("index\ttoken\tcount\n0\t<unk>\t1\n1\tcat\t2", encoding="utf-8")  # no final newline
    assert WordTable(path) == ["<unk>", "cat"] and WordTable(path).row("cat") == 1
    for text in ("index\tword\tcount\n0\ta\t1\n", "index\ttoken\tcount\n"):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(FormatError) as expected:
            read_vocabulary(path)
        with pytest.raises(FormatError, match="expected header|empty") as found:
            WordTable(path)
        assert str(found.value) == str(expected.value)


def test_loaded_vectors_answer_as_a_list_would(tmp_path: Path) -> None:
    words, vectors = clustered_vectors(120, 8)
    words = ["<unk>"] + words[1:]
    directory = write_vectors_dir(tmp_path / "vectors", words, vectors, counts=list(range(120, 0, -1)))
    loaded = load_embeddings(directory)
    assert isinstance(loaded.words, WordTable) and loaded.words == words
    assert loaded.key_to_index["w7"] == 7 and "w7" in loaded and "w999" not in loaded.key_to_index
    assert loaded.key_to_index.get("w999", -1) == -1 and len(loaded.key_to_index) == len(words)
    assert loaded.counts.tolist() == list(range(120, 0, -1))
    index = loaded.key_to_index  # a loop over many tokens (embed, infer) ends up asking the dict itself
    assert [index.get(word) for word in words[::-1]] == list(range(len(words)))[::-1] and index.get("w999") is None
    assert type(loaded.key_to_index) is dict and index.get == loaded.key_to_index.get
    listed = type(loaded)(list(words), np.asarray(loaded.vectors))
    assert loaded.most_similar("w7", topn=5) == listed.most_similar("w7", topn=5)
    assert loaded.most_similar(positive=["w3", "w9"], negative=["w4"]) == listed.most_similar(
        positive=["w3", "w9"], negative=["w4"])
