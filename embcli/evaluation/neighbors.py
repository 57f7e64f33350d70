"""Queries as users type them: words and expressions, normalised as the corpus was, answered in batches.

A query is a word (`king`), several (`new york`: their mean), or an
expression (`king - man + woman`). Each term is found, in this order, as
typed; as the model's tokenizer normalises it (NFKC, lowercasing: `King` ->
`king`); in its most frequent casing (for vectors that kept case); through
the model's unseen-word resolver (subwords, hash buckets). A term the
tokenizer splits into several tokens (`北京` on a character model) stands for
the mean of their unit vectors, and its `tokens` say so. A term found
nowhere fails its own query (`QueryAnswer.error`), never the batch.

Queries of a batch share one blocked scan of the matrix
(`Embeddings.scan_top`): 3CosAdd as gensim's `most_similar`, or 3CosMul as
its `most_similar_cosmul`; the words of a query are never its answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embcli.corpus.phrase_table import apply_phrases
from embcli.corpus.tokenize import Tokenizer
from embcli.embeddings import Embeddings
from embcli.embeddings.queries import cosine_scorer, cosmul_scorer, unit_vector
from embcli.errors import InputError, UnknownWordError
from embcli.evaluation.lookup import CaseInsensitiveVocab

Neighbors = list[tuple[str, float]]  # (word, cosine), best first


@dataclass
class QueryTerm:
    """One word of a query: its unit vector and the rows it stands for (never answers)."""

    text: str
    vector: np.ndarray  # unit, float32
    rows: list[int]
    tokens: list[str] | None = None  # the tokens it was split into, when more than one
    source: str = "vocab"  # "vocab", or where the resolver's vector comes from ("its character n-grams")


@dataclass
class QueryAnswer:
    query: str
    neighbors: Neighbors = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # how terms were read ("北京" -> 北 + 京)
    tokens: dict[str, list[str]] = field(default_factory=dict)  # term -> tokens, for split terms

    def as_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"query": self.query, "error": self.error}
        record: dict[str, Any] = {"query": self.query,
                                  "neighbors": [{"word": word, "score": score} for word, score in self.neighbors]}
        if self.tokens:
            record["tokens"] = self.tokens
        return record


def parse_expression(text: str) -> tuple[list[str], list[str]]:
    """Positive and negative words of `king - man + woman` (plain words are positive).

    >>> parse_expression("king - man + woman")
    (['king', 'woman'], ['man'])
    >>> parse_expression("-paris +rome italy")
    (['rome', 'italy'], ['paris'])
    """
    runs = expression_runs(text)
    return ([word for sign, words in runs if sign > 0 for word in words],
            [word for sign, words in runs if sign < 0 for word in words])


def expression_runs(text: str) -> list[tuple[int, list[str]]]:
    """The words of an expression in runs typed one after another with the same sign and no operator between.

    An operator signs the next word only. A run is where a phrase of the corpus may lie (`new york`).

    >>> expression_runs("new york - usa + paris rome - man woman")
    [(1, ['new', 'york']), (-1, ['usa']), (1, ['paris', 'rome']), (-1, ['man']), (1, ['woman'])]
    """
    runs: list[tuple[int, list[str]]] = []
    sign, signed = +1, False
    for piece in text.split():
        if piece in ("+", "-"):
            sign, signed = (-1 if piece == "-" else +1), True
            continue
        if len(piece) > 1 and piece[0] in "+-":
            sign, piece, signed = (-1 if piece[0] == "-" else +1), piece[1:], True
        if signed or not runs or runs[-1][0] != sign:
            runs.append((sign, [piece]))
        else:
            runs[-1][1].append(piece)
        sign, signed = +1, False
    return runs


class QueryReader:
    """Turns typed words into `QueryTerm`s for one `Embeddings`, as its corpus was tokenized."""

    def __init__(self, embeddings: Embeddings, tokenizer: Tokenizer | None = None) -> None:
        self.embeddings = embeddings
        self.tokenize = tokenizer or embeddings.text_tokenizer()
        self._phrases = embeddings.phrase_passes if tokenizer is None else []
        self._any_case: CaseInsensitiveVocab | None = None

    def joined(self, words: list[str]) -> list[str]:
        """Words typed one after another, with the corpus's phrases joined (`new york` -> `new_york`)."""
        if len(words) < 2 or not self._phrases:
            return words
        tokenize = self.embeddings.tokenizer()
        tokens = [token for word in words for token in tokenize(word)]
        phrased = apply_phrases(tokens, self._phrases)
        return words if phrased == tokens else phrased

    def term(self, text: str) -> QueryTerm:
        """The term for `text`; UnknownWordError if no form of it has a vector."""
        index = self.embeddings.key_to_index
        tokens = [text] if text in index else self.tokenize(text)
        if len(tokens) > 1:
            try:
                parts = [self.term(token) for token in tokens]
            except UnknownWordError as exc:
                raise UnknownWordError(f"'{text}' is read as {' + '.join(tokens)}, and {exc}") from None
            vector = unit_vector(np.mean([part.vector for part in parts], axis=0))
            return QueryTerm(text, vector, [row for part in parts for row in part.rows], tokens)
        for form in dict.fromkeys([*tokens, text]):
            row = self._row(form)
            if row >= 0:
                return QueryTerm(text, self.embeddings.key_vector(row, norm=True), [row])
        for form in dict.fromkeys([*tokens, text]):
            try:
                vector, source = self.embeddings.lookup(form)
            except UnknownWordError:
                continue
            resolver = self.embeddings.resolver
            return QueryTerm(text, unit_vector(vector), [], source=resolver.description if resolver else source)
        raise UnknownWordError(f"'{text}' is not in the vocabulary of {self.embeddings.source or 'these vectors'} "
                               f"({len(self.embeddings)} words); check the spelling")

    def raw_vector(self, text: str) -> tuple[np.ndarray, str, list[str] | None]:
        """`text`'s own vector (not unit length), where it came from ("vocab", the resolver's kind or
        "tokens" for the mean of the tokens it is split into) and those tokens; read as `term` reads it."""
        try:
            vector, source = self.embeddings.lookup(text)
            return vector, source, None
        except UnknownWordError as exc:
            unknown = exc
        try:
            term = self.term(text)
        except UnknownWordError:
            raise unknown from None
        if term.tokens:
            parts = [self.raw_vector(token)[0] for token in term.tokens]
            return np.mean(parts, axis=0).astype(np.float32), "tokens", term.tokens
        if term.rows:
            return np.asarray(self.embeddings.vectors[term.rows[0]], dtype=np.float32), "vocab", None
        vector, source = self.embeddings.lookup(self.tokenize(text)[0])
        return vector, source, None

    def _row(self, word: str) -> int:
        """The word's row as given, else (vectors without a resolver) its most frequent casing's, else -1."""
        row = self.embeddings.key_to_index.get(word, -1)
        if row < 0 and self.embeddings.resolver is None:  # a model with a resolver answers unseen forms itself
            if self._any_case is None:
                self._any_case = CaseInsensitiveVocab(self.embeddings.words)
            row = self._any_case.row(word)
        return row


