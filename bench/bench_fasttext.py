"""Benchmark of fastText training and of subword vectors for rare and unseen words, on the shared corpus.

1. Speed: `embcli train --model fasttext` versus gensim's FastText used directly (same tokens, same settings:
   skip-gram, dim 100, window 5, negative 5, sample 1e-3, 5 epochs, minn 3, maxn 6, 2M buckets, 2 workers).
   Reported: training words/s (time inside `train()`, from embcli's manifest and measured around gensim's call)
   and whole-process wall time (start-up, vocabulary, training, writing). On a shared machine the load drifts
   between sequential runs; `--concurrent` runs each pair at the same time so both see the same load (the
   ratio is then the figure to read, not the absolute words/s). Target: within 10%.
2. Rare words: the WS-353 and SimLex-999 pairs with a word that is out of vocabulary at --min-count 5 or rare
   (fewer than RARE_COUNT occurrences), scored by `embcli eval` restricted to the vocabulary (pairs with an
   unseen word are lost) and with unseen words built from subwords; plus the whole sets both ways, and the
   rare subset scored on all pairs with unseen words as zero vectors versus subword vectors.

Usage: python bench/bench_fasttext.py [--repeats 1] [--speed-epochs 5] [--concurrent] [--work DIR]
       python bench/bench_fasttext.py --direct CORPUS_TXT OUT_DIR EPOCHS   (the gensim-direct run, as a subprocess)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, REPO, SHARED_CORPUS, machine, timed, write_section

SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5, "minn": 3, "maxn": 6,
            "buckets": 2_000_000, "workers": 2}
RARE_COUNT = 50
SIMILARITY_SETS = {"ws353": "EN-WS-353-ALL.txt", "simlex999": "EN-SIMLEX-999.txt"}


def gensim_direct(corpus_txt: str, out_dir: str, epochs: int) -> None:
    """gensim FastText as a user would run it on the same text; prints training words/s as JSON."""
    from gensim.models import FastText

    s = SETTINGS
    model = FastText(vector_size=s["dim"], window=s["window"], negative=s["negative"], sample=s["sample"],
                     min_count=5, workers=s["workers"], sg=1, alpha=0.025, epochs=epochs, min_n=s["minn"],
                     max_n=s["maxn"], bucket=s["buckets"], seed=1)
    model.build_vocab(corpus_file=corpus_txt)
    started = time.perf_counter()
    model.train(corpus_file=corpus_txt, total_words=model.corpus_total_words, epochs=epochs)
    seconds = time.perf_counter() - started
    model.wv.save_word2vec_format(str(Path(out_dir) / "vectors.vec"))
    print(json.dumps({"train_seconds": seconds, "words_per_second": model.corpus_total_words * epochs / seconds}))


def oov_protocol(model_dir: Path, pairs_file: Path) -> dict[str, float]:
    """Spearman over *all* pairs with unseen words as zero vectors (cosine 0) versus built from subwords."""
    import numpy as np
    from scipy.stats import spearmanr

    from embcli.embeddings import load_embeddings

    embeddings = load_embeddings(model_dir)
    gold, zero, filled, unseen_gold, unseen_filled = [], [], [], [], []
    for line in pairs_file.read_text(encoding="utf-8").splitlines():
        a, b, score = line.split("\t")
        (va, sa), (vb, sb) = embeddings.lookup(a.lower()), embeddings.lookup(b.lower())
        cosine = float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-12))
        gold.append(float(score))
        filled.append(cosine)
        zero.append(cosine if sa == sb == "vocab" else 0.0)
        if "subwords" in (sa, sb):
            unseen_gold.append(float(score))
            unseen_filled.append(cosine)
    return {"zero": spearmanr(gold, zero)[0], "subwords": spearmanr(gold, filled)[0],
            "unseen_pairs": len(unseen_gold), "unseen_subwords": spearmanr(unseen_gold, unseen_filled)[0]}


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
    parser.add_argument("--repeats", type=int, default=1, help="interleaved embcli/gensim speed runs")
    parser.add_argument("--speed-epochs", type=int, default=SETTINGS["epochs"], help="epochs of each speed run")
    parser.add_argument("--work", type=Path, default=None, help="work directory (a corpus or model there is reused)")
    parser.add_argument("--concurrent", action="store_true",
                        help="run each embcli/gensim pair at the same time (same load for both on a shared machine)")
    parser.add_argument("--direct", nargs=3, metavar=("CORPUS_TXT", "OUT_DIR", "EPOCHS"))
    args = parser.parse_args()
    if args.direct:
        gensim_direct(args.direct[0], args.direct[1], int(args.direct[2]))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-ft-"))
    corpus = work / "corpus"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "-q", *REFERENCE_PREPROCESS])
    started_machine = machine()
    options = ["--model", "fasttext", "--arch", "skipgram"] + [
        part for key, value in SETTINGS.items() if key != "epochs" for part in (f"--{key}", str(value))]

    # speed: embcli and gensim direct alternately, so both see the same (shared-machine) load
    ours_out, direct_out = work / "speed-embcli", work / "speed-gensim"
    direct_out.mkdir(exist_ok=True)
    rows, ratios = [], []
    ours_command = EMBCLI + ["train", str(corpus), "-o", str(ours_out), "--force", "-q", *options,
                             "--epochs", str(args.speed_epochs)]
    direct_command = [PYTHON, __file__, "--direct", str(corpus / "corpus.txt"), str(direct_out), str(args.speed_epochs)]
    for _ in range(args.repeats):
        load_between = os.getloadavg()[0]
        if args.concurrent:
            with ThreadPoolExecutor(2) as pool:
                ours_future, direct_future = pool.submit(timed, ours_command), pool.submit(timed, direct_command)
                ours, direct = ours_future.result(), direct_future.result()
        else:
            ours, direct = timed(ours_command), timed(direct_command)
        ours_wps = json.loads((ours_out / "manifest.json").read_text())["timings"]["words_per_second"]
        direct_wps = direct.json()["words_per_second"]
        ratios.append(ours_wps / direct_wps)
        rows.append(f"| {len(rows) + 1} | {ours_wps:,.0f} | {ours.seconds:.1f} | {ours.peak_rss_mb:.0f} | "
                    f"{direct_wps:,.0f} | {direct.seconds:.1f} | {direct.peak_rss_mb:.0f} | {ratios[-1]:.2f} | "
                    f"{load_between:.1f} |")

    # quality: one model with the full settings (reused if the work directory has it)
    model = work / "fasttext-quality"
    if not (model / "manifest.json").exists():
        timed(EMBCLI + ["train", str(corpus), "-o", str(model), "-q", *options, "--epochs", str(SETTINGS["epochs"])])
    manifest = json.loads((model / "manifest.json").read_text())
    full = similarity_rows(timed(EMBCLI + ["eval", str(model), "--suite", "standard", "--method", "3cosadd",
                                           "--json", "-q"]).json())
    pairs_file, n_rare, n_unseen = rare_pairs(corpus / "vocab.tsv", work)
    rare = similarity_rows(timed(EMBCLI + ["eval", str(model), "--similarity", str(pairs_file), "--json", "-q"]).json())
    protocol = oov_protocol(model, pairs_file)

    def row(label: str, plain: dict, filled: dict) -> str:
        return (f"| {label} | {plain['pairs']} | {plain['found']} ({plain['coverage']:.0%}) | {number(plain['spearman'])} | "
                f"{filled['found']} ({filled['coverage']:.0%}) | {number(filled['spearman'])} |")

    lines = [
        "## fastText (subwords) through gensim",
        "",
        f"Machine: {started_machine}.",
        f"Command: `python bench/bench_fasttext.py --repeats {args.repeats} --speed-epochs {args.speed_epochs}"
        f"{' --concurrent' if args.concurrent else ''}` "
        f"(corpus: en-mixed-5m.txt.gz preprocessed with `{shlex.join(REFERENCE_PREPROCESS)}`, "
        f"{manifest['counts']['corpus_tokens']:,} tokens, {manifest['counts']['vocab_size'] - 1:,} words).",
        "Settings: skip-gram, " + ", ".join(f"{key} {value}" for key, value in SETTINGS.items()) +
        f"; speed runs with {args.speed_epochs} epoch(s), embcli and gensim direct "
        f"{'at the same time (each with 2 workers, so both see the same load)' if args.concurrent else 'alternately'}.",
        "Training words/s is measured inside training (embcli's manifest; around gensim's `train()`), whole-process "
        "seconds include start-up, vocabulary, training and writing (embcli also writes the 800 MB `ngrams.npy`).",
        "",
        "| run | embcli words/s | embcli s | embcli RSS MB | gensim words/s | gensim s | gensim RSS MB | ratio | load before |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        f"| median ratio embcli / gensim | | | | | | | **{statistics.median(ratios):.2f}** | |",
        "",
        f"Quality model: the settings above, {SETTINGS['epochs']} epochs, trained at "
        f"{manifest['timings']['words_per_second']:,} words/s ({manifest['timings']['wall_seconds']:.0f} s wall). "
        f"Similarity with and without subword vectors for unseen words (`embcli eval`: 'vocab only' loses the pairs "
        f"with an unseen word, '+subwords' builds those words from character n-grams). The rare subset is every "
        f"WS-353 (all) and SimLex-999 pair with a word seen fewer than {RARE_COUNT} times ({n_rare} pairs, "
        f"{n_unseen} with a word never seen at min-count 5).",
        "",
        "| pairs | total | vocab only: found | Spearman | +subwords: found | Spearman |",
        "|---|---|---|---|---|---|",
        row("WS-353 (all)", full["ws353"], full["ws353+subwords"]),
        row("SimLex-999", full["simlex999"], full["simlex999+subwords"]),
        row(f"rare/unseen (< {RARE_COUNT})", rare["rare-pairs"], rare["rare-pairs+subwords"]),
        "",
        f"Same rare subset, all {n_rare} pairs scored (fastText paper protocol): unseen words as zero vectors "
        f"(cosine 0) Spearman **{protocol['zero']:.3f}**, built from subwords **{protocol['subwords']:.3f}**; on the "
        f"{protocol['unseen_pairs']} pairs with an unseen word alone, subwords give {protocol['unseen_subwords']:.3f}.",
    ]
    write_section("fasttext", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
