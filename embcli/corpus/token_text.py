"""`corpus.txt` from token ids: each sentence's tokens joined by spaces, one sentence a line.

Written chunk by chunk with array gathers (no per-token Python), so a stage that rewrites a corpus (phrases)
renders millions of tokens in a fraction of a second, at about 10 bytes of memory per byte of a chunk's text.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

TOKENS_PER_CHUNK = 1 << 18
NEWLINE = 10


def write_token_text(handle: BinaryIO, ids: np.ndarray, offsets: np.ndarray, tokens: list[str],
                     tokens_per_chunk: int = TOKENS_PER_CHUNK) -> None:
    """Write the sentences `ids[offsets[s]:offsets[s + 1]]` as lines of the `tokens` they index (UTF-8).

    >>> import io
    >>> out = io.BytesIO()
    >>> write_token_text(out, np.array([1, 2, 2], np.uint32), np.array([0, 2, 2, 3]), ["<unk>", "new", "york"])
    >>> out.getvalue()
    b'new york\\n\\nyork\\n'
    """
    encoded = [token.encode("utf-8") for token in tokens]
    widths = np.fromiter((len(token) + 1 for token in encoded), dtype=np.int64, count=len(encoded))
    widths = np.append(widths, 1)  # id len(tokens): the line break of an empty sentence
    buffer = np.frombuffer(b" ".join(encoded) + b" \n", dtype=np.uint8)  # each token with the space after it
    token_starts = np.concatenate(([0], np.cumsum(widths[:-1])))
    sentence = 0
    while sentence < len(offsets) - 1:
        last = max(sentence + 1, int(np.searchsorted(offsets, offsets[sentence] + tokens_per_chunk, "right")) - 1)
        handle.write(memoryview(_chunk_bytes(ids, offsets[sentence:last + 1], buffer, token_starts, widths)))
        sentence = last


def _chunk_bytes(ids: np.ndarray, offsets: np.ndarray, buffer: np.ndarray, token_starts: np.ndarray,
                 widths: np.ndarray) -> np.ndarray:
    sizes = np.diff(offsets)
    words = ids[offsets[0]:offsets[-1]].astype(np.int64)
    if not sizes.all():  # an empty sentence is one line break: a token of its own
        empty = np.flatnonzero(sizes == 0)
        words = np.insert(words, offsets[empty] - offsets[0], len(widths) - 1)
        sizes = np.maximum(sizes, 1)
    lengths = widths[words]
    ends = np.cumsum(lengths)
    gather = np.repeat(token_starts[words] - (ends - lengths), lengths) + np.arange(int(ends[-1]))
    text = buffer[gather]
    text[ends[np.cumsum(sizes) - 1] - 1] = NEWLINE  # the space after each line's last token
    return text