@dataclass
class ParsedQuery:
    text: str
    positive: list[QueryTerm]
    negative: list[QueryTerm]

    @property
    def rows(self) -> list[int]:
        return [row for term in self.positive + self.negative for row in term.rows]

    def answer(self) -> QueryAnswer:
        split = {term.text: term.tokens for term in self.positive + self.negative if term.tokens}
        notes = [f"'{text}' is read as {' + '.join(tokens)} (the mean of their vectors)"
                 for text, tokens in split.items()]
        notes += [f"'{term.text}' is not in the vocabulary; its vector comes from {term.source}"
                  for term in self.positive + self.negative if term.source != "vocab"]
        return QueryAnswer(self.text, notes=notes, tokens=split)  # type: ignore[arg-type]


def parse_query(reader: QueryReader, text: str, positive: Sequence[str] = (),
                negative: Sequence[str] = ()) -> ParsedQuery:
    """A query from an expression and/or explicit positive and negative words."""
    plus: list[str] = []
    minus: list[str] = []
    for sign, words in expression_runs(text):
        (plus if sign > 0 else minus).extend(reader.joined(words))
    plus, minus = plus + list(positive), minus + list(negative)
    if not plus and not minus:
        raise InputError("an empty query; give a word or an expression such as 'king - man + woman'")
    return ParsedQuery(text, [reader.term(word) for word in plus], [reader.term(word) for word in minus])


def answer_queries(embeddings: Embeddings, queries: Sequence[ParsedQuery], *, topn: int = 10,
                   restrict_vocab: int | None = None, cosmul: bool = False, index: Any = None) -> list[QueryAnswer]:
    """The `topn` neighbours of every query, in one scan of the matrix (or from `index`, approximately).

    `index` is an `embcli.ann_index.ApproximateIndex` (cosine queries over the whole vocabulary only).
    """
    answers = [query.answer() for query in queries]
    if not queries:
        return answers
    exclude = [query.rows for query in queries]
    if cosmul:
        if any(not query.positive for query in queries):
            raise InputError("3CosMul needs at least one positive word in each query")
        terms, positive, negative = [], [], []
        for query in queries:
            first = len(terms)
            terms += [term.vector for term in query.positive + query.negative]
            positive.append(list(range(first, first + len(query.positive))))
            negative.append(list(range(first + len(query.positive), len(terms))))
        scorer = cosmul_scorer(np.vstack(terms), positive, negative)
    else:
        targets = np.vstack([_target(query) for query in queries])
        scorer = cosine_scorer(targets)
    if index is not None and not cosmul and restrict_vocab is None:
        found = index.neighbors(targets, topn, exclude)
    else:
        found = embeddings.scan_top(scorer, len(queries), topn, stop=restrict_vocab, exclude=exclude)
    for answer, rows in zip(answers, found):
        answer.neighbors = [(embeddings.index_to_key[row], score) for row, score in rows]
    return answers


