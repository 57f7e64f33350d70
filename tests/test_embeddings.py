"""The Embeddings type: gensim's names, one lookup for unseen words, confined manifests, self-contained artifacts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from embcli.corpus.subword_ngrams import HASH_NAME
from embcli.embeddings import Embeddings, SubwordResolver, load_embeddings
from embcli.embeddings.registry import FileFormat, file_formats, register_file_format
from embcli.errors import FormatError, InputError, UnknownWordError
from toy_vectors import write_vectors_dir

WORDS = ["<unk>", "a", "b", "c"]
VECTORS = np.array([[0, 0, 0], [1, 0, 0], [0, 2, 0], [0, 0, 3]], dtype=np.float32)


# ---------------------------------------------------------------------------
# the type


def test_gensim_names_and_one_lookup() -> None:
    ngrams = np.arange(30, dtype=np.float32).reshape(10, 3)
    embeddings = Embeddings(WORDS, VECTORS, resolver=SubwordResolver(ngrams, 3, 4))
    assert embeddings.index_to_key is embeddings.words and embeddings.key_to_index["c"] == 3
    assert len(embeddings) == 4 and embeddings.dim == 3 and embeddings.vectors is VECTORS
    np.testing.assert_array_equal(embeddings["b"], [0, 2, 0])
    np.testing.assert_array_equal(embeddings.get_vector("b", norm=True), [0, 1, 0])
    np.testing.assert_array_equal(embeddings[["a", "c"]], VECTORS[[1, 3]])
    assert "zebra" in embeddings and not embeddings.has_index_for("zebra")  # fastText answers any word
    vector, how = embeddings.lookup("zebra")
    assert how == "subwords"
    np.testing.assert_allclose(vector, embeddings.resolver.vector("zebra"))  # type: ignore[union-attr]
    rows, found = embeddings.vectors_for(["a", "zebra"])
    assert found.tolist() == [True, True] and np.allclose(rows, [VECTORS[1], vector])
    assert embeddings.rows_for(["c", "zebra"]).tolist() == [3, -1]  # n-gram vectors are no rows


def test_an_unknown_word_is_a_key_error_and_an_input_error() -> None:
    embeddings = Embeddings(WORDS, VECTORS, source="toy")
    with pytest.raises(KeyError):
        embeddings["zebra"]
    with pytest.raises(InputError, match=r"^'zebra' is not in the vocabulary of toy and the model has no subword"):
        embeddings.get_vector("zebra")
    with pytest.raises(UnknownWordError, match=r"^'x', 'y' are not in the vocabulary of toy"):
        embeddings.vectors_for(["a", "x", "y"], strict=True)
    assert "zebra" not in embeddings and 3 not in embeddings


def test_a_new_file_format_registers_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "model.toy"
    path.write_bytes(b"TOY!")
    reader = FileFormat("toy", matches=lambda p, head: head.startswith(b"TOY!"),
                        read=lambda p, vocab_path=None, mmap=True: Embeddings(["x"], np.ones((1, 2), np.float32)))
    register_file_format(reader, before="word2vec-text")
    try:
        assert file_formats().index("toy") == file_formats().index("word2vec-text") - 1
        assert load_embeddings(path).words == ["x"]
    finally:
        register_file_format(FileFormat("toy", matches=lambda p, head: False, read=reader.read))


def test_a_fasttext_bin_is_never_read_as_word2vec_binary(tmp_path: Path) -> None:
    """Both are `.bin`; fastText's int32 magic sends it to its own reader (or names it when none is registered)."""
    path = tmp_path / "model.bin"
    path.write_bytes((793712314).to_bytes(4, "little") + (12).to_bytes(4, "little") + b"\0" * 40)
    with pytest.raises(FormatError) as raised:
        load_embeddings(path)
    assert "word2vec binary header" not in str(raised.value)


# ---------------------------------------------------------------------------
# every file a manifest names stays inside the artifact


def _subwords(file: object) -> dict[str, object]:
    return {"file": file, "minn": 3, "maxn": 6, "buckets": 4, "hash": HASH_NAME, "hash_version": 1}


