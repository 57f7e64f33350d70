"""Plots of Chinese words: an installed CJK font is used, or one line says which to install."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from embcli import plot_fonts
from embcli.cli import main
from tests.toy_vectors import write_vectors_dir

pytest.importorskip("matplotlib")
WORDS = ["北京", "上海", "广州", "深圳", "猫", "狗"]


def test_without_a_cjk_font_one_line_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = write_vectors_dir(tmp_path / "zh", WORDS, np.random.default_rng(1).normal(size=(6, 4)))
    monkeypatch.setattr(plot_fonts, "covering_family", lambda characters, fonts=None: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a per-glyph warning would fail the test
        result = CliRunner().invoke(main, ["plot", str(model), "-o", str(tmp_path / "map.png")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "font" in line and not line.startswith("Wrote")]
    assert len(notes) == 1 and "apt-get install fonts-noto-cjk" in notes[0]
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_latin_labels_need_no_font_and_a_covering_font_is_put_first(monkeypatch: pytest.MonkeyPatch) -> None:
    assert plot_fonts.font_families_for(["king", "café"]) is None
    monkeypatch.setattr(plot_fonts, "covering_family", lambda characters, fonts=None: "Some CJK Sans")
    assert plot_fonts.font_families_for(["北京", "king"]) == ["Some CJK Sans", "DejaVu Sans"]
