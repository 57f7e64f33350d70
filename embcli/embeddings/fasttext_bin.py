"""fastText's binary model file (`.bin`): read it without fastText, write one fastText loads.

The layout, as fastText's `src/` writes it (all little-endian):

- int32 magic 793712314, int32 version (11 or 12);
- `Args`: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket,
  minn, maxn, lrUpdateRate, then float64 t;
- `Dictionary`: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; per
  entry a NUL-terminated word, int64 count, int8 type (0 word, 1 label); then
  pruneidx_size pairs of int32 (only in pruned, quantized models);
- bool quant_input, then the input matrix: int64 rows, int64 dim, rows x dim float32
  (nwords word rows, then `bucket` n-gram rows);
- bool qout, then the output matrix in the same layout.

Reading memory-maps the input matrix in place (a 7 GB cc.*.300.bin is not copied);
word vectors are fastText's `get_word_vector` (mean of the word's row and its
n-gram rows, composed by `embcli.embeddings.fasttext_ngrams`), and unseen words are
the mean of their n-gram rows, the n-gram rows being the bucket matrix that
`embcli.subwords.SubwordTable` indexes. Supervised, quantized (`.ftz`) and
unknown-version files are refused with a one-line message.

Writing goes the other way: fastText will compose `(row + sum of n-gram rows) / (n + 1)`,
so the word row written is `(n + 1) * vector - sum of n-gram rows`, which makes
`fasttext.load_model(path).get_word_vector(word)` give embcli's vector.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embcli.embeddings.binary_format import FASTTEXT_MAGIC as FASTTEXT_MAGIC_BYTES
from embcli.embeddings.core import Embeddings
from embcli.embeddings.resolvers import SubwordResolver
from embcli.errors import FormatError, InputError

FASTTEXT_MAGIC = int.from_bytes(FASTTEXT_MAGIC_BYTES, "little")  # 793712314
FASTTEXT_VERSION = 12
READABLE_VERSIONS = (11, 12)
MODEL_NAMES = {1: "cbow", 2: "skipgram", 3: "supervised"}
LOSS_NAMES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
_ARGS = struct.Struct("<12id")
_DICT_HEADER = struct.Struct("<3i2q")
_ENTRY_TAIL = struct.Struct("<qb")
_MATRIX_HEADER = struct.Struct("<2q")
_MAGIC_VERSION = struct.Struct("<2i")


@dataclass(frozen=True)
class FastTextArgs:
    """fastText's saved hyperparameters (`Args::save`), in file order."""

    dim: int = 100
    ws: int = 5
    epoch: int = 5
    min_count: int = 5
    neg: int = 5
    word_ngrams: int = 1
    loss: int = 2  # ns
    model: int = 2  # skipgram
    bucket: int = 2000000
    minn: int = 3
    maxn: int = 6
    lr_update_rate: int = 100
    t: float = 1e-4


@dataclass
class FastTextBin:
    """What a `.bin` file holds that embcli uses: the dictionary and the memory-mapped input matrix."""

    args: FastTextArgs
    version: int
    words: list[str]
    word_bytes: list[bytes]  # the words as stored (fastText hashes these bytes)
    counts: np.ndarray  # int64 per word
    input_matrix: np.ndarray  # (nwords + bucket, dim) float32, memory-mapped

    @property
    def nwords(self) -> int:
        return len(self.words)

    @property
    def ngram_rows(self) -> np.ndarray:
        """The n-gram bucket rows (a view into the memory map)."""
        return self.input_matrix[self.nwords :]

    @property
    def has_subwords(self) -> bool:
        return self.args.bucket > 0 and self.args.maxn >= self.args.minn and self.args.maxn > 0

    def word_vectors(self) -> np.ndarray:
        """fastText's `get_word_vector` of every dictionary word, (nwords, dim) float32."""
        from embcli.embeddings.fasttext_ngrams import compose_word_vectors  # numba: compiled only when a .bin is read

        minn, maxn, bucket = self.args.minn, self.args.maxn, self.args.bucket
        if not self.has_subwords:
            maxn, bucket = 0, 0
        return compose_word_vectors(self.input_matrix, self.word_bytes, minn, maxn, bucket)


def is_fasttext_bin(path: Path, head: bytes) -> bool:
    """Does the file start with fastText's magic number? (word2vec `.bin` files start with a text header.)"""
    return head.startswith(FASTTEXT_MAGIC_BYTES)


