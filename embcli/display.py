"""Text laid out in terminal columns: CJK characters take two columns, combining marks none.

Tables of words (neighbours, evaluation sets) are padded by display width, not by `len`, so a
column of Chinese words lines up with a column of English ones.
"""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal.

    >>> display_width("king"), display_width("北京"), display_width("café")
    (4, 4, 4)
    """
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int, *, align: str = "left") -> str:
    """`text` padded with spaces to `width` display columns (never cut).

    >>> pad("北京", 6) + "|", pad("7", 3, align="right")
    ('北京  |', '  7')
    """
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "left" else fill + text
