"""The token-id corpus written by `embcli preprocess`, as trainers read it.

Layout inside a corpus directory:

- `ids.npy`: uint32, every sentence's token ids concatenated (memory-mappable);
  or, for very large corpora, numbered shards `ids-00000.npy`, `ids-00001.npy`, ...
  whose concatenation is that array (offsets index the concatenation);
- `offsets.npy`: int64, `len = sentences + 1`; sentence i is `ids[offsets[i]:offsets[i+1]]`;
- `lines.npy`: int64, `len = sentences`; the input line (0-based, counted over all inputs in order)
  each sentence came from (absent in corpora written before it was recorded);
- `vocab.tsv`: the vocabulary the ids index;
- `corpus.txt`: the same sentences as space-separated tokens, one per line;
- `manifest.json`: kind `corpus`.

Id 0 is `<unk>` (present only with `--oov unk`). Sentences never span a line
break of the input, and empty sentences are not stored. A sentence holds at
most `MAX_SENTENCE_TOKENS` tokens (10,000, as gensim; word2vec's C tool cuts at
1,000): a longer line becomes several sentences, so memory never grows with a
line and a single-line corpus such as text8 trains on every worker. A line
longer than 1 MiB is read in pieces cut after a space, and a piece also ends a
sentence. Both limits are recorded in the manifest (`sentences`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import load_npy, read_manifest
from embcli.corpus.vocabulary import Vocabulary, read_vocabulary
from embcli.errors import FormatError

CORPUS_KIND = "corpus"
MAX_SENTENCE_TOKENS = 10_000
IDS_NAME = "ids.npy"
IDS_SHARD_PATTERN = "ids-{:05d}.npy"
OFFSETS_NAME = "offsets.npy"
LINES_NAME = "lines.npy"
TEXT_NAME = "corpus.txt"
VOCAB_NAME = "vocab.tsv"
REMEDY = "re-run embcli preprocess"  # what fixes a damaged corpus directory


@dataclass(frozen=True)
class TokenCorpus:
    directory: Path
    manifest: dict[str, Any]
    vocab: Vocabulary
    ids: np.ndarray  # uint32, memory-mapped
    offsets: np.ndarray  # int64
    ids_checked: list[bool] = field(default_factory=list, compare=False, repr=False)  # non-empty once scanned

    @property
    def text_path(self) -> Path:
        return self.directory / TEXT_NAME

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_sentences(self) -> int:
        return len(self.offsets) - 1

    def sentence(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def check_ids(self) -> None:
        """Scan every id against the vocabulary size (one pass over the corpus): kernels index rows by id.

        The scan is done once per loaded corpus, whichever stage asks first (the trainer factory does, for
        every engine)."""
        if self.ids_checked:
            return
        largest = int(self.ids.max()) if len(self.ids) else -1
        if largest >= len(self.vocab):
            position = int(np.argmax(np.asarray(self.ids) >= len(self.vocab)))
            raise FormatError(f"{self.directory / IDS_NAME}: token id {int(self.ids[position])} at position {position} "
                              f"is beyond the vocabulary ({len(self.vocab)} entries); {REMEDY}")
        self.ids_checked.append(True)


def load_token_corpus(directory: Path, *, check_ids: bool = False) -> TokenCorpus:
    """Open a preprocess directory, checking that its parts agree with each other.

    `check_ids` also scans all ids against the vocabulary size (one pass over the corpus).
    """
    directory = Path(directory)
    manifest = read_manifest(directory, CORPUS_KIND)
    vocab = read_vocabulary(directory / VOCAB_NAME)
    shards = [] if (directory / IDS_NAME).exists() else shard_paths(directory)
    ids = _load_shards(shards) if shards else load_npy(directory / IDS_NAME, mmap=True, remedy=REMEDY)
    offsets = load_npy(directory / OFFSETS_NAME, mmap=False, remedy=REMEDY)
    if ids.dtype != np.uint32 or ids.ndim != 1:
        raise FormatError(f"{directory / IDS_NAME}: expected a 1-D uint32 array, found {ids.ndim}-D {ids.dtype}")
    if offsets.ndim != 1 or len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
        raise FormatError(f"{directory / OFFSETS_NAME}: offsets do not describe {IDS_NAME}; re-run embcli preprocess")
    corpus = TokenCorpus(directory, manifest, vocab, ids, offsets.astype(np.int64, copy=False))
    if check_ids:
        corpus.check_ids()
    return corpus


def sentence_line_numbers(corpus: TokenCorpus) -> np.ndarray | None:
    """The input line (0-based) of each sentence, from `lines.npy`; None for a corpus without that record."""
    path = corpus.directory / LINES_NAME
    if not path.exists():
        return None
    lines = load_npy(path, mmap=False, remedy=REMEDY)
    if lines.ndim != 1 or len(lines) != corpus.n_sentences or (len(lines) > 1 and np.any(np.diff(lines) < 0)):
        raise FormatError(f"{path}: expected {corpus.n_sentences} non-decreasing line numbers; {REMEDY}")
    return lines.astype(np.int64, copy=False)


def shard_paths(directory: Path) -> list[Path]:
    """`ids-00000.npy`, `ids-00001.npy`, ... in a corpus directory, in order (empty if not sharded)."""
    paths = []
    while (path := Path(directory) / IDS_SHARD_PATTERN.format(len(paths))).exists():
        paths.append(path)
    return paths


def read_token_range(directory: Path, start: int, stop: int) -> np.ndarray:
    """ids[start:stop] of a corpus directory, single-file or sharded, reading only the shards it spans."""
    directory = Path(directory)
    if (directory / IDS_NAME).exists():
        return np.asarray(load_npy(directory / IDS_NAME, mmap=True, remedy=REMEDY)[start:stop])
    parts = []
    shard_start = 0
    for path in shard_paths(directory):
        shard = load_npy(path, mmap=True, remedy=REMEDY)
        shard_stop = shard_start + len(shard)
        if shard_stop > start and shard_start < stop:
            parts.append(shard[max(start - shard_start, 0) : min(stop, shard_stop) - shard_start])
        shard_start = shard_stop
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)


def _load_shards(paths: list[Path]) -> np.ndarray:
    """The shards as one in-memory uint32 array (4 bytes per token), so trainers see one `ids`."""
    shards = [load_npy(path, mmap=True, remedy=REMEDY) for path in paths]
    for path, shard in zip(paths, shards):
        if shard.dtype != np.uint32 or shard.ndim != 1:
            raise FormatError(f"{path}: expected a 1-D uint32 array, found {shard.ndim}-D {shard.dtype}")
    return np.concatenate(shards) if len(shards) > 1 else np.asarray(shards[0])


def split_ids_into_shards(directory: Path, shard_tokens: int) -> list[str]:
    """Replace `ids.npy` in `directory` by shards of at most `shard_tokens` ids; return their names."""
    source = Path(directory) / IDS_NAME
    ids = np.load(source, mmap_mode="r", allow_pickle=False)
    names = []
    for number, start in enumerate(range(0, max(len(ids), 1), shard_tokens)):
        names.append(IDS_SHARD_PATTERN.format(number))
        np.save(Path(directory) / names[-1], np.ascontiguousarray(ids[start : start + shard_tokens]), allow_pickle=False)
    del ids
    source.unlink()
    return names