def read_fasttext_embeddings(path: Path, *, vocab_path: Path | None = None, mmap: bool = True) -> Embeddings:
    """A fastText `.bin` as Embeddings: fastText's word vectors, and its n-gram rows for unseen words."""
    model = read_fasttext_bin(path)
    resolver = SubwordResolver(model.ngram_rows, model.args.minn, model.args.maxn) if model.has_subwords else None
    return Embeddings(model.words, model.word_vectors(), model.counts, source=str(path), resolver=resolver)


def read_fasttext_bin(path: Path | str) -> FastTextBin:
    """Parse a fastText `.bin` model; the input matrix stays on disk (np.memmap)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if not path.is_file() or path.stat().st_size < _MAGIC_VERSION.size + _ARGS.size:
        raise FormatError(f"{path}: not a fastText model (not a regular file, or too short)")
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if len(data) < _MAGIC_VERSION.size + _ARGS.size:
            raise FormatError(f"{path}: truncated fastText model (only {len(data)} bytes)")
        magic, version = _MAGIC_VERSION.unpack_from(data, 0)
        if magic != FASTTEXT_MAGIC:
            raise FormatError(f"{path}: not a fastText model (no fastText magic number)")
        if version not in READABLE_VERSIONS:
            raise FormatError(f"{path}: fastText file version {version}; embcli reads versions "
                              f"{' and '.join(map(str, READABLE_VERSIONS))} (re-save it with a current fastText)")
        args = FastTextArgs(*_ARGS.unpack_from(data, _MAGIC_VERSION.size))
        check_args(path, args)
        if args.model == 3:
            raise FormatError(f"{path}: a supervised (classifier) fastText model; embcli reads word vectors of "
                              f"unsupervised models (fasttext skipgram or cbow)")
        position = _MAGIC_VERSION.size + _ARGS.size
        word_bytes, counts, position = _read_dictionary(path, data, position)
        quantized = data[position] if position < len(data) else 0
        if quantized:
            raise FormatError(f"{path}: a quantized fastText model (.ftz); embcli cannot read quantized fastText "
                              f"models, use the full .bin model")
        rows, dim = _read_matrix_header(path, data, position + 1)
        offset = position + 1 + _MATRIX_HEADER.size
    if dim != args.dim or rows != len(word_bytes) + args.bucket or rows < 0:
        raise FormatError(f"{path}: input matrix is {rows} x {dim}, expected {len(word_bytes) + args.bucket} x "
                          f"{args.dim} (words + buckets); the file is damaged")
    if offset + rows * dim * 4 > path.stat().st_size:
        raise FormatError(f"{path}: truncated fastText model (the input matrix ends past the end of the file)")
    matrix = np.memmap(path, dtype="<f4", mode="r", offset=offset, shape=(rows, dim))
    words = [word.decode("utf-8", errors="replace") for word in word_bytes]
    return FastTextBin(args, version, words, word_bytes, counts, matrix)


MAX_DIM = 1 << 20  # no fastText model is wider; a larger header field is damage
MAX_NGRAM_CHARS = 1000


def check_args(path: Path, args: FastTextArgs) -> None:
    """Refuse header fields that no fastText writes (negative sizes, absurd n-gram lengths) before they are used."""
    for name, value, low, high in (("dim", args.dim, 1, MAX_DIM), ("bucket", args.bucket, 0, 1 << 31),
                                   ("minn", args.minn, 0, MAX_NGRAM_CHARS), ("maxn", args.maxn, 0, MAX_NGRAM_CHARS)):
        if not low <= value <= high:
            raise FormatError(f"{path}: the fastText header's {name} is {value:,} (expected {low:,} to {high:,}); "
                              "the file is damaged or not a fastText model")


def _read_dictionary(path: Path, data: mmap.mmap, position: int) -> tuple[list[bytes], np.ndarray, int]:
    """Entries of `Dictionary::save` from `position`: word bytes, counts, and the position after it."""
    try:
        size, nwords, nlabels, _ntokens, prune_size = _DICT_HEADER.unpack_from(data, position)
    except struct.error:
        raise FormatError(f"{path}: truncated fastText model (in the dictionary header)") from None
    if nlabels > 0:
        raise FormatError(f"{path}: a supervised fastText model ({nlabels} labels); embcli reads word vectors of "
                          f"unsupervised models (fasttext skipgram or cbow)")
    if not 0 <= nwords == size:
        raise FormatError(f"{path}: damaged dictionary ({size} entries, {nwords} words)")
    position += _DICT_HEADER.size
    if size * (1 + _ENTRY_TAIL.size) > len(data) - position:  # each entry is at least a NUL, a count and a type
        raise FormatError(f"{path}: the dictionary claims {size:,} words, more than the file's {len(data):,} bytes "
                          "can hold; the file is truncated or damaged")
    words: list[bytes] = []
    counts = np.empty(size, dtype=np.int64)
    for i in range(size):
        end = data.find(b"\0", position)
        if end < 0 or end + 1 + _ENTRY_TAIL.size > len(data):
            raise FormatError(f"{path}: truncated fastText model (at dictionary entry {i + 1} of {size})")
        words.append(data[position:end])
        counts[i], _entry_type = _ENTRY_TAIL.unpack_from(data, end + 1)
        position = end + 1 + _ENTRY_TAIL.size
    if prune_size >= 0:
        raise FormatError(f"{path}: a pruned (quantized) fastText model; embcli cannot read quantized fastText "
                          f"models, use the full .bin model")
    return words, counts, position


def _read_matrix_header(path: Path, data: mmap.mmap, position: int) -> tuple[int, int]:
    try:
        return _MATRIX_HEADER.unpack_from(data, position)
    except struct.error:
        raise FormatError(f"{path}: truncated fastText model (before the input matrix)") from None


# ---------------------------------------------------------------------------
# writing


def raw_word_rows(word_vectors: np.ndarray, words: list[str], ngrams: np.ndarray, minn: int, maxn: int) -> np.ndarray:
    """The word rows fastText must store so that its composition gives back `word_vectors`.

    fastText's vector of word w is `(row_w + S_w) / (n_w + 1)` with S_w the sum of its
    n_w n-gram rows, so row_w = `(n_w + 1) * vector_w - S_w` (computed in float64).
    """
    from embcli.embeddings.fasttext_ngrams import ngram_sums

    sums, counts = ngram_sums(ngrams, [word.encode("utf-8") for word in words], minn, maxn)
    rows = (counts + 1)[:, None] * np.asarray(word_vectors, dtype=np.float64) - sums
    return rows.astype(np.float32)


def write_fasttext_bin(path: Path, words: list[str], counts: np.ndarray, word_vectors: np.ndarray,
                       ngrams: np.ndarray, args: FastTextArgs, output_matrix: np.ndarray | None = None) -> None:
    """A version-12 fastText model file whose word and unseen-word vectors are embcli's.

    `word_vectors` are the composed vectors (what `get_word_vector` must return),
    `ngrams` the (bucket, dim) n-gram rows; `output_matrix` (nwords, dim) defaults to zeros.
    """
    dim = int(word_vectors.shape[1])
    if ngrams.shape != (args.bucket, dim) or args.dim != dim:
        raise FormatError(f"n-gram matrix {ngrams.shape} does not fit {args.bucket} buckets x {dim} dimensions")
    bad = next((word for word in words if not word or any(c in word for c in " \t\n\r\v\f\0")), None)
    if bad is not None:
        raise FormatError(f"the word {bad!r} is empty or holds whitespace or NUL, which fastText's dictionary cannot store")
    encoded = [word.encode("utf-8") for word in words]
    counts = np.maximum(np.asarray(counts, dtype=np.int64), 1)  # fastText's discard table divides by counts
    rows = raw_word_rows(word_vectors, words, ngrams, args.minn, args.maxn)
    with open(path, "wb") as handle:
        handle.write(_MAGIC_VERSION.pack(FASTTEXT_MAGIC, FASTTEXT_VERSION))
        handle.write(_ARGS.pack(args.dim, args.ws, args.epoch, args.min_count, args.neg, args.word_ngrams, args.loss,
                                args.model, args.bucket, args.minn, args.maxn, args.lr_update_rate, args.t))
        handle.write(_DICT_HEADER.pack(len(words), len(words), 0, int(counts.sum()), -1))
        handle.write(b"".join(word + b"\0" + _ENTRY_TAIL.pack(int(count), 0)
                              for word, count in zip(encoded, counts.tolist())))
        handle.write(b"\0" + _MATRIX_HEADER.pack(len(words) + args.bucket, dim))
        handle.write(np.ascontiguousarray(rows, dtype="<f4").tobytes())
        _write_blocks(handle, ngrams)
        output = np.zeros((len(words), dim), dtype="<f4") if output_matrix is None else output_matrix
        handle.write(b"\0" + _MATRIX_HEADER.pack(len(words), dim))
        _write_blocks(handle, output)


def _write_blocks(handle, matrix: np.ndarray, block_rows: int = 65536) -> None:
    """Row blocks as little-endian float32, so a memory-mapped matrix is never copied whole."""
    for start in range(0, matrix.shape[0], block_rows):
        handle.write(np.ascontiguousarray(matrix[start : start + block_rows], dtype="<f4").tobytes())
