"""Raw line bytes -> chunk-local token ids: the tokenizing step every preprocess engine shares.

The local engine runs a `LineEncoder` in each worker process, the Spark engine
in each executor task; both then see the same decoding (UTF-8, undecodable
bytes replaced and counted), the same tokenizer and the same stop words, so
their corpora are byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embcli.corpus.token_corpus import MAX_SENTENCE_TOKENS
from embcli.corpus.tokenize import TokenizerSpec, make_tokenizer


@dataclass
class EncodedChunk:
    """A chunk of lines tokenized by a worker, with chunk-local ids (first appearance order)."""

    tokens: list[str]  # local id -> token
    ids: np.ndarray  # uint32 local ids, all sentences concatenated
    lengths: np.ndarray  # int64 tokens per (non-empty) sentence
    lines: int
    bad_bytes: int  # undecodable bytes replaced by U+FFFD
    stopwords_removed: int
    line_numbers: np.ndarray | None = None  # int64 chunk-local input line (0-based) of each sentence
    line_ends: int = 0  # pieces ending with a newline: the input lines this chunk completes


def decode_line(raw: bytes) -> tuple[str, int]:
    """(text, undecodable bytes replaced by U+FFFD) of one raw line.

    >>> decode_line(b"caf\\xc3\\xa9 \\xff")
    ('café \\ufffd', 1)
    """
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        return text, text.count("\ufffd") - raw.count("\ufffd".encode())


class LineEncoder:
    """Tokenizes raw lines and gives tokens chunk-local ids; built once per worker (tokenizers do not pickle).

    >>> chunk = LineEncoder(TokenizerSpec(stopwords=frozenset({"the"})))([b"The cat\\n", b"\\n", b"the cat sat\\n"])
    >>> chunk.tokens, chunk.ids.tolist(), chunk.lengths.tolist(), chunk.stopwords_removed
    (['cat', 'sat'], [0, 0, 1], [1, 2], 2)
    """

    def __init__(self, spec: TokenizerSpec) -> None:
        # stop words are removed here (not by the tokenizer) so that they can be counted
        self.tokenize = make_tokenizer(TokenizerSpec(spec.kind, spec.pattern, spec.lowercase, spec.nfkc))
        self.stopwords = spec.stopwords

    def __call__(self, lines: list[bytes]) -> EncodedChunk:
        flat: list[str] = []
        lengths: list[int] = []
        line_numbers: list[int] = []
        line = bad_bytes = removed = 0
        for raw in lines:
            text, bad = decode_line(raw)
            bad_bytes += bad
            tokens = self.tokenize(text)
            if self.stopwords:
                kept = [token for token in tokens if token not in self.stopwords]
                removed += len(tokens) - len(kept)
                tokens = kept
            if tokens:  # a line longer than MAX_SENTENCE_TOKENS becomes several sentences
                flat.extend(tokens)
                full, rest = divmod(len(tokens), MAX_SENTENCE_TOKENS)
                lengths.extend([MAX_SENTENCE_TOKENS] * full + ([rest] if rest else []))
                line_numbers.extend([line] * (full + (1 if rest else 0)))
            line += raw.endswith(b"\n")  # the pieces of a long line (see readers) share its number
        local = {token: i for i, token in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(local.__getitem__, flat), dtype=np.uint32, count=len(flat))
        return EncodedChunk(list(local), ids, np.array(lengths, dtype=np.int64), len(lines), bad_bytes, removed,
                            np.array(line_numbers, dtype=np.int64), line)
