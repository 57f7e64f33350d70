"""embcli quantize: int8 and PQ codes, the quantized artifact, and every reader using it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import run
from toy_vectors import clustered_vectors, write_vectors_dir

from embcli.errors import ConfigError
from embcli.quantization.codecs import (
    default_subspaces,
    dequantize_int8,
    dequantize_pq,
    quantize_int8,
    train_product_quantizer,
)
from embcli.embeddings import load_embeddings


@pytest.fixture()
def toy_dir(tmp_path: Path) -> Path:
    words, vectors = clustered_vectors()
    return write_vectors_dir(tmp_path / "vectors", words, vectors, counts=list(range(1000, 700, -1)))


def similarity_file(path: Path, words: list[str], vectors: np.ndarray, pairs: int = 60) -> Path:
    """Pairs scored by their true cosine (plus noise), so Spearman is high and sensitive to distortion."""
    rng = np.random.default_rng(1)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    lines = []
    for _ in range(pairs):
        i, j = rng.choice(len(words), size=2, replace=False)
        lines.append(f"{words[i]}\t{words[j]}\t{10 * float(unit[i] @ unit[j]) + rng.normal(scale=0.5):.3f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# the codes


@pytest.mark.parametrize("scale", ["row", "dim"])
def test_int8_error_is_at_most_half_a_step(scale: str) -> None:
    _, vectors = clustered_vectors(200, 16)
    codes, scales = quantize_int8(vectors, scale)
    assert codes.dtype == np.int8 and scales.dtype == np.float32
    assert scales.shape == ((200,) if scale == "row" else (16,))
    assert np.abs(codes).max() == 127  # the largest value of each row/dimension uses the full range
    step = scales[:, None] if scale == "row" else scales[None, :]
    error = np.abs(dequantize_int8(codes, scales) - vectors)
    assert np.all(error <= step / 2 + 1e-6)


def test_int8_keeps_zero_rows_and_signs() -> None:
    vectors = np.array([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5]], dtype=np.float32)
    codes, scales = quantize_int8(vectors)
    assert codes.tolist() == [[0, 0, 0], [127, -64, 32]]
    assert scales[0] == 0.0
    assert np.allclose(dequantize_int8(codes, scales), vectors, atol=scales[1] / 2)


def test_pq_shapes_and_reconstruction() -> None:
    _, vectors = clustered_vectors(400, 24)
    codes, codebooks = train_product_quantizer(vectors, 6, iterations=10, seed=3, workers=1)
    assert codes.shape == (400, 6) and codes.dtype == np.uint8
    assert codebooks.shape == (6, 256, 4) and codebooks.dtype == np.float32
    restored = dequantize_pq(codes, codebooks)
    assert restored.shape == vectors.shape
    relative = np.linalg.norm(restored - vectors) / np.linalg.norm(vectors)
    centred = np.linalg.norm(vectors - vectors.mean(axis=0)) / np.linalg.norm(vectors)
    assert relative < 0.3 * centred  # far better than coding every row by the mean
    again, _ = train_product_quantizer(vectors, 6, iterations=10, seed=3, workers=1)
    assert np.array_equal(codes, again)  # seeded


def test_pq_with_fewer_rows_than_centroids_is_exact() -> None:
    _, vectors = clustered_vectors(40, 8)
    codes, codebooks = train_product_quantizer(vectors, 2)
    assert np.allclose(dequantize_pq(codes, codebooks), vectors, atol=1e-5)


def test_default_subspaces() -> None:
    assert [default_subspaces(d) for d in (100, 24, 30, 7, 300)] == [25, 6, 6, 1, 75]


@pytest.mark.parametrize(("subspaces", "message"), [
    (7, "--subspaces 7 does not divide the 24 dimensions of the vectors; choose one of 1, 2, 3, 4, 6, 8, 12, 24"),
    (48, "--subspaces 48 is more than the 24 dimensions of the vectors; use a divisor of 24 such as 6"),
    (0, "--subspaces must be at least 1, got 0"),
])
def test_pq_rejects_bad_subspaces(subspaces: int, message: str) -> None:
    _, vectors = clustered_vectors(50, 24)
    with pytest.raises(ConfigError) as error:
        train_product_quantizer(vectors, subspaces)
    assert str(error.value) == message


# ---------------------------------------------------------------------------
# the artifact and the command


@pytest.mark.parametrize("method", ["int8", "pq"])
def test_quantized_directory_is_read_by_every_consumer(toy_dir: Path, tmp_path: Path, method: str) -> None:
    out = tmp_path / f"q-{method}"
    result = run("quantize", toy_dir, "-o", out, "--method", method, "--no-eval", "--subspaces", "12")
    assert result.exit_code == 0, result.output
    assert "size:" in result.output and "x smaller" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "quantized" and manifest["method"] == method
    assert manifest["inputs"]["vectors"]["kind"] == "vectors"
    arrays = ["codes.npy", "scales.npy"] if method == "int8" else ["codes.npy", "codebooks.npy"]
    assert sorted(p.name for p in out.iterdir()) == sorted(arrays + ["manifest.json", "vocab.tsv"])
    assert manifest["sizes"]["quantized_bytes"] == sum((out / name).stat().st_size for name in arrays)
    assert manifest["sizes"]["source_bytes"] == (toy_dir / "vectors.npy").stat().st_size

    original, quantized = load_embeddings(toy_dir), load_embeddings(out)
    assert quantized.words == original.words and quantized.vectors.dtype == np.float32
    assert np.array_equal(quantized.counts, original.counts)
    cosines = np.sum(original.unit_vectors * quantized.unit_vectors, axis=1)
    assert cosines.min() > (0.999 if method == "int8" else 0.9)

    pairs = similarity_file(tmp_path / "pairs.tsv", original.words, np.asarray(original.vectors))
    scores = {}
    for name, path in (("original", toy_dir), ("quantized", out)):
        report = run("eval", path, "--similarity", pairs, "--json")
        assert report.exit_code == 0, report.output
        scores[name] = json.loads(report.stdout)["similarity"][0]["spearman"]
    assert scores["original"] > 0.8
    assert abs(scores["quantized"] - scores["original"]) <= (0.01 if method == "int8" else 0.05)

    printed = run("vectors", out, "w5")
    assert printed.exit_code == 0, printed.output
    assert np.allclose([float(v) for v in printed.stdout.split()[1:]], quantized.vectors[5], atol=1e-6)

    neighbors = run("neighbors", out, "w0", "-k", "3", "--json")
    assert neighbors.exit_code == 0, neighbors.output
    assert all(int(found["word"][1:]) % 6 == 0 for found in json.loads(neighbors.stdout)[0]["neighbors"])  # same cluster


def test_int8_per_dimension_scales(toy_dir: Path, tmp_path: Path) -> None:
    result = run("quantize", toy_dir, "-o", tmp_path / "q", "--scale", "dim", "--no-eval", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["parameters"] == {"scale": "dim"} and payload["eval"] is None
    assert np.load(tmp_path / "q" / "scales.npy", allow_pickle=False).shape == (24,)


def test_quantize_reports_the_eval_drop(toy_dir: Path, tmp_path: Path) -> None:
    result = run("quantize", toy_dir, "-o", tmp_path / "q", "--json")
    assert result.exit_code == 0, result.output
    drop = json.loads(result.stdout)["eval"]
    assert [row["name"] for row in drop["similarity"]][:1] and drop["analogy"]
    assert {row["measure"] for row in drop["analogy"]} == {"3cosadd", "3cosmul"}
    text = run("quantize", toy_dir, "-o", tmp_path / "q", "--force")
    assert "standard suite" in text.output and "Spearman" in text.output


def test_quantize_errors_leave_nothing_behind(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "q"
    result = run("quantize", toy_dir, "-o", out, "--method", "pq", "--subspaces", "7")
    assert result.exit_code == 2
    assert "--subspaces 7 does not divide the 24 dimensions of the vectors" in result.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["vectors"]

    assert run("quantize", toy_dir, "-o", out, "--no-eval").exit_code == 0
    again = run("quantize", toy_dir, "-o", out, "--no-eval")
    assert again.exit_code == 1
    assert f"Error: {out} already exists; pass --force to replace it or choose another output path" in again.output

    twice = run("quantize", out, "-o", tmp_path / "qq", "--no-eval")
    assert twice.exit_code == 1
    assert f"Error: {out} is already quantized; quantize the original vectors instead" in twice.output


def test_corrupt_quantized_directory_is_a_clear_error(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "q"
    assert run("quantize", toy_dir, "-o", out, "--method", "pq", "--subspaces", "6", "--no-eval").exit_code == 0
    np.save(out / "codebooks.npy", np.zeros((3, 256, 4), dtype=np.float32))
    result = run("neighbors", out, "w0")
    assert result.exit_code == 1
    assert "do not fit together; re-run embcli quantize" in result.output


def test_hashed_models_keep_their_bucket_lookup(tmp_path: Path) -> None:
    from embcli.config import PreprocessConfig
    from embcli.corpus.vocabulary import read_vocabulary
    from embcli.preprocessing import preprocess_corpus

    raw = tmp_path / "ids.txt"
    raw.write_text("\n".join(f"user{i} item{i % 7} item{i % 5}" for i in range(200)) + "\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    manifest = preprocess_corpus([str(raw)], corpus, PreprocessConfig(hash_buckets=16, min_count=1, workers=1))
    words = read_vocabulary(corpus / "vocab.tsv").tokens
    vectors = np.random.default_rng(0).normal(size=(len(words), 8)).astype(np.float32)
    source = write_vectors_dir(tmp_path / "vectors", words, vectors, corpus=corpus, hashing=manifest["hashing"])
    out = tmp_path / "q"
    assert run("quantize", source, "-o", out, "--no-eval").exit_code == 0
    unseen = run("vectors", out, "user999999")  # never seen: hashed to its bucket
    assert unseen.exit_code == 0, unseen.output
    original = run("vectors", source, "user999999")
    assert np.allclose([float(v) for v in unseen.stdout.split()[1:]], [float(v) for v in original.stdout.split()[1:]],
                       atol=0.02)
