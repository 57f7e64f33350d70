"""What every stage config shares: defaults that depend on the machine."""

from __future__ import annotations

import os

def default_workers() -> int:
    """All cores this process may use (word2vec and GloVe scale to them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)
