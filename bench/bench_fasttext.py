"""Benchmark of embcli's fastText engine against the fastText package, and of subword vectors for rare words.

1. Speed and quality: `embcli train --model fasttext` (the embcli engine) versus fastText itself
   (`fasttext.train_unsupervised`, the `fasttext-wheel` package) on the same tokens and settings: skip-gram,
   dim 100, window 5, negative 5, sample 1e-3, minn 3, maxn 6, 2M buckets, 5 epochs, 2 threads, lr 0.05 (both
   engines' default). Whole processes, run alternately (the order flips every repeat) so both see the same
   drifting load of a shared machine; reported per run and as the median: training words/s (embcli: its
   manifest; fastText: corpus tokens x epochs over `train_unsupervised`'s time, which includes its own
   vocabulary pass over the text), whole-process wall and CPU seconds, peak RSS, and each run's WS-353,
   SimLex-999 and Google analogy (30k) scores.
2. Rare words: the WS-353 and SimLex-999 pairs with a word that is out of vocabulary at --min-count 5 or rare
   (fewer than RARE_COUNT occurrences), scored restricted to the vocabulary (pairs with an unseen word are
   lost) and with unseen words built from subwords, for both engines.

`--loss hs` compares hierarchical softmax instead: embcli `--hs --negative 0`, fastText `-loss hs` (its own
BENCHMARKS.md section).

Usage: python bench/bench_fasttext.py [--repeats 3] [--epochs 5] [--loss ns|hs] [--work DIR]
       python bench/bench_fasttext.py --fasttext-direct CORPUS_TXT OUT_DIR EPOCHS EXTRA_WORDS LOSS  (a fastText run)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import tempfile
import time
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, REPO, SHARED_CORPUS, machine, timed, write_section

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "minn": 3, "maxn": 6, "buckets": 2_000_000,
            "workers": 2}
RARE_COUNT = 50
SIMILARITY_SETS = {"ws353": "EN-WS-353-ALL.txt", "simlex999": "EN-SIMLEX-999.txt"}


def fasttext_direct(corpus_txt: str, out_dir: str, epochs: int, extra_words: str, loss: str) -> None:
    """fastText as its users run it; writes vectors.vec (its vocabulary) and plus.vec (and `extra_words` from
    subwords), prints the training seconds as JSON."""
    import fasttext

    s = SETTINGS
    started = time.perf_counter()
    model = fasttext.train_unsupervised(corpus_txt, model="skipgram", dim=s["dim"], ws=s["window"], neg=s["negative"],
                                        loss=loss, t=s["sample"], minn=s["minn"], maxn=s["maxn"], bucket=s["buckets"],
                                        epoch=epochs, thread=s["workers"], minCount=5, lr=0.05, verbose=0)
    seconds = time.perf_counter() - started
    words = [word for word in model.get_words() if word != "</s>"]
    extra = [word for word in Path(extra_words).read_text(encoding="utf-8").split() if word not in set(words)]
    for name, listed in (("vectors.vec", words), ("plus.vec", words + extra)):
        with open(Path(out_dir) / name, "w", encoding="utf-8") as out:
            out.write(f"{len(listed)} {model.get_dimension()}\n")
            for word in listed:
                out.write(word + " " + " ".join(f"{x:.6f}" for x in model.get_word_vector(word)) + "\n")
    print(json.dumps({"train_seconds": seconds}))


def similarity_words() -> list[str]:
    words = set()
    for name in SIMILARITY_SETS.values():
        for line in (REPO / "data" / "eval" / name).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and not line.startswith("#"):
                words.update((parts[0].lower(), parts[1].lower()))
    return sorted(words)


def rare_pairs(corpus_vocab: Path, work: Path) -> tuple[Path, int, int]:
    """Pairs of the similarity sets with a word unseen or rarer than RARE_COUNT, in one file."""
    counts = {}
    for line in corpus_vocab.read_text(encoding="utf-8").splitlines()[1:]:
        _, token, count = line.split("\t")
        counts[token] = int(count)
    kept, unseen = [], 0
    for name in SIMILARITY_SETS.values():
        for line in (REPO / "data" / "eval" / name).read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) != 3 or line.startswith("#"):
                continue
            words = [parts[0].lower(), parts[1].lower()]
            if any(counts.get(word, 0) < RARE_COUNT for word in words):
                kept.append("\t".join(parts))
                unseen += any(word not in counts for word in words)
    path = work / "rare-pairs.txt"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path, len(kept), unseen


def scores(vectors: Path, vectors_plus: Path, rare_file: Path) -> dict[str, float]:
    """WS-353, SimLex-999, Google (30k, 3CosAdd) of `vectors`; the rare pairs vocabulary-only and with subwords."""
    report = timed(EMBCLI + ["eval", str(vectors), "--suite", "standard", "--method", "3cosadd", "--json", "-q"]).json()
    similarity = {item["name"]: item for item in report["similarity"]}
    google = next(item for item in report["analogy"] if item["name"] == "google")
    result = {"ws353": similarity["ws353"]["spearman"], "simlex999": similarity["simlex999"]["spearman"],
              "google": 100 * google["methods"]["3cosadd"]["total"]["accuracy"], "google_answered": google["answered"],
              "google_questions": google["questions"]}
    for key, path in (("rare_vocab", vectors), ("rare_subwords", vectors_plus)):
        rare = timed(EMBCLI + ["eval", str(path), "--similarity", str(rare_file), "--json", "-q"]).json()
        item = next(item for item in rare["similarity"] if item["name"] == "rare-pairs")
        result[key], result[key + "_found"] = item["spearman"], item["found"]
    return result


def run_embcli(corpus: Path, out: Path, epochs: int, rare_file: Path, loss: str) -> dict:
    settings = {**SETTINGS, "negative": 0} if loss == "hs" else SETTINGS  # fastText's -loss hs is hs alone
    options = [part for key, value in settings.items() for part in (f"--{key}", str(value))]
    options += ["--hs"] if loss == "hs" else []
    process = timed(EMBCLI + ["train", str(corpus), "-o", str(out), "--force", "-q", "--model", "fasttext",
                              "--arch", "skipgram", "--epochs", str(epochs), *options])
    manifest = json.loads((out / "manifest.json").read_text())
    plus = out / "plus.vec"  # the similarity words unseen in training, composed from subwords by `embcli vectors`
    vocab_words = {line.split("\t")[1] for line in (corpus / "vocab.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    unseen = [w for w in similarity_words() if w not in vocab_words]
    lines = timed(EMBCLI + ["vectors", str(out), *unseen]).stdout.splitlines() if unseen else []
    vocab = (out / "vectors.vec").read_text(encoding="utf-8").splitlines()
    plus.write_text(f"{int(vocab[0].split()[0]) + len(lines)} {SETTINGS['dim']}\n" + "\n".join(vocab[1:] + lines) + "\n",
                    encoding="utf-8")
    return {"words_per_second": manifest["timings"]["words_per_second"], "wall": process.seconds,
            "cpu": process.cpu_seconds, "rss": process.peak_rss_mb, **scores(out, plus, rare_file)}


def run_fasttext(corpus: Path, out: Path, epochs: int, rare_file: Path, tokens: int, loss: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    extra = out / "extra-words.txt"
    extra.write_text("\n".join(similarity_words()) + "\n", encoding="utf-8")
    process = timed([PYTHON, __file__, "--fasttext-direct", str(corpus / "corpus.txt"), str(out), str(epochs),
                     str(extra), loss])
    return {"words_per_second": tokens * epochs / process.json()["train_seconds"], "wall": process.seconds,
            "cpu": process.cpu_seconds, "rss": process.peak_rss_mb,
            **scores(out / "vectors.vec", out / "plus.vec", rare_file)}


def table_row(label: str, run: dict, load: float) -> str:
    return (f"| {label} | {run['words_per_second']:,.0f} | {run['wall']:.0f} | {run['cpu']:.0f} | {run['rss']:,.0f} | "
            f"{run['ws353']:.3f} | {run['simlex999']:.3f} | {run['google']:.1f}% | {run['rare_vocab']:.3f} | "
            f"{run['rare_subwords']:.3f} | {load:.1f} |")


def summary(label: str, runs: list[dict]) -> str:
    def cell(key: str, fmt: str) -> str:
        values = [run[key] for run in runs]
        return f"**{format(statistics.median(values), fmt)}** ({format(min(values), fmt)}–{format(max(values), fmt)})"

    return (f"| {label} median (range) | {cell('words_per_second', ',.0f')} | {cell('wall', '.0f')} | {cell('cpu', '.0f')} | "
            f"{cell('rss', ',.0f')} | {cell('ws353', '.3f')} | {cell('simlex999', '.3f')} | {cell('google', '.1f')} | "
            f"{cell('rare_vocab', '.3f')} | {cell('rare_subwords', '.3f')} | |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3, help="interleaved embcli/fastText runs")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="work directory (a preprocessed corpus there is reused)")
    parser.add_argument("--loss", choices=["ns", "hs"], default="ns",
                        help="negative sampling (the issue's settings) or hierarchical softmax alone")
    parser.add_argument("--fasttext-direct", nargs=5, metavar=("CORPUS_TXT", "OUT_DIR", "EPOCHS", "EXTRA_WORDS", "LOSS"))
    args = parser.parse_args()
    if args.fasttext_direct:
        corpus_txt, out_dir, epochs, extra, loss = args.fasttext_direct
        fasttext_direct(corpus_txt, out_dir, int(epochs), extra, loss)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-ft-"))
    corpus = work / "corpus"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "-q", *REFERENCE_PREPROCESS])
    tokens = json.loads((corpus / "manifest.json").read_text())["counts"]["tokens_written"]
    started_machine = machine()
    rare_file, n_rare, n_unseen = rare_pairs(corpus / "vocab.tsv", work)
    ours, theirs, rows, loads = [], [], [], []
    for repeat in range(args.repeats):
        order = ["embcli", "fasttext"] if repeat % 2 == 0 else ["fasttext", "embcli"]
        for engine in order:
            load = os.getloadavg()[0]
            loads.append(load)
            if engine == "embcli":
                ours.append(run_embcli(corpus, work / f"embcli-{repeat}", args.epochs, rare_file, args.loss))
                rows.append(table_row(f"embcli {repeat + 1}", ours[-1], load))
            else:
                theirs.append(run_fasttext(corpus, work / f"fasttext-{repeat}", args.epochs, rare_file, tokens,
                                           args.loss))
                rows.append(table_row(f"fastText {repeat + 1}", theirs[-1], load))
            print(rows[-1], flush=True)
        section = report(args, started_machine, tokens, n_rare, n_unseen, ours, theirs, rows, loads)
        write_section("fasttext" if args.loss == "ns" else "fasttext-hs", section)  # after every repeat: a long run interrupted still leaves its figures
    print(section)


def report(args: argparse.Namespace, started_machine: str, tokens: int, n_rare: int, n_unseen: int, ours: list[dict],
           theirs: list[dict], rows: list[str], loads: list[float]) -> str:
    speedups = [a["words_per_second"] / b["words_per_second"] for a, b in zip(ours, theirs)]
    cpu_ratios = [b["cpu"] / a["cpu"] for a, b in zip(ours, theirs)]
    hs = args.loss == "hs"
    settings = {**SETTINGS, "negative": 0} if hs else SETTINGS
    lines = [
        "## fastText (subwords): embcli's engine and fastText" + (", hierarchical softmax" if hs else ""),
        "",
        f"Machine: {started_machine}; load average before each run {min(loads):.1f}–{max(loads):.1f} "
        f"(a 2-core machine shared by the whole team).",
        f"Command: `python bench/bench_fasttext.py --repeats {args.repeats} --epochs {args.epochs}"
        f"{' --loss hs' if hs else ''}` ({len(theirs)} of "
        f"{args.repeats} repeats done; corpus: en-mixed-5m.txt.gz preprocessed with `{shlex.join(REFERENCE_PREPROCESS)}`, {tokens:,} tokens). "
        "Settings: skip-gram, " + ", ".join(f"{key} {value}" for key, value in settings.items()) +
        (", hierarchical softmax (embcli `--hs --negative 0`, fastText `-loss hs`)" if hs else "") +
        f", {args.epochs} epochs, lr 0.05 for both (fastText's default; embcli's default for its fastText engine). "
        "fastText is the `fasttext` package (`train_unsupervised`) reading the same tokens as text; runs alternate, "
        "the order flipping every repeat.",
        "Words/s: embcli's manifest (training only), fastText's corpus tokens x epochs over `train_unsupervised` "
        "(which also reads the text for its vocabulary, a few seconds). Wall and CPU are whole processes (embcli "
        "also writes the 800 MB `ngrams.npy`; fastText writes its vectors as text). Scores: `embcli eval` "
        "(WS-353 all, SimLex-999, Google analogy 3CosAdd over the 30,000 most frequent words); 'rare' is every "
        f"WS-353/SimLex-999 pair with a word seen fewer than {RARE_COUNT} times ({n_rare} pairs, {n_unseen} with a "
        "word never seen at min-count 5), vocabulary only and with unseen words composed from subwords.",
        "",
        "| run | words/s | wall s | CPU s | peak RSS MB | WS-353 | SimLex-999 | Google (30k) | rare: vocab | rare: +subwords | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        summary("embcli", ours),
        summary("fastText", theirs),
        "",
        f"Speed-up in training words/s, run by run: {', '.join(f'{r:.2f}x' for r in speedups)} (median "
        f"**{statistics.median(speedups):.2f}x**); fastText CPU seconds over embcli's, whole processes: "
        f"{', '.join(f'{r:.2f}x' for r in cpu_ratios)} (median {statistics.median(cpu_ratios):.2f}x). Google analogy "
        f"answered {ours[0]['google_answered']:,} (embcli) and {theirs[0]['google_answered']:,} (fastText) of "
        f"{ours[0]['google_questions']:,} questions.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
