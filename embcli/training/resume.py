"""Continued training (`embcli train --resume DIR CORPUS`): grow a skipgram/cbow/fasttext model on new text.

What a vectors directory keeps so that training can continue (no pickle):

- `vectors.npy` + `vocab.tsv`: the input vectors and the counts they were trained on;
- `output_vectors.npy`: the output layer (gensim's `syn1neg`, the negative-sampling
  weights), float32, row i = vocab index i; only models with negative sampling have one;
- fasttext only: `input_word_vectors.npy` (the whole-word rows of the input matrix,
  gensim's `vectors_vocab`; `vectors.npy` is their mean with the n-gram rows) and `ngrams.npy`.

The grown vocabulary is the parent's, in the parent's order (old words keep their
indices and rows), followed by the words of the new corpus's vocabulary that the
parent lacks, in the new corpus's order (so `--min-count` is applied to the new text
by preprocess). Counts are the sums over parent and new text, which is what the
noise distribution and subsampling use. The vocabulary is therefore count-sorted
within each generation, not overall. New words start from the engine's random
initialisation (zero output rows) and everything is then trained on the new text.
The embcli engine continues skip-gram and CBOW models; gensim continues fastText
(and any model with `--engine gensim`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embcli.artifacts import load_npy, manifest_reference, read_manifest
from embcli.artifacts.manifest_values import manifest_table
from embcli.corpus.token_corpus import TokenCorpus
from embcli.corpus.vocabulary import UNK_INDEX, Vocabulary, read_vocabulary
from embcli.errors import ConfigError, FormatError, InputError
from embcli.corpus.subword_ngrams import NGRAMS_NPY
from embcli.embeddings.npy_format import VOCAB_NAME
from embcli.embeddings.vectors_dir import VECTORS_KIND, VECTORS_NPY

OUTPUT_VECTORS_NPY = "output_vectors.npy"
INPUT_WORD_VECTORS_NPY = "input_word_vectors.npy"
RESUMABLE_MODELS = ("skipgram", "cbow", "fasttext")
# config fields a resumed run takes from its parent unless given again
NOT_INHERITED = ("resume", "workers", "binary", "engine", "deterministic")  # how to train, not what the model is


@dataclass
class ParentModel:
    """What a finished model directory contributes to continued training."""

    directory: Path
    manifest: dict[str, Any]
    vocab: Vocabulary
    input_vectors: np.ndarray  # (n, dim): vectors.npy, or input_word_vectors.npy for fasttext
    output_vectors: np.ndarray  # (n, dim) syn1neg
    ngrams: np.ndarray | None  # fasttext (buckets, dim)


def inherited_options(directory: Path) -> tuple[str | None, dict[str, Any]]:
    """The parent's model and config values, the defaults of a resumed run (None, {} if DIR is no vectors dir)."""
    try:
        manifest = read_manifest(Path(directory), VECTORS_KIND)
    except (InputError, FormatError):
        return None, {}
    where = Path(directory) / "manifest.json"
    config = {key: value for key, value in manifest_table(manifest, "config", where).items()
              if key not in NOT_INHERITED}
    model = manifest.get("model")
    return (model if isinstance(model, str) else None), config


