"""Benchmark of fastText training and of subword vectors for rare and unseen words, on the shared corpus.

1. Speed: `embcli train --model fasttext` versus gensim's FastText used directly (same tokens, same settings:
   skip-gram, dim 100, window 5, negative 5, sample 1e-3, 5 epochs, minn 3, maxn 6, 2M buckets, 2 workers).
   Reported: training words/s (time inside `train()`, from embcli's manifest and measured around gensim's call)
   and whole-process wall time (start-up, vocabulary, training, writing). Target: within 10%.
2. Rare words: the WS-353 and SimLex-999 pairs with a word that is out of vocabulary at --min-count 5 or rare
   (fewer than RARE_COUNT occurrences), scored by `embcli eval` restricted to the vocabulary (pairs with an
   unseen word are lost) and with unseen words built from subwords; plus the whole sets both ways.

Usage: python bench/bench_fasttext.py [--repeats 1] [--work DIR]
       python bench/bench_fasttext.py --direct CORPUS_TXT OUT_DIR   (the gensim-direct run, as a subprocess)
"""

from __future__ import annotations

import argparse
import json
import shlex
import tempfile
import time
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, REPO, SHARED_CORPUS, machine, median_run, timed, write_section

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5, "minn": 3, "maxn": 6,
            "buckets": 2_000_000, "workers": 2}
RARE_COUNT = 50
SIMILARITY_SETS = {"ws353": "EN-WS-353-ALL.txt", "simlex999": "EN-SIMLEX-999.txt"}


def gensim_direct(corpus_txt: str, out_dir: str) -> None:
    """gensim FastText as a user would run it on the same text; prints training words/s as JSON."""
    from gensim.models import FastText

    s = SETTINGS
    model = FastText(vector_size=s["dim"], window=s["window"], negative=s["negative"], sample=s["sample"],
                     min_count=5, workers=s["workers"], sg=1, alpha=0.025, epochs=s["epochs"], min_n=s["minn"],
                     max_n=s["maxn"], bucket=s["buckets"], seed=1)
    model.build_vocab(corpus_file=corpus_txt)
    started = time.perf_counter()
    model.train(corpus_file=corpus_txt, total_words=model.corpus_total_words, epochs=s["epochs"])
    seconds = time.perf_counter() - started
    model.wv.save_word2vec_format(str(Path(out_dir) / "vectors.vec"))
    print(json.dumps({"train_seconds": seconds, "words_per_second": model.corpus_total_words * s["epochs"] / seconds}))


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


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def similarity_rows(report: dict) -> dict[str, dict]:
    return {item["name"]: item for item in report["similarity"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--direct", nargs=2, metavar=("CORPUS_TXT", "OUT_DIR"))
    args = parser.parse_args()
    if args.direct:
        gensim_direct(*args.direct)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-ft-"))
    corpus = work / "corpus"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "-q", *REFERENCE_PREPROCESS])
    started_machine = machine()

    ours_out, direct_out = work / "fasttext-embcli", work / "fasttext-gensim"
    direct_out.mkdir(exist_ok=True)
    options = ["--model", "fasttext", "--arch", "skipgram"] + [
        part for key, value in SETTINGS.items() for part in (f"--{key}", str(value))]
    train_command = EMBCLI + ["train", str(corpus), "-o", str(ours_out), "--force", "-q", *options]
    ours, ours_times = median_run(train_command, args.repeats)
    ours_manifest = json.loads((ours_out / "manifest.json").read_text())
    direct, direct_times = median_run([PYTHON, __file__, "--direct", str(corpus / "corpus.txt"), str(direct_out)],
                                      args.repeats)
    direct_train = direct.json()
    ours_wps = ours_manifest["timings"]["words_per_second"]
    tokens = ours_manifest["counts"]["corpus_tokens"]

    report = timed(EMBCLI + ["eval", str(ours_out), "--suite", "standard", "--method", "3cosadd", "--json", "-q"]).json()
    full = similarity_rows(report)
    pairs_file, n_rare, n_unseen = rare_pairs(corpus / "vocab.tsv", work)
    rare = similarity_rows(timed(EMBCLI + ["eval", str(ours_out), "--similarity", str(pairs_file), "--json", "-q"]).json())
    rare_plain, rare_filled = rare["rare-pairs"], rare["rare-pairs+subwords"]

    def row(label: str, plain: dict, filled: dict) -> str:
        return (f"| {label} | {plain['pairs']} | {plain['found']} ({plain['coverage']:.0%}) | {number(plain['spearman'])} | "
                f"{filled['found']} ({filled['coverage']:.0%}) | {number(filled['spearman'])} |")

    lines = [
        "## fastText (subwords) through gensim",
        "",
        f"Machine: {started_machine}.",
        f"Command: `python bench/bench_fasttext.py --repeats {args.repeats}` (corpus: en-mixed-5m.txt.gz preprocessed with "
        f"`{shlex.join(REFERENCE_PREPROCESS)}`, {tokens:,} tokens, {ours_manifest['counts']['vocab_size'] - 1:,} words).",
        f"Settings: skip-gram, " + ", ".join(f"{key} {value}" for key, value in SETTINGS.items()) + ".",
        "",
        "| tool | training words/s | whole process s (runs) | peak RSS MB |",
        "|---|---|---|---|",
        f"| `embcli train --model fasttext` | {ours_wps:,.0f} | {ours.seconds:.1f} ({ours_times}) | {ours.peak_rss_mb:.0f} |",
        f"| gensim FastText direct | {direct_train['words_per_second']:,.0f} | {direct.seconds:.1f} ({direct_times}) | "
        f"{direct.peak_rss_mb:.0f} |",
        f"| ratio embcli / gensim | **{ours_wps / direct_train['words_per_second']:.2f}** | "
        f"{direct.seconds / ours.seconds:.2f} (speed) | |",
        "",
        f"Similarity with and without subword vectors for unseen words (`embcli eval`; 'vocab only' loses the pairs "
        f"with an unseen word, '+subwords' builds them from character n-grams). The rare subset is every WS-353 "
        f"(all) and SimLex-999 pair with a word seen fewer than {RARE_COUNT} times ({n_rare} pairs, {n_unseen} with a "
        f"word never seen at min-count 5).",
        "",
        "| pairs | total | vocab only: found | Spearman | +subwords: found | Spearman |",
        "|---|---|---|---|---|---|",
        row("WS-353 (all)", full["ws353"], full["ws353+subwords"]),
        row("SimLex-999", full["simlex999"], full["simlex999+subwords"]),
        row(f"rare/unseen (< {RARE_COUNT})", rare_plain, rare_filled),
    ]
    write_section("fasttext", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
