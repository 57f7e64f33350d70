"""Ctrl-C and SIGTERM while the command line is still loading: one line, the right exit code, no traceback.

Loading the commands imports numpy, scipy and click (about a second). A
signal in that time used to print an import traceback (Ctrl-C) or kill the
process without a word (SIGTERM). Nothing has been written yet, so the
process can end at once; the usual handlers (`embcli.cli.common`) take over
when the command starts. Kept free of embcli imports so it can run first.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

INTERRUPTED_LINE = b"Interrupted; no output was written.\n"


def _exit_now(signum: int, frame: Any) -> None:
    os.write(2, INTERRUPTED_LINE)
    os._exit(128 + signum)


@contextmanager
def exit_on_signal_while_loading() -> Iterator[None]:
    """While the body runs, SIGINT and SIGTERM end the process with one line (ignored signals stay ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, _exit_now)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