def load_parent(config: Any, corpus: TokenCorpus) -> ParentModel | None:
    """Read and check `config.resume` before any training starts; None when the config resumes nothing."""
    if not config.resume:
        return None
    directory = Path(config.resume)
    manifest = read_manifest(directory, VECTORS_KIND)
    model = manifest.get("model")
    if not isinstance(model, str) or model not in RESUMABLE_MODELS:
        raise ConfigError(f"--resume {directory}: a '{model}' model cannot be continued (only {', '.join(RESUMABLE_MODELS)})")
    if model != config.model:
        raise ConfigError(f"--resume {directory}: it is a {model} model, not {config.model}; drop --model or use --model {model}")
    where = directory / "manifest.json"
    parent_config = manifest_table(manifest, "config", where)
    for key in ("dim", "minn", "maxn", "buckets"):
        if key in parent_config and getattr(config, key, None) not in (None, parent_config[key]):
            raise ConfigError(f"--resume {directory}: the model has --{key} {parent_config[key]}, "
                              f"but --{key} {getattr(config, key)} was given; drop --{key} or use the same value")
    if manifest_table(manifest, "hashing", where).get("buckets") != \
            manifest_table(corpus.manifest, "hashing", corpus.directory / "manifest.json").get("buckets"):
        raise InputError(f"--resume {directory}: the model and {corpus.directory} do not use the same --hash-buckets; "
                         f"preprocess the new text as the old one was")
    output_path = directory / OUTPUT_VECTORS_NPY
    if not output_path.exists():
        raise InputError(f"--resume {directory}: no {OUTPUT_VECTORS_NPY} (the output layer needed to continue "
                         f"training); only models trained with negative sampling by this embcli can be resumed")
    vocab = read_vocabulary(directory / VOCAB_NAME)
    is_fasttext = model == "fasttext"
    input_vectors = _load_rows(directory / (INPUT_WORD_VECTORS_NPY if is_fasttext else VECTORS_NPY), len(vocab))
    output_vectors = _load_rows(output_path, len(vocab))
    if input_vectors.shape[1] != config.dim:
        raise ConfigError(f"--resume {directory}: the model has {input_vectors.shape[1]}-dimensional vectors, "
                          f"but --dim {config.dim} was given; drop --dim or use the same value")
    has_ngrams = is_fasttext and config.buckets > 0 and config.maxn >= config.minn
    ngrams = _load_rows(directory / NGRAMS_NPY, config.buckets, mmap=True) if has_ngrams else None  # read in blocks
    return ParentModel(directory, manifest, vocab, input_vectors, output_vectors, ngrams)


def _load_rows(path: Path, rows: int, *, mmap: bool = False) -> np.ndarray:
    if not path.exists():
        raise InputError(f"--resume {path.parent}: {path.name} is missing; the directory is incomplete")
    matrix = load_npy(path, mmap=mmap, remedy="the model to resume is damaged")
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.dtype != np.float32:
        raise FormatError(f"{path}: expected float32 ({rows}, dim), found {matrix.dtype} {matrix.shape}")
    return matrix


def grown_vocabulary(parent: Vocabulary, new: Vocabulary) -> Vocabulary:
    """The parent's words in order, then the new corpus's words it lacks; counts summed.

    >>> old = Vocabulary(["<unk>", "a", "b"], np.array([0, 5, 3]))
    >>> grown = grown_vocabulary(old, Vocabulary(["<unk>", "c", "a"], np.array([1, 4, 2])))
    >>> grown.tokens, grown.counts.tolist()
    (['<unk>', 'a', 'b', 'c'], [1, 7, 3, 4])
    """
    index = parent.index()
    tokens = list(parent.tokens)
    counts = parent.counts.astype(np.int64).tolist()
    for token, count in zip(new.tokens, new.counts.tolist()):
        row = index.get(token)
        if row is None:
            index[token] = len(tokens)
            tokens.append(token)
            counts.append(count)
        else:
            counts[row] += count
    return Vocabulary(tokens, np.array(counts, dtype=np.int64))


def resumed_counts(grown: Vocabulary, corpus: TokenCorpus) -> np.ndarray:
    """Counts that drive negatives and subsampling: parent + new text, `<unk>` only if the new text keeps it as a token."""
    counts = grown.counts.astype(np.int64).copy()
    if corpus.manifest.get("config", {}).get("oov", "unk") != "unk":
        counts[UNK_INDEX] = 0
    return counts


def resumed_frequencies(grown: Vocabulary, corpus: TokenCorpus) -> dict[str, int]:
    """The counts gensim sees: `resumed_counts` of every word that has one."""
    return {token: int(count) for token, count in zip(grown.tokens, resumed_counts(grown, corpus).tolist()) if count > 0}