@pytest.mark.parametrize("name", ["../outside/secret.npy", "ABSOLUTE", "sub/ngrams.npy", "..", ""])
def test_manifest_file_names_outside_the_artifact_are_refused(tmp_path: Path, name: str) -> None:
    secret = tmp_path / "outside" / "secret.npy"
    secret.parent.mkdir()
    np.save(secret, np.full((4, 3), 7, dtype=np.float32))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "sub").mkdir()
    np.save(tmp_path / "model" / "sub" / "ngrams.npy", np.zeros((4, 3), dtype=np.float32))
    name = str(secret) if name == "ABSOLUTE" else name
    model = write_vectors_dir(tmp_path / "model" / "vectors", WORDS, VECTORS, subwords=_subwords(name))
    result = run("vectors", model, "unseenword")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "is not a plain file name inside" in result.output, result.output
    assert "7" not in result.stdout


def test_a_symlink_leading_out_of_the_artifact_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.npy"
    np.save(secret, np.full((4, 3), 7, dtype=np.float32))
    model = write_vectors_dir(tmp_path / "model", WORDS, VECTORS, subwords=_subwords("ngrams.npy"))
    (model / "ngrams.npy").symlink_to(secret)
    result = run("vectors", model, "unseenword")
    assert result.exit_code == 1 and "is not a plain file name inside" in result.output


@pytest.mark.parametrize("section, value", [("files", {"vocab": "../vocab.tsv"}), ("files", {"vectors": "/etc/passwd"}),
                                            ("tokenizer", {"tokenizer": "regex", "stopwords": "../stop.txt"})])
def test_every_loader_confines_its_files(tmp_path: Path, section: str, value: dict[str, str]) -> None:
    (tmp_path / "vocab.tsv").write_text("index\ttoken\tcount\n0\tx\t1\n", encoding="utf-8")
    (tmp_path / "stop.txt").write_text("a\n", encoding="utf-8")
    model = write_vectors_dir(tmp_path / "model", WORDS, VECTORS, **{section: value})
    result = run("vectors", model, "a")
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert "is not a plain file name inside" in result.output


def test_quantized_arrays_are_confined(tmp_path: Path) -> None:
    model = write_vectors_dir(tmp_path / "model", WORDS, VECTORS)
    assert run("quantize", model, "-o", tmp_path / "q", "--no-eval", "-q").exit_code == 0
    shutil.copy(tmp_path / "q" / "codes.npy", tmp_path / "codes.npy")
    manifest = json.loads((tmp_path / "q" / "manifest.json").read_text())
    manifest["files"]["codes"] = "../codes.npy"
    (tmp_path / "q" / "manifest.json").write_text(json.dumps(manifest))
    result = run("neighbors", tmp_path / "q", "a")
    assert result.exit_code == 1 and "files.codes '../codes.npy' is not a plain file name" in result.output


def test_a_subwords_section_without_buckets_is_one_line(tmp_path: Path) -> None:
    model = write_vectors_dir(tmp_path / "model", WORDS, VECTORS, subwords={"hash": HASH_NAME, "hash_version": 1})
    result = run("vectors", model, "a")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "subwords.buckets is missing" in result.output


def test_resolver_tables_that_do_not_fit_the_vectors_are_refused(tmp_path: Path) -> None:
    model = write_vectors_dir(tmp_path / "ft", WORDS, VECTORS, subwords=_subwords("ngrams.npy"))
    np.save(model / "ngrams.npy", np.zeros((4, 5), dtype=np.float32))  # 5 dims for vectors of 3
    wide = run("vectors", model, "a")
    assert wide.exit_code == 1 and "unseen-word vectors of 5 dimensions for word vectors of 3" in wide.output
    hashing = {"buckets": 10**12, "hash": "blake2b-64-le", "hash_version": 1}
    hashed = run("vectors", write_vectors_dir(tmp_path / "hashed", WORDS, VECTORS, hashing=hashing), "a")
    assert hashed.exit_code == 1 and hashed.output.count("\n") == 1
    assert "says 1000000000000 buckets for a vocabulary of 4 rows" in hashed.output


