"""embcli plot: a real PNG/SVG map, and a clear message when matplotlib is missing."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest

from conftest import run
from toy_vectors import clustered_vectors, write_vectors_dir

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def toy_dir(tmp_path: Path) -> Path:
    words, vectors = clustered_vectors(60, 16, clusters=3)
    return write_vectors_dir(tmp_path / "vectors", ["<unk>"] + words[1:], vectors)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_of_the_top_words(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = run("plot", toy_dir, "-o", out, "--top", "20", "--json")
    assert result.exit_code == 0, result.output
    width, height = png_size(out)
    assert width > 100 and height > 100 and out.stat().st_size > 5000
    plotted = json.loads(result.stdout)
    assert plotted["words"] == [f"w{i}" for i in range(1, 21)]  # <unk> left out
    assert len(plotted["coordinates"]) == 20


def test_svg_of_named_words_with_tsne(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.svg"
    words = [f"w{i}" for i in range(1, 13)]
    result = run("plot", toy_dir, *words, "-o", out, "--method", "tsne", "--json")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "<svg" in text and "w12" in text
    assert json.loads(result.stdout)["words"] == words


def test_plot_errors(toy_dir: Path, tmp_path: Path) -> None:
    unknown = run("plot", toy_dir, "w1", "w2", "nope", "-o", tmp_path / "m.png")
    assert unknown.exit_code == 1 and "'nope' not in the vocabulary" in unknown.output
    suffix = run("plot", toy_dir, "-o", tmp_path / "m.jpg")
    assert suffix.exit_code == 2 and "the map is written as .png or .svg" in suffix.output
    few = run("plot", toy_dir, "w1", "w2", "-o", tmp_path / "m.png")
    assert few.exit_code == 1 and "Error: a PCA map needs at least 3 distinct words, got 2" in few.output
    assert not list(tmp_path.glob("m.*")) and not list(tmp_path.glob(".m.*"))


def test_missing_matplotlib_is_one_line(toy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name == "matplotlib" or name.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib...` raise ImportError
    result = run("plot", toy_dir, "-o", tmp_path / "m.png")
    assert result.exit_code == 1
    assert result.output == "Error: plotting needs matplotlib, an optional extra: pip install 'embcli[plot]'\n"
    assert not (tmp_path / "m.png").exists()


def test_labels_of_close_points_move_apart() -> None:
    import numpy as np

    from embcli.plotting import label_steps

    points = np.array([[0.0, 0.0], [0.001, 0.0], [0.002, 0.001], [1.0, 1.0], [0.5, 0.0]])
    assert label_steps(points) == [0, 1, 2, 0, 0]