def training_ids(corpus: TokenCorpus, parent: ParentModel | None) -> tuple[TokenCorpus, np.ndarray, np.ndarray]:
    """(the corpus the artifact describes, the ids to train on, each word's count) for embcli's trainers.

    Without a parent: the corpus itself, its ids and their counts. Resuming: the parent's words keep
    their rows and the new corpus's words it lacks are appended (`grown_vocabulary`), the ids are mapped
    into that vocabulary and the counts are parent + new text.
    """
    if parent is None:
        ids = np.asarray(corpus.ids)
        return corpus, ids, np.bincount(ids, minlength=len(corpus.vocab)).astype(np.int64)
    grown = dataclasses.replace(corpus, vocab=grown_vocabulary(parent.vocab, corpus.vocab))
    return grown, ids_in_grown_vocabulary(corpus, grown.vocab), resumed_counts(grown.vocab, corpus)


def ids_in_grown_vocabulary(corpus: TokenCorpus, grown: Vocabulary) -> np.ndarray:
    """The corpus's token ids (which index `corpus.vocab`) as indices of the grown vocabulary (uint32, a copy)."""
    index = grown.index()
    to_grown = np.array([index[token] for token in corpus.vocab.tokens], dtype=np.uint32)
    return to_grown[np.asarray(corpus.ids)]


def seed_from_parent(model: Any, parent: ParentModel) -> None:
    """Copy the parent's rows into a gensim model whose vocabulary contains the parent's words."""
    rows = np.array([model.wv.key_to_index.get(token, -1) for token in parent.vocab.tokens])
    known = rows >= 0
    if hasattr(model.wv, "vectors_vocab"):  # fastText: whole-word rows and the n-gram matrix
        model.wv.vectors_vocab[rows[known]] = parent.input_vectors[known]
        if parent.ngrams is not None:
            model.wv.vectors_ngrams[:] = parent.ngrams
        model.wv.adjust_vectors()
    else:
        model.wv.vectors[rows[known]] = parent.input_vectors[known]
    model.syn1neg[rows[known]] = parent.output_vectors[known]


def training_frequencies(corpus: TokenCorpus) -> dict[str, int]:
    """Counts of the words that occur in the training text (`<unk>` only if it was kept as a token)."""
    unk_in_text = corpus.manifest.get("config", {}).get("oov", "unk") == "unk"
    return {token: int(count) for i, (token, count) in enumerate(zip(corpus.vocab.tokens, corpus.vocab.counts))
            if count > 0 and (i != UNK_INDEX or unk_in_text)}


def prepare_vocabulary(model: Any, corpus: TokenCorpus, parent: ParentModel | None) -> TokenCorpus:
    """Build the gensim vocabulary (grown and seeded from `parent` when resuming).

    Returns the corpus as the artifact describes it: `corpus` itself, or on resume
    a copy whose `vocab` is the grown vocabulary (its ids still index `corpus.vocab`,
    so only vocabulary and counts may be read from it).
    """
    if parent is None:
        model.build_vocab_from_freq(training_frequencies(corpus), corpus_count=corpus.n_sentences)
        return corpus
    grown = grown_vocabulary(parent.vocab, corpus.vocab)
    model.build_vocab_from_freq(resumed_frequencies(grown, corpus), corpus_count=corpus.n_sentences)
    seed_from_parent(model, parent)
    return dataclasses.replace(corpus, vocab=grown)


def resume_sections(parent: ParentModel | None, artifact_corpus: TokenCorpus) -> dict[str, Any]:
    """Manifest sections of a resumed model: the chain of parents (nearest first) and the vocabulary growth."""
    if parent is None:
        return {}
    chain = [manifest_reference(parent.directory)] + list(parent.manifest.get("parents", []))
    return {"parents": chain,
            "resume": {"parent_vocab_size": len(parent.vocab),
                       "new_words": len(artifact_corpus.vocab) - len(parent.vocab),
                       "vocab_order": "parent's words in the parent's order, then new words in the new corpus's order"}}
