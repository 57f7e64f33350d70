"""The `Embeddings` type: words, their float32 rows, and an optional resolver for unseen words.

Every consumer (vectors, neighbors, analogy, eval, embed, plot, quantize) asks
an `Embeddings` for "the vector of this token" through one interface —
`lookup`, `rows_for`, `vectors_for`, `get_vector` — and never inspects how the
model answers unseen words: that is the resolver's business (`UnseenWordResolver`;
fastText n-grams and hash buckets in `embcli.embeddings.resolvers`).

The names follow gensim's `KeyedVectors` (`index_to_key`, `key_to_index`,
`vectors`, `get_vector`, `key in embeddings`, `embeddings[key]`), so code
written for gensim mostly runs unchanged.

>>> import numpy as np
>>> toy = Embeddings(["king", "queen"], np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32))
>>> toy["queen"].tolist(), toy.get_vector("queen", norm=True).tolist(), "king" in toy, len(toy), toy.dim
([0.0, 2.0], [0.0, 1.0], True, 2, 2)
>>> toy["prince"]
Traceback (most recent call last):
embcli.errors.UnknownWordError: 'prince' is not in the vocabulary of these vectors and the model has no subword vectors; train with --model fasttext to get vectors for unseen words
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from embcli.corpus.phrase_table import PhrasePasses, apply_phrases, read_phrase_table
from embcli.corpus.tokenize import Tokenizer, TokenizerSpec, make_tokenizer
from embcli.corpus.word_table import WordTable
from embcli.embeddings.queries import VectorQueries
from embcli.embeddings.tokenizer_settings import phrase_table_path
from embcli.errors import FormatError, UnknownWordError

IN_VOCABULARY = "vocab"  # `lookup`'s answer for a word with its own row


class UnseenWordResolver(ABC):
    """How a model answers a token outside its vocabulary.

    A resolver either names a row of the embeddings' matrix that stands for the token
    (`row`, e.g. its hash bucket) or builds a vector for it (`vector`, e.g. the mean
    of its character n-grams); None when it cannot.
    """

    kind: ClassVar[str]  # what `Embeddings.lookup` reports: "subwords", "hash-bucket", ...
    description: ClassVar[str]  # where such a vector comes from, for users: "its character n-grams"
    composes_vectors: ClassVar[bool]  # True if it builds new vectors (not only rows the matrix has)

    def row(self, token: str) -> int | None:
        """The matrix row standing for `token`, if this resolver maps tokens to rows."""
        return None

    @abstractmethod
    def vector(self, token: str) -> np.ndarray | None:
        """The float32 vector of an unseen `token`, or None."""

    @property
    def dim(self) -> int | None:
        """The width of the vectors it builds, if it builds any (checked against the embeddings')."""
        return None

    def manifest_sections(self) -> dict[str, Any]:
        """Manifest sections a derived artifact (quantized) needs to keep this resolver working."""
        return {}


class _TableCounts:
    """`Embeddings.counts`: as given, else (None) a `WordTable`'s, read from its file when first asked."""

    def __get__(self, embeddings: Any, owner: Any = None) -> np.ndarray | None:
        if embeddings is None:
            return None  # the field's default
        counts = embeddings.__dict__.get("_counts")
        if counts is None and isinstance(embeddings.words, WordTable):
            counts = embeddings.__dict__["_counts"] = embeddings.words.counts
        return counts

    def __set__(self, embeddings: Any, counts: np.ndarray | None) -> None:
        embeddings.__dict__["_counts"] = counts


@dataclass(eq=False)
class Embeddings(VectorQueries):
    """Query-only word vectors: row i of `vectors` belongs to `words[i]`.

    `resolver` answers words outside the vocabulary; `tokenizer_spec` is how the
    model's corpus was tokenized (None when the artifact does not say).
    """

    # gensim's queries (most_similar, similarity, ...) come from embcli.embeddings.queries.VectorQueries.
    words: Sequence[str]  # a list, or a WordTable (vocab.tsv read lazily; equal to the list)
    vectors: np.ndarray  # (n, dim) float32, possibly memory-mapped
    counts: np.ndarray | None = _TableCounts()  # type: ignore[assignment]  # corpus counts when known (vocab.tsv)
    manifest: dict[str, Any] | None = None
    source: str = ""
    resolver: UnseenWordResolver | None = None
    tokenizer_spec: TokenizerSpec | None = None

    def __post_init__(self) -> None:
        if isinstance(self.words, WordTable) and (self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words)):
            self.words.tolist()  # a vocab.tsv with a bad line says so before the counts are compared
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise FormatError(
                f"{self.source or 'vectors'}: {self.vectors.shape[0] if self.vectors.ndim == 2 else '?'} vector rows "
                f"for {len(self.words)} words; the vocabulary and matrix do not match"
            )
        if self.resolver is not None and self.resolver.dim not in (None, self.dim):
            raise FormatError(f"{self.source or 'vectors'}: unseen-word vectors of {self.resolver.dim} dimensions for "
                              f"word vectors of {self.dim}; the artifact's files do not match")

    # -- gensim's names -----------------------------------------------------

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    vector_size = dim

    @property
    def index_to_key(self) -> Sequence[str]:
        return self.words

    @property
    def key_to_index(self) -> Mapping[str, int]:
        """Word -> row; the first (most frequent) row wins if a word repeats (a WordTable answers without a dict)."""
        if isinstance(self.words, WordTable):
            return self.words.key_to_index()
        return self._list_index

    @cached_property
    def _list_index(self) -> dict[str, int]:
        mapping = dict(zip(self.words, range(len(self.words))))  # in C: a million words in ~0.1 s
        if len(mapping) != len(self.words):  # a repeated word: its first row wins
            for i in range(len(self.words) - 1, -1, -1):
                mapping[self.words[i]] = i
        return mapping

    @property
    def index(self) -> Mapping[str, int]:
        """The name embcli's evaluators use for `key_to_index`."""
        return self.key_to_index

    def has_index_for(self, key: str) -> bool:
        """True if `key` has its own row (is in the vocabulary)."""
        return key in self.key_to_index

    def __contains__(self, key: object) -> bool:
        """True if `self[key]` answers: in the vocabulary, or resolvable by the model (as gensim's fastText)."""
        if not isinstance(key, str):
            return False
        return key in self.key_to_index or self._resolve(key) is not None

    def __getitem__(self, key: str | Sequence[str]) -> np.ndarray:
        """The vector of a word (unseen words through the resolver), or stacked vectors of a list of words."""
        if isinstance(key, str):
            return self.get_vector(key)
        return np.vstack([self.get_vector(word) for word in key]) if len(key) else np.zeros((0, self.dim), np.float32)

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """float32 vector of `key`, unit length if `norm`; UnknownWordError (a KeyError) if it has none."""
        vector, _ = self.lookup(key)
        if norm:
            vector = vector / max(float(np.linalg.norm(vector)), float(np.finfo(np.float32).tiny))
        return vector.astype(np.float32, copy=False)

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (all-zero rows stay zero), float32."""
        matrix = np.asarray(self.vectors, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.maximum(norms, np.finfo(np.float32).tiny)).astype(np.float32, copy=False)

    # -- tokens to rows and vectors: the one way every consumer uses ------------

    def lookup(self, token: str) -> tuple[np.ndarray, str]:
        """The vector of any token and where it came from: "vocab" or the resolver's kind.

        An unseen token without a resolver answer is an UnknownWordError naming it.
        """
        row = self.key_to_index.get(token)
        if row is not None:
            return np.asarray(self.vectors[row], dtype=np.float32), IN_VOCABULARY
        resolved = self._resolve(token)
        if resolved is None:
            raise UnknownWordError(self.unknown_message([token]))
        return resolved, self.resolver.kind  # type: ignore[union-attr]

    def rows_for(self, tokens: Iterable[str]) -> np.ndarray:
        """Row of each token, int64: its own, or the one the resolver maps it to (hash buckets); -1 if none."""
        index, resolver = self.key_to_index, self.resolver
        rows = []
        for token in tokens:
            row = index.get(token)
            if row is None and resolver is not None:
                row = resolver.row(token)
            rows.append(-1 if row is None else row)
        return np.asarray(rows, dtype=np.int64)

    def vectors_for(self, tokens: Sequence[str], *, strict: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(vectors (len, dim) float32, found (len,) bool): unseen tokens through the resolver, zeros if none.

        With `strict`, any token without a vector is an UnknownWordError listing them all.
        """
        tokens = list(tokens)
        rows = self.rows_for(tokens)
        out = np.zeros((len(tokens), self.dim), dtype=np.float32)
        found = rows >= 0
        out[found] = self.vectors[rows[found]]
        for i in np.flatnonzero(~found).tolist():
            resolved = self._resolve(tokens[i])
            if resolved is not None:
                out[i], found[i] = resolved, True
        if strict and not found.all():
            raise UnknownWordError(self.unknown_message([t for t, ok in zip(tokens, found.tolist()) if not ok]))
        return out, found

    def composed_vectors(self, tokens: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors the resolver builds for tokens that have no row at all (fastText n-grams), by token."""
        if self.resolver is None or not self.resolver.composes_vectors:
            return {}
        built = {}
        for token in dict.fromkeys(tokens):
            if token not in self.key_to_index and self.resolver.row(token) is None:
                vector = self.resolver.vector(token)
                if vector is not None:
                    built[token] = np.asarray(vector, dtype=np.float32)
        return built

    def unknown_message(self, words: Sequence[str]) -> str:
        listed = ", ".join(f"'{word}'" for word in words)
        verb = "is" if len(words) == 1 else "are"
        return (f"{listed} {verb} not in the vocabulary of {self.source or 'these vectors'} and the model has no "
                f"subword vectors; train with --model fasttext to get vectors for unseen words")

    def _resolve(self, token: str) -> np.ndarray | None:
        if self.resolver is None:
            return None
        row = self.resolver.row(token)
        if row is not None:
            return np.asarray(self.vectors[row], dtype=np.float32)
        vector = self.resolver.vector(token)
        return None if vector is None else np.asarray(vector, dtype=np.float32)

    # -- the model's own tokenizer ---------------------------------------------------

    @property
    def knows_tokenizer(self) -> bool:
        """True if the artifact records how its corpus was tokenized."""
        return self.tokenizer_spec is not None

    def tokenizer(self) -> Tokenizer:
        """The line -> tokens function of the model's corpus (preprocess's defaults when not recorded).

        Queries and `embed` normalise text with it, so `King` finds `king` on a lowercased model.
        """
        return _tokenizer_of(self.tokenizer_spec or TokenizerSpec())

    def text_tokenizer(self) -> Tokenizer:
        """`tokenizer()`, then the phrases of the corpus joined (a corpus made by `embcli phrases`).

        `embed`, the Python API and queries read text with it, so `New York` finds the `new_york` row.
        """
        tokenize, passes = self.tokenizer(), self.phrase_passes
        return (lambda text: apply_phrases(tokenize(text), passes)) if passes else tokenize

    @cached_property
    def phrase_passes(self) -> PhrasePasses:
        """The phrase table the artifact carries, per pass (empty when it carries none)."""
        table = phrase_table_path(Path(self.source), self.manifest) if self.manifest and self.source else None
        return read_phrase_table(table) if table else []


@lru_cache(maxsize=16)
def _tokenizer_of(spec: TokenizerSpec) -> Tokenizer:
    """One compiled tokenizer per spec (queries ask for it once per query)."""
    return make_tokenizer(spec)
