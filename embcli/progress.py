"""Progress reporting on stderr: a tqdm bar on a terminal, plain lines otherwise.

Core functions take a `Progress` so they stay free of click; the CLI makes one
from `--quiet`. stdout is left to results (`--json` output, tables).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqdm import tqdm


def escape_controls(text: object) -> str:
    r"""`text` with control characters escaped, so user text (a file name, a token) cannot start a new line.

    >>> escape_controls("bad\nError: fake")
    'bad\\nError: fake'
    """
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in str(text))


class Progress:
    def __init__(self, *, quiet: bool = False, force_bar: bool = False) -> None:
        self.quiet = quiet
        self.show_bar = not quiet and (force_bar or sys.stderr.isatty())

    def bar(self, total: float | None, desc: str, unit: str = "it", **kwargs: Any) -> tqdm:
        """A tqdm bar on stderr (disabled, but still usable, when not shown)."""
        from tqdm import tqdm  # imported when a bar is made: a query that shows none does not pay for it

        return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, dynamic_ncols=True,
                    file=sys.stderr, disable=not self.show_bar, leave=False, **kwargs)

    def note(self, message: str) -> None:
        """A one-line status message (per-epoch summaries, timings), unless quiet.

        Control characters are escaped: a file name or token in a message cannot start a line of its own.
        """
        if not self.quiet:
            from tqdm import tqdm

            tqdm.write(escape_controls(message), file=sys.stderr)


SILENT = Progress(quiet=True)


class CallbackProgress(Progress):
    """Status lines go to a function (a notebook's print, a logger); bars stay hidden.

    >>> CallbackProgress(print).note("epoch 1/5")
    epoch 1/5
    """

    def __init__(self, callback: Callable[[str], Any]) -> None:
        super().__init__(quiet=True)
        self.callback = callback

    def note(self, message: str) -> None:
        self.callback(message)