def _target(query: ParsedQuery) -> np.ndarray:
    """gensim's most_similar target: the unit mean of +unit positive and -unit negative vectors."""
    vectors = [term.vector for term in query.positive] + [-term.vector for term in query.negative]
    return unit_vector(np.mean(vectors, axis=0, dtype=np.float32))


def answer_texts(embeddings: Embeddings, texts: Sequence[str], *, reader: QueryReader | None = None,
                 topn: int = 10, restrict_vocab: int | None = None, cosmul: bool = False,
                 positive: Sequence[str] = (), negative: Sequence[str] = (), index: Any = None) -> list[QueryAnswer]:
    """Answer typed queries; one that cannot be read gets its `error` and the others are answered."""
    reader = reader or QueryReader(embeddings)
    parsed: list[ParsedQuery] = []
    answers: list[QueryAnswer | None] = []
    for text in texts:
        try:
            parsed.append(parse_query(reader, text, positive, negative))
            answers.append(None)
        except InputError as exc:
            answers.append(QueryAnswer(text, error=str(exc)))
    solved = iter(answer_queries(embeddings, parsed, topn=topn, restrict_vocab=restrict_vocab, cosmul=cosmul,
                                 index=index))
    return [answer if answer is not None else next(solved) for answer in answers]


def similarity_of(reader: QueryReader, first: str, second: str) -> float:
    """Cosine of two typed words (each read as `QueryReader.term` reads it)."""
    return float(reader.term(first).vector @ reader.term(second).vector)


def odd_one_out(reader: QueryReader, words: Sequence[str]) -> str:
    """The word farthest from the mean of the unit vectors of all of them (gensim's `doesnt_match`)."""
    if len(words) < 2:
        raise InputError("doesnt-match needs at least two words")
    unit = np.vstack([reader.term(word).vector for word in words])
    centre = unit_vector(unit.mean(axis=0, dtype=np.float32))
    return sorted(zip((unit @ centre).tolist(), words), reverse=True)[-1][1]


# ---------------------------------------------------------------------------
# the older, word-list interface (plot, tests, scripts)


def resolve_rows(embeddings: Embeddings, words: Sequence[str]) -> list[int]:
    """Row of each word (exact form first, then any casing); InputError lists the unknown ones."""
    index = embeddings.index
    rows = [index.get(word, -1) for word in words]
    if min(rows, default=0) < 0:
        any_case = CaseInsensitiveVocab(embeddings.words)
        rows = [row if row >= 0 else any_case.row(word) for word, row in zip(words, rows)]
    missing = [word for word, row in zip(words, rows) if row < 0]
    if missing:
        listed = ", ".join(f"'{word}'" for word in missing)
        raise InputError(f"{listed} not in the vocabulary of {embeddings.source or 'these vectors'} "
                         f"({len(embeddings)} words); check the spelling")
    return rows


def nearest_neighbors(embeddings: Embeddings, words: Sequence[str], k: int = 10) -> dict[str, Neighbors]:
    """The k words with the highest cosine to each of `words` (the word itself excluded).

    An unknown word is an InputError listing every unknown one.

    >>> nearest_neighbors(embeddings, ["paris"], k=2)  # doctest: +SKIP
    {'paris': [('london', 0.81), ('berlin', 0.79)]}
    """
    reader = QueryReader(embeddings)
    terms = []
    for word in words:
        try:
            terms.append(reader.term(word))
        except UnknownWordError:
            resolve_rows(embeddings, [w for w in words if w not in embeddings.key_to_index])
            raise
    queries = [ParsedQuery(word, [term], []) for word, term in zip(words, terms)]
    return {answer.query: answer.neighbors for answer in answer_queries(embeddings, queries, topn=k)}


def solve_analogy(embeddings: Embeddings, a: str, b: str, c: str, k: int = 10) -> Neighbors:
    """a is to b as c is to ?: the k words nearest to b̂ - â + ĉ (3CosAdd), a, b, c excluded."""
    reader = QueryReader(embeddings)
    query = ParsedQuery(f"{b} - {a} + {c}", [reader.term(b), reader.term(c)], [reader.term(a)])
    return answer_queries(embeddings, [query], topn=k)[0].neighbors
