"""One source of truth for every stage's parameters.

Each stage has one dataclass whose defaults are the documented defaults.
`configs/*.toml` presets and command-line options only override fields;
unknown keys are an error, and the resolved dataclass is what the manifest
records. Precedence: dataclass defaults < config file < command line.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from embcli.errors import ConfigError

PRESETS_DIR_CANDIDATES = (
    Path(__file__).resolve().parent / "presets",  # installed wheel
    Path(__file__).resolve().parents[1] / "configs",  # source checkout
)


def default_workers() -> int:
    """All cores this process may use (word2vec and GloVe scale to them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------------
# stage configs


@dataclasses.dataclass(frozen=True)
class PreprocessConfig:
    tokenizer: Literal["regex", "whitespace", "char", "jieba"] = "regex"  # how lines become tokens
    token_pattern: str | None = None  # regex tokenizer only: custom pattern (e.g. "[a-z0-9']+")
    lowercase: bool = True  # str.lower() every token
    nfkc: bool = True  # Unicode NFKC normalisation (full-width forms, ligatures) before tokenizing
    stopwords: str | None = None  # None, "english" (scikit-learn's list) or a path to a file of words
    min_count: int = 5  # tokens seen fewer times become out-of-vocabulary
    max_vocab: int | None = None  # keep at most this many most frequent tokens (besides <unk>)
    oov: Literal["unk", "drop"] = "unk"  # OOV tokens become <unk> (index 0) or are removed
    hash_buckets: int | None = None  # hashing trick: every token maps to one of N buckets (vocabulary = buckets)
    workers: int = dataclasses.field(default_factory=default_workers)  # tokenizer processes


@dataclasses.dataclass(frozen=True)
class Word2VecFamilyConfig:
    """Options word2vec and fastText share: both are gensim's skip-gram/CBOW with negative sampling."""

    dim: int = 100  # vector size
    window: int = 5  # max distance between centre and context word (reduced at random per word)
    negative: int = 5  # negative samples per positive pair (0 disables negative sampling)
    hs: bool = False  # hierarchical softmax (as word2vec's -hs 1)
    sample: float = 1e-3  # subsampling threshold for frequent words (0 disables)
    epochs: int = 5
    alpha: float | None = None  # start learning rate; None: 0.025 skip-gram, 0.05 CBOW (word2vec's)
    min_alpha: float = 0.0001  # learning rate at the end of training (linear decay)
    workers: int = dataclasses.field(default_factory=default_workers)  # threads; 1 for reproducible runs
    seed: int = 1
    binary: bool = False  # also write word2vec binary vectors.bin
    resume: str | None = None  # a vectors directory of the same model to continue training from on a new corpus

    @property
    def trains_cbow(self) -> bool:
        raise NotImplementedError

    def resolved(self):  # type: ignore[no-untyped-def]
        """Fill the CBOW/skip-gram learning-rate default so the manifest records real values."""
        if self.alpha is None:
            return dataclasses.replace(self, alpha=0.05 if self.trains_cbow else 0.025)
        return self


@dataclasses.dataclass(frozen=True)
class Word2VecConfig(Word2VecFamilyConfig):
    model: Literal["skipgram", "cbow"] = "skipgram"
    engine: Literal["embcli", "gensim", "spark-mllib"] = "embcli"  # training implementation (spark-mllib: skip-gram with --hs only)
    deterministic: bool = False  # embcli engine: one thread, seeded, bit-identical vectors across runs
    mllib_partitions: int = 1  # spark-mllib engine: MLlib's numPartitions (faster, but accuracy falls as it grows)
    spark_master: str | None = None  # spark-mllib engine: Spark master; None: spark-submit's, else local[*]
    spark_conf: tuple[str, ...] = ()  # spark-mllib engine: Spark properties as key=value

    @property
    def trains_cbow(self) -> bool:
        return self.model == "cbow"


@dataclasses.dataclass(frozen=True)
class FastTextConfig(Word2VecFamilyConfig):
    model: Literal["fasttext"] = "fasttext"
    arch: Literal["skipgram", "cbow"] = "skipgram"  # the word2vec model trained underneath
    minn: int = 3  # shortest character n-gram (in characters, counting the < > word boundaries)
    maxn: int = 6  # longest character n-gram; maxn < minn disables subwords
    buckets: int = 2_000_000  # rows of the n-gram matrix that n-gram hashes are folded into

    @property
    def trains_cbow(self) -> bool:
        return self.arch == "cbow"


@dataclasses.dataclass(frozen=True)
class Doc2VecConfig:
    """Paragraph vectors (Le & Mikolov 2014): one vector per input line, with negative sampling."""

    model: Literal["doc2vec"] = "doc2vec"
    dm: int = 0  # 0: PV-DBOW (the document predicts its words); 1: PV-DM (document + context mean predicts the word)
    dbow_words: bool = False  # PV-DBOW: also train skip-gram word vectors, interleaved (gensim's dbow_words=1)
    tags: str | None = None  # a file with one tag per input line (default tag: the document number)
    dim: int = 100  # vector size
    window: int = 5  # PV-DM context / --dbow-words skip-gram window (reduced at random per word)
    negative: int = 5  # negative samples per predicted word
    sample: float = 1e-3  # subsampling threshold for frequent words (0 disables)
    epochs: int = 10  # passes over the corpus (gensim Doc2Vec's default)
    alpha: float = 0.025  # start learning rate
    min_alpha: float = 0.0001  # learning rate at the end of training (linear decay)
    infer_epochs: int | None = None  # epochs of `--pool infer` on new text; None: the training epochs
    workers: int = dataclasses.field(default_factory=default_workers)  # threads
    seed: int = 1
    binary: bool = False  # also write word2vec binary vectors.bin

    def resolved(self):  # type: ignore[no-untyped-def]
        """Fill `infer_epochs` so the manifest records the value inference will use."""
        return self if self.infer_epochs is not None else dataclasses.replace(self, infer_epochs=self.epochs)


@dataclasses.dataclass(frozen=True)
class PhrasesConfig:
    """Collocation detection (word2vec's word2phrase, gensim's Phrases) on a corpus directory."""

    scoring: Literal["word2phrase", "npmi"] = "word2phrase"  # (c(ab) - min_count) / (c(a) c(b)) * N, or NPMI
    threshold: float | None = None  # join when score > threshold; None: 100 (word2phrase), 0.5 (npmi)
    min_count: int = 5  # candidates (and their words) seen fewer times are never joined
    connector_words: str | None = None  # "english" (gensim's ENGLISH_CONNECTOR_WORDS) or a file of words
    passes: int = 1  # passes K: each can join the previous pass's phrases into longer ones
    memory_mb: float = 256.0  # cap on the candidate-count table; rare candidates are pruned to stay inside it

    @property
    def resolved_threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        return 100.0 if self.scoring == "word2phrase" else 0.5


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    restrict_vocab: int = 30000  # analogy: only the N most frequent words are asked and answered (word2vec's compute-accuracy)
    similarity_restrict_vocab: int = 300000  # similarity: pairs with a word beyond the N most frequent are not found (gensim's default)
    method: Literal["3cosadd", "3cosmul", "both"] = "both"  # analogy objective(s)
    workers: int = dataclasses.field(default_factory=default_workers)  # threads for the analogy kernel

    @property
    def methods(self) -> tuple[str, ...]:
        return ("3cosadd", "3cosmul") if self.method == "both" else (self.method,)


# ---------------------------------------------------------------------------
# loading and merging

C = TypeVar("C")


def find_preset(name_or_path: str | Path) -> Path:
    """A config path as given, or the name of a bundled preset (`skipgram`, `cbow.toml`)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    stem = path.name if path.suffix == ".toml" else f"{path.name}.toml"
    if path.parent == Path("."):
        for directory in PRESETS_DIR_CANDIDATES:
            if (directory / stem).exists():
                return directory / stem
    raise ConfigError(f"config file {name_or_path} not found (give a path or a preset name from configs/)")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def _accepts(annotation: Any, value: Any) -> bool:
    """True if a TOML value fits a dataclass field annotation (ints pass for floats)."""
    origin = get_origin(annotation)
    if origin is tuple:  # tuple[X, ...]: a TOML array or a repeated option
        return isinstance(value, (list, tuple)) and all(_accepts(get_args(annotation)[0], item) for item in value)
    if origin is Literal:
        return value in get_args(annotation)
    if origin is not None and type(None) in get_args(annotation):  # X | None
        return any(_accepts(arg, value) for arg in get_args(annotation) if arg is not type(None))
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return any(_accepts(arg, value) for arg in get_args(annotation))


def validate_overrides(cls: type[C], values: dict[str, Any], source: str) -> dict[str, Any]:
    """Check keys and value types against `cls`; `source` names where they came from."""
    hints = get_type_hints(cls)
    known = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(sorted(known))})")
        if not _accepts(hints[key], value):
            raise ConfigError(f"{source}: '{key}' = {value!r} is not a valid {_describe(hints[key])}")
    return values


def _describe(annotation: Any) -> str:
    if get_origin(annotation) is Literal:
        return "choice (one of " + ", ".join(repr(a) for a in get_args(annotation)) + ")"
    return getattr(annotation, "__name__", str(annotation)).replace("NoneType", "none")


def build_config(
    cls: type[C],
    *,
    config_file: str | Path | None = None,
    section: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> C:
    """Defaults < config file (optionally one `[section]` of it) < `overrides` (None values ignored)."""
    values: dict[str, Any] = {}
    if config_file is not None:
        path = find_preset(config_file)
        data = read_toml(path)
        if section is not None and isinstance(data.get(section), dict):
            data = data[section]
        values.update(validate_overrides(cls, data, str(path)))
    cli_values = {key: value for key, value in (overrides or {}).items() if value is not None}
    values.update(validate_overrides(cls, cli_values, "command line"))
    return cls(**values)


def as_dict(config: Any) -> dict[str, Any]:
    """A config as a JSON-able dict, for manifests."""
    return dataclasses.asdict(config)


@dataclasses.dataclass(frozen=True)
class CooccurConfig:
    window: int = 10  # max distance between two counted words; a pair at distance d adds 1/d
    asymmetric: bool = False  # count each pair once as (left word, right word), as Stanford's -symmetric 0
    keep_unk: bool = False  # count <unk> (id 0) as a word instead of removing OOV tokens before windows form
    memory_mb: float = 384.0  # cap on counting buffers + in-memory runs; past it sorted runs spill to disk
    workers: int = dataclasses.field(default_factory=default_workers)  # counting threads


@dataclasses.dataclass(frozen=True)
class GloVeConfig:
    model: Literal["glove"] = "glove"
    dim: int = 100  # vector size
    window: int = 10  # co-occurrence window (weight 1/distance)
    asymmetric: bool = False  # left-context-only co-occurrences (Stanford's -symmetric 0)
    keep_unk: bool = False  # count <unk> as a word (Stanford removes OOV tokens)
    x_max: float = 100.0  # weighting f(x) = min(1, (x / x_max) ** alpha)
    alpha: float = 0.75  # exponent of the weighting function
    eta: float = 0.05  # AdaGrad initial learning rate
    grad_clip: float = 100.0  # each gradient component is clipped to +-grad_clip (as Stanford's glove)
    epochs: int = 15  # passes over the nonzero co-occurrences
    vectors: Literal["word", "word+context", "concat"] = "word+context"  # output W, W + W~, or [W, W~]
    workers: int = dataclasses.field(default_factory=default_workers)  # Hogwild threads; 1 for reproducible runs
    seed: int = 1  # initialisation and shuffling
    memory_mb: float = 384.0  # co-occurrence counting memory cap (see CooccurConfig)
    cooccurrence: str | None = None  # matrix dir to use or create; default: <corpus>/cooccur-w10-sym (a cache)
    checkpoint_every: int = 0  # save parameters and AdaGrad state every K epochs (0: never)
    checkpoint_dir: str | None = None  # where checkpoints go; default: <output>.checkpoint beside the output
    resume: str | None = None  # a checkpoint directory to continue training from
    binary: bool = False  # also write word2vec binary vectors.bin


@dataclasses.dataclass(frozen=True)
class QuantizeConfig:
    method: Literal["int8", "pq"] = "int8"  # int8: symmetric scaled codes; pq: product quantization
    scale: Literal["row", "dim"] = "row"  # int8: one scale per word (row) or per dimension
    subspaces: int | None = None  # pq: M sub-spaces (must divide dim); None: sub-spaces of 4 dims (or the next divisor)
    centroids: int = 256  # pq: k-means centroids per sub-space (codes are uint8, so at most 256)
    iterations: int = 20  # pq: k-means iterations per sub-space
    train_rows: int = 100_000  # pq: k-means is fitted on at most this many rows (a seeded sample), then all rows are coded
    workers: int = dataclasses.field(default_factory=default_workers)  # k-means threads
    seed: int = 1  # pq: k-means initialisation and the training sample


@dataclasses.dataclass(frozen=True)
class EmbedConfig:
    pool: Literal["mean", "sum", "sif", "infer"] = "mean"  # how a line's word vectors become one vector (infer: doc2vec)
    oov: Literal["skip", "unk"] = "skip"  # unknown tokens are skipped, or use the <unk> row
    sif_a: float = 1e-3  # SIF: word weight a / (a + p(w)), p from the vocabulary counts
    batch_lines: int = 8192  # lines tokenized and pooled at a time (bounds memory)
    sif_component: str | None = None  # SIF: remove the component saved in this sidecar (an earlier OUT.npy.json) instead of this input's own
    infer_epochs: int | None = None  # infer: epochs per text (None: the model's infer_epochs)
    seed: int = 1  # infer: seed of each text's fresh document row (same text + seed -> same vector)


@dataclasses.dataclass(frozen=True)
class PlotConfig:
    method: Literal["pca", "tsne"] = "pca"  # 2-D projection
    top: int = 50  # words plotted when none are named: the N most frequent (<unk> excluded)
    perplexity: float = 30.0  # t-SNE: capped below the number of words
    seed: int = 1  # t-SNE initialisation