# ---------------------------------------------------------------------------
# hashed models and self-contained artifacts (training, then embed)


def test_embed_on_a_hashed_model_resolves_unseen_ids(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(" ".join(f"user{(i * 7 + j) % 40}" for j in range(8)) + "\n" for i in range(200)))
    assert run("preprocess", ids, "-o", tmp_path / "corpus", "--hash-buckets", "16", "--workers", "1", "-q").exit_code == 0
    assert run("train", tmp_path / "corpus", "-o", tmp_path / "vec", "--dim", "8", "--epochs", "1", "--workers", "1",
               "-q").exit_code == 0
    text = tmp_path / "in.txt"
    text.write_text("user0 user0\nuser123456789\n", encoding="utf-8")
    result = run("embed", tmp_path / "vec", text, "-o", tmp_path / "out.npy", "--json", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["oov_tokens"], summary["empty_rows"], summary["tokens"]) == (0, 0, 3)
    embeddings = load_embeddings(tmp_path / "vec")
    rows = np.load(tmp_path / "out.npy")
    np.testing.assert_allclose(rows, [embeddings["user0"], embeddings["user123456789"]], rtol=1e-6)
    printed = run("vectors", tmp_path / "vec", "user0", "--json")
    np.testing.assert_allclose(json.loads(printed.stdout)[0]["vector"], rows[0], rtol=1e-6)


def test_vectors_carry_their_tokenizer_wherever_embed_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir(), elsewhere.mkdir()
    monkeypatch.chdir(work)  # relative paths, as a user types them
    Path("raw.txt").write_text("The Cat sat\nthe cat ran\nA Dog sat\n" * 20, encoding="utf-8")
    Path("stop.txt").write_text("the\n", encoding="utf-8")
    assert run("preprocess", "raw.txt", "-o", "corpus", "--no-lowercase", "--stopwords", "stop.txt", "--min-count", "1",
               "--workers", "1", "-q").exit_code == 0
    assert run("train", "corpus", "-o", "vec", "--dim", "4", "--epochs", "1", "--workers", "1", "-q").exit_code == 0
    assert Path("vec/stopwords.txt").read_text() == "the\n"
    Path("in.txt").write_text("The Cat\ncat CAT the\n", encoding="utf-8")
    before = run("embed", "vec", "in.txt", "-o", "before.npy", "--json", "-q")
    assert before.exit_code == 0, before.output
    shutil.rmtree("corpus")  # nothing of the corpus is needed any more
    Path("stop.txt").unlink()
    shutil.move(str(work / "vec"), elsewhere / "vec")
    shutil.move(str(work / "in.txt"), elsewhere / "in.txt")
    monkeypatch.chdir(elsewhere)
    after = run("embed", "vec", "in.txt", "-o", "after.npy", "--json")
    assert after.exit_code == 0, after.output
    assert "note:" not in after.stderr
    assert json.loads(after.stdout)["tokens"] == json.loads(before.stdout)["tokens"] == 4  # `the` removed (case kept)
    np.testing.assert_array_equal(np.load("after.npy"), np.load(work / "before.npy"))
    sidecar = json.loads(Path("after.npy.json").read_text())["tokenizer"]
    assert sidecar["from"] == "vectors manifest" and sidecar["lowercase"] is False
    assert load_embeddings("vec").tokenizer()("the Cat CAT The") == ["Cat", "CAT", "The"]


def test_old_vectors_without_tokenizer_settings_fall_back_with_a_note(tmp_path: Path) -> None:
    model = write_vectors_dir(tmp_path / "model", WORDS, VECTORS)
    text = tmp_path / "in.txt"
    text.write_text("A b\n", encoding="utf-8")
    result = run("embed", model, text, "-o", tmp_path / "o.npy")
    assert result.exit_code == 0
    assert "records no tokenizer settings" in result.stderr and "preprocess's defaults" in result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "o.npy")[0], [0.5, 1, 0])  # lowercased, as preprocess's default
