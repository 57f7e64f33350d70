"""Hostile artifacts and settings, one class at a time: each is refused with one line and exit 1, before any work.

A model may come from anyone, so everything its manifest says is checked:
file names stay inside the directory (and are regular files), numbers have
the right type and range, tables are tables, token patterns cannot make `re`
backtrack, stop-word lists and phrase tables are capped, ids and row ids fit
the vocabulary, and stages that cannot use NaN or zero-width vectors say so.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from embcli.doc2vec_inference import load_doc2vec
from embcli.embeddings import load_embeddings
from embcli.errors import EmbcliError, FormatError
from embcli.corpus.phrase_table import MAX_PHRASE_TABLE_BYTES, PHRASES_HEADER

from conftest import run
from toy_vectors import write_vectors_dir

WORDS = ["<unk>", "the", "cat", "dog", "it", "is"]
VECTORS = np.arange(len(WORDS) * 4, dtype=np.float32).reshape(len(WORDS), 4) / 10 + 0.1
TOKENIZER = {"tokenizer": "regex", "token_pattern": None, "lowercase": True, "nfkc": True, "stopwords": None}


def one_line(result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def model(tmp_path: Path, **sections) -> Path:
    return write_vectors_dir(tmp_path / "model", WORDS, VECTORS, tokenizer=dict(TOKENIZER), **sections)


def edit_manifest(directory: Path, change) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    change(manifest)
    (directory / "manifest.json").write_text(json.dumps(manifest))


# ---------------------------------------------------------------------------
# confinement: names inside the directory, regular files only


@pytest.mark.parametrize(("key", "name"), [("stopwords", "../secret.txt"), ("phrases", "/etc/passwd"),
                                           ("stopwords", "sub/stopwords.txt")])
def test_tokenizer_files_outside_the_artifact_are_refused(tmp_path: Path, key: str, name: str) -> None:
    directory = model(tmp_path)
    edit_manifest(directory, lambda m: m["tokenizer"].update({key: name}))
    line = one_line(run("embed", directory, "-", "-o", tmp_path / "out.npy", input="the cat\n"))
    assert "is not a plain file name inside" in line and not (tmp_path / "out.npy").exists()


def test_a_member_that_is_a_fifo_is_refused_instead_of_waited_on(tmp_path: Path) -> None:
    directory = model(tmp_path)
    (directory / "vocab.tsv").unlink()
    os.mkfifo(directory / "vocab.tsv")
    assert "is not a regular file" in one_line(run("vectors", directory, "the"))


def test_doc2vec_output_rows_are_read_only_from_inside_the_model(tmp_path: Path) -> None:
    directory = model(tmp_path)
    np.save(tmp_path / "output_vectors.npy", VECTORS)
    edit_manifest(directory, lambda m: m.update(model="doc2vec", files={"output_vectors": "../output_vectors.npy"}))
    with pytest.raises(FormatError, match="not a plain file name inside"):
        load_doc2vec(load_embeddings(directory))


# ---------------------------------------------------------------------------
# numbers and tables from a manifest


@pytest.mark.parametrize(("change", "complaint"), [
    ({"infer_epochs": 10**12}, "config.infer_epochs is 1,000,000,000,000"),
    ({"window": "5"}, "config.window must be an integer"),
    ({"alpha": float("nan")}, "config.alpha must be a finite number"),
    ({"negative": -1}, "config.negative is -1"),
])
def test_doc2vec_inference_settings_are_typed_and_bounded(tmp_path: Path, change: dict, complaint: str) -> None:
    directory = model(tmp_path)
    np.save(directory / "output_vectors.npy", VECTORS)
    edit_manifest(directory, lambda m: m.update(model="doc2vec", config={"epochs": 2, **change}))
    with pytest.raises(FormatError, match=complaint.replace("(", r"\(")):
        load_doc2vec(load_embeddings(directory))


SUBWORDS = {"file": "ngrams.npy", "minn": 2, "maxn": 3, "buckets": 8, "hash": "fasttext-fnv1a-32", "hash_version": 1}


@pytest.mark.parametrize(("change", "complaint"), [
    ({"buckets": "8"}, "subwords.buckets must be an integer, not '8'"),
    ({"maxn": 10**30}, "subwords.maxn is 1,000,000,000,000,000,000,000,000,000,000"),
    ({"minn": True}, "subwords.minn must be an integer"),
])
def test_subword_layouts_are_typed_and_bounded(tmp_path: Path, change: dict, complaint: str) -> None:
    directory = model(tmp_path, subwords={**SUBWORDS, **change})
    np.save(directory / "ngrams.npy", np.ones((8, 4), dtype=np.float32))
    assert complaint in one_line(run("vectors", directory, "zebra"))


@pytest.mark.parametrize("section", ["files", "counts", "config", "tokenizer", "subwords"])
def test_a_section_that_is_not_a_table_is_one_line(tmp_path: Path, section: str) -> None:
    directory = model(tmp_path)
    edit_manifest(directory, lambda m: m.update({section: ["not", "a", "table"]}))
    assert f"the {section} section is a list, not a table" in one_line(run("vectors", directory, "the"))


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"kind": "vectors", "format_version": ' + "9" * 5000 + "}"])
def test_manifests_too_deep_or_with_huge_numbers_are_one_line(tmp_path: Path, text: str) -> None:
    directory = model(tmp_path)
    (directory / "manifest.json").write_text(text)
    assert "unreadable manifest" in one_line(run("vectors", directory, "the"))


# ---------------------------------------------------------------------------
# token patterns, stop words and phrase tables carried by a model


@pytest.mark.parametrize("pattern", [r"(?:a|aa)+b", r"(?:.*a){20}", r"\w*\w*\w*\w*\w*!", r"(?:a+)+b"])
def test_a_model_with_a_backtracking_pattern_is_refused_before_any_text(tmp_path: Path, pattern: str) -> None:
    directory = model(tmp_path)
    edit_manifest(directory, lambda m: m["tokenizer"].update(token_pattern=pattern))
    line = one_line(run("embed", directory, "-", "-o", tmp_path / "out.npy", input="a" * 40 + "\n"))
    assert "token_pattern" in line and "many ways" in line


def test_preprocess_refuses_what_embed_would_refuse(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("x" * 50 + "\n")
    line = one_line(run("preprocess", tmp_path / "in.txt", "-o", tmp_path / "out", "--token-pattern", r"(?:x|xx)+y"),
                    code=2)
    assert "exponentially many ways" in line and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("table", "complaint"), [
    ("it_is\t1\t1\t1000000000000\tit is\n", "with a pass from 1 to 100"),
    ("it_is\t1\t1\t0\tit is\n", "with a pass from 1 to 100"),
    ("garbage\n", "expected 'phrase<TAB>count<TAB>score<TAB>pass<TAB>parts'"),
])
def test_damaged_phrase_tables_are_one_line(tmp_path: Path, table: str, complaint: str) -> None:
    directory = model(tmp_path)
    (directory / "phrases.tsv").write_text(PHRASES_HEADER + "\n" + table)
    edit_manifest(directory, lambda m: m["tokenizer"].update(phrases="phrases.tsv"))
    assert complaint in one_line(run("embed", directory, "-", "-o", tmp_path / "out.npy", input="it is\n"))


@pytest.mark.parametrize(("name", "key"), [("phrases.tsv", "phrases"), ("stopwords.txt", "stopwords")])
def test_oversized_lists_in_a_model_are_refused_unread(tmp_path: Path, name: str, key: str) -> None:
    directory = model(tmp_path)
    with open(directory / name, "wb") as handle:
        handle.truncate(MAX_PHRASE_TABLE_BYTES + 1)  # sparse: larger than both caps
    edit_manifest(directory, lambda m: m["tokenizer"].update({key: name}))
    line = one_line(run("embed", directory, "-", "-o", tmp_path / "out.npy", input="it is\n"))
    assert "embcli reads at most" in line


def test_a_bom_is_no_part_of_the_first_stop_word(tmp_path: Path) -> None:
    directory = model(tmp_path)
    (directory / "stopwords.txt").write_bytes(b"\xef\xbb\xbfthe\n")
    edit_manifest(directory, lambda m: m["tokenizer"].update(stopwords="stopwords.txt"))
    assert load_embeddings(directory).tokenizer()("the cat") == ["cat"]


# ---------------------------------------------------------------------------
# fastText .bin headers


def fasttext_header(dim: int = 2, bucket: int = 0, minn: int = 3, maxn: int = 6, size: int = 1) -> bytes:
    head = struct.pack("<2i", 793712314, 12) + struct.pack("<12id", dim, 5, 5, 1, 5, 1, 2, 2, bucket, minn, maxn, 100, 1e-4)
    return head + struct.pack("<3i2q", size, size, 0, 10, -1) + b"a\0" + struct.pack("<qb", 1, 0) + b"\0" \
        + struct.pack("<2q", 1 + bucket, dim) + np.ones(2, "<f4").tobytes()


@pytest.mark.parametrize(("fields", "complaint"), [
    ({"bucket": -5}, "bucket is -5"), ({"dim": -2}, "dim is -2"), ({"minn": -100}, "minn is -100"),
    ({"size": 2**31 - 1}, "the dictionary claims 2,147,483,647 words"),
])
def test_fasttext_headers_with_impossible_fields_are_one_line(tmp_path: Path, fields: dict, complaint: str) -> None:
    (tmp_path / "m.bin").write_bytes(fasttext_header(**fields))
    assert complaint in one_line(run("neighbors", tmp_path / "m.bin", "a"))


# ---------------------------------------------------------------------------
# values stages cannot use


@pytest.mark.parametrize("command", [["eval"], ["export", "--format", "npy", "-o", "{out}"],
                                     ["export", "--format", "projector", "-o", "{out}"]])
def test_nan_vectors_are_refused_by_eval_and_export(tmp_path: Path, command: list[str]) -> None:
    vectors = VECTORS.copy()
    vectors[2, 1] = np.nan
    directory = write_vectors_dir(tmp_path / "model", WORDS, vectors)
    args = [part.replace("{out}", str(tmp_path / "out")) for part in command]
    assert "row 2 has NaN or infinite values" in one_line(run(args[0], directory, *args[1:], "-q"))
    assert not (tmp_path / "out").exists()


def test_zero_width_vectors_are_refused_on_load(tmp_path: Path) -> None:
    directory = write_vectors_dir(tmp_path / "model", WORDS, np.zeros((len(WORDS), 0), dtype=np.float32))
    with pytest.raises(EmbcliError, match="needs at least one dimension"):
        load_embeddings(directory)


def test_an_id_beyond_the_vocabulary_is_refused_for_gensim_too(tmp_path: Path, topic_corpus_dir: Path) -> None:
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(topic_corpus_dir, corpus)
    ids = np.load(corpus / "ids.npy")
    ids[9] = 4_000_000_000
    np.save(corpus / "ids.npy", ids)
    line = one_line(run("train", corpus, "--engine", "gensim", "-o", tmp_path / "out", "--dim", "4", "--epochs", "1",
                        "--workers", "1", "-q"))
    assert "token id 4000000000 at position 9 is beyond the vocabulary" in line
