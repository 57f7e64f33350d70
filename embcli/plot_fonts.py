"""Choosing a font that can draw the words on a plot (Chinese, Japanese, Korean, …).

matplotlib's default font (DejaVu Sans) has no CJK glyphs: without help a Chinese model's map
is a page of empty boxes and ~60 `Glyph … missing` warnings. `font_families_for` finds an
installed font that covers every character of the labels and puts it first in the fallback
list; if none exists it says once which font package to install.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

INSTALL_HINT = "install a CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk; macOS and Windows ship one)"
# Family names that usually carry CJK glyphs, tried before scanning every installed font.
LIKELY_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "Droid Sans Fallback",
                   "AR PL", "SimHei", "Microsoft YaHei", "PingFang", "Hiragino", "Heiti", "Songti", "Arial Unicode")


def characters_needing_a_font(labels: Iterable[str]) -> set[str]:
    """Characters of `labels` beyond what matplotlib's default font draws (Latin, Greek, Cyrillic…).

    >>> sorted(characters_needing_a_font(["king", "café", "北京"]))
    ['京', '北']
    """
    return {char for label in labels for char in label if ord(char) >= 0x2E80}


def _covers(path: str, characters: set[str], ft2font: Any) -> bool:
    try:
        font = ft2font.FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(char)) for char in characters)


def covering_family(characters: set[str], fonts: Any = None) -> str | None:
    """The family name of an installed font that has every one of `characters`, or None."""
    from matplotlib import font_manager, ft2font

    entries = list(fonts if fonts is not None else font_manager.fontManager.ttflist)
    likely = [entry for entry in entries if any(hint.lower() in entry.name.lower() for hint in LIKELY_FAMILIES)]
    for entry in likely + [entry for entry in entries if entry not in likely]:
        if "last resort" in entry.name.lower():  # draws every character as a box
            continue
        if _covers(entry.fname, characters, ft2font):
            return str(entry.name)
    if fonts is None:  # matplotlib's font list is cached: a font installed since is only on disk
        known = {entry.fname for entry in entries}
        for path in sorted(set(font_manager.findSystemFonts()) - known):
            if _covers(path, characters, ft2font):
                font_manager.fontManager.addfont(path)
                return str(font_manager.FontProperties(fname=path).get_name())
    return None


def font_families_for(labels: Iterable[str], note: Any = None) -> list[str] | None:
    """The font family list to draw `labels` with, or None when the default font will do.

    `note` (a callable taking one line) hears once when no installed font covers the labels.
    """
    characters = characters_needing_a_font(labels)
    if not characters:
        return None
    family = covering_family(characters)
    if family is None:
        if note is not None:
            shown = "".join(sorted(characters)[:8])
            note(f"no installed font can draw {shown}…; the labels will show as boxes — {INSTALL_HINT}")
        return None
    return [family, "DejaVu Sans"]
