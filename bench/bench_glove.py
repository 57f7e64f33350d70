"""GloVe benchmark (issue 3): co-occurrence counting + training end to end on the shared corpus.

- `embcli train --model glove --config glove` (dim 100, window 10, x_max 10, 15 epochs, 2 threads),
  counting its co-occurrences afresh each run: wall time, peak RSS, nonzeros (Stanford: 14,827,989)
  and scores (Google analogy with the 30k restriction, WS-353, SimLex-999) against Stanford GloVe's
  figures on this corpus and the issue's targets;
- scaling: 1 vs 2 threads, half vs full corpus (time and peak memory);
- `embcli cooccur` alone: unbounded, default cap, and a cap 8x smaller than the unbounded working
  memory, which must give byte-identical matrix files.

- with `--baseline TREE` (an exported earlier source tree, e.g. `git archive REV | tar -x -C TREE`):
  a regression check instead, interleaving end-to-end GloVe and `cooccur` runs of this tree and of
  TREE (ABAB..., JIT caches warmed first) and reporting both medians.

Usage: python bench/bench_glove.py [--work DIR] [--repeats 1] [--no-scaling] [--baseline TREE [--pairs 2]]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # embcli, for the vocabulary check

from harness import EMBCLI, REFERENCE_PREPROCESS, REPO, SHARED_CORPUS, eval_scores, machine, median_run, timed, write_section

STANFORD = {"seconds": 249, "peak_rss_mb": 710, "nnz": 14_827_989, "google": 7.9, "ws353": 0.378, "simlex999": 0.107}
TARGETS = {"seconds": 83, "peak_rss_mb": 710, "google": 6.9, "ws353": 0.368, "simlex999": 0.097}
MATRIX_FILES = ("rows.npy", "cols.npy", "values.npy")


def preprocess(inputs: list[Path], out: Path) -> dict:
    if not (out / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", *map(str, inputs), "-o", str(out), "--force", "-q", *REFERENCE_PREPROCESS])
    return json.loads((out / "manifest.json").read_text())


def half_corpus_file(work: Path) -> Path:
    """The first half of the shared corpus's lines, as plain text."""
    path = work / "half.txt"
    if not path.exists():
        with gzip.open(SHARED_CORPUS, "rt", encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
        path.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    return path


def children_cpu_seconds() -> float:
    """User + system CPU time of all finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train_glove(corpus: Path, out: Path, cooccurrence: Path, workers: int, repeats: int):
    """End to end: the co-occurrence directory is removed first, so every run counts afresh.

    Returns (median run, all wall times, its manifest, its CPU seconds).
    """
    command = EMBCLI + ["train", str(corpus), "--model", "glove", "--config", "glove", "--workers", str(workers),
                        "--cooccurrence", str(cooccurrence), "-o", str(out), "--force", "-q"]
    runs = []
    for _ in range(repeats):
        shutil.rmtree(cooccurrence, ignore_errors=True)
        before = children_cpu_seconds()
        run = median_run(command, 1)[0]
        runs.append((run, children_cpu_seconds() - before))
    runs.sort(key=lambda item: item[0].seconds)
    manifest = json.loads((out / "manifest.json").read_text())
    run, cpu = runs[len(runs) // 2]
    return run, [round(item[0].seconds, 1) for item in runs], manifest, cpu


def without_apostrophe_words(corpus: Path, out: Path) -> Path:
    """`corpus` with the words made only of apostrophes (' and '') removed as out-of-vocabulary.

    The tokenization behind Stanford's figures kept 34,140 words: ours minus these two.
    """
    import numpy as np

    from embcli.corpus.token_corpus import load_token_corpus

    source = load_token_corpus(corpus)
    dropped = [i for i, token in enumerate(source.vocab.tokens) if token and set(token) == {"'"}]
    ids = np.asarray(source.ids)
    keep = ~np.isin(ids, dropped)
    sentence_of = np.repeat(np.arange(source.n_sentences), np.diff(source.offsets))
    lengths = np.bincount(sentence_of[keep], minlength=source.n_sentences)
    lengths = lengths[lengths > 0]
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(corpus, out, ignore=shutil.ignore_patterns("cooccur-*", "ids.npy", "offsets.npy"))
    np.save(out / "ids.npy", ids[keep].astype(np.uint32))
    np.save(out / "offsets.npy", np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
    return out


def matrix_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in MATRIX_FILES:
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def count(corpus: Path, out: Path, memory_mb: float):
    run = timed(EMBCLI + ["cooccur", str(corpus), "-o", str(out), "--memory-mb", f"{memory_mb:g}", "--workers", "2",
                          "--force", "-q", "--json"])
    return run, run.json()


def regression_check(corpus: Path, work: Path, baseline: Path, pairs: int) -> list[str]:
    """Interleaved end-to-end GloVe and `cooccur` runs of this tree and `baseline`; markdown lines."""
    import statistics

    trees = [("this tree", REPO), (f"baseline ({baseline.name})", baseline)]
    tiny = work / "tiny.txt"
    tiny.write_text("a b c a b c\n" * 10, encoding="utf-8")
    for label, tree in trees:  # compile and cache each tree's kernels before anything is timed
        env = {"PYTHONPATH": str(tree)}
        timed(EMBCLI + ["preprocess", str(tiny), "-o", str(work / "tiny-ab"), "--min-count", "1", "--force", "-q"], env=env)
        timed(EMBCLI + ["train", str(work / "tiny-ab"), "--model", "glove", "--epochs", "1", "-o", str(work / "tiny-ab-glove"),
                        "--force", "-q"], env=env)
    results: dict[str, dict[str, list]] = {label: {"glove": [], "cooccur": []} for label, _ in trees}
    for i in range(pairs):
        for label, tree in trees if i % 2 == 0 else trees[::-1]:
            env = {"PYTHONPATH": str(tree)}
            shutil.rmtree(work / "cooc-ab", ignore_errors=True)
            glove = timed(EMBCLI + ["train", str(corpus), "--model", "glove", "--config", "glove", "--workers", "2",
                                    "--cooccurrence", str(work / "cooc-ab"), "-o", str(work / "glove-ab"), "--force", "-q"], env=env)
            manifest = json.loads((work / "glove-ab" / "manifest.json").read_text())
            results[label]["glove"].append((glove, manifest))
            cooccur = timed(EMBCLI + ["cooccur", str(corpus), "-o", str(work / "cooc-ab-alone"), "--workers", "2",
                                      "--force", "-q"], env=env)
            results[label]["cooccur"].append(cooccur)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    lines = ["", f"Regression check: `python bench/bench_glove.py --baseline TREE --pairs {pairs}`, this tree against "
             "the tree before the co-occurrence package split, runs interleaved (medians; ranges in brackets):", "",
             "| tree | GloVe end to end, s | co-occurrence / prepare / training, s | final cost | peak RSS, MB | `cooccur` alone, s | its peak RSS, MB |",
             "|---|---|---|---|---|---|---|"]
    for label, _ in trees:
        runs = results[label]["glove"]
        seconds = [run.seconds for run, _ in runs]
        parts = [med([m["timings"][key] for _, m in runs]) for key in ("cooccur_seconds", "prepare_seconds", "train_seconds")]
        counted = [run.seconds for run in results[label]["cooccur"]]
        lines.append(f"| {label} | {med(seconds):.1f} [{min(seconds):.1f}–{max(seconds):.1f}] | "
                     f"{parts[0]:.1f} / {parts[1]:.1f} / {parts[2]:.1f} | {runs[0][1]['epochs'][-1]['cost']:.4f} | "
                     f"{med([run.peak_rss_mb for run, _ in runs]):.0f} | {med(counted):.1f} [{min(counted):.1f}–{max(counted):.1f}] | "
                     f"{med([run.peak_rss_mb for run in results[label]['cooccur']]):.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=1, help="end-to-end runs of the main configuration (median)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1-thread and half-corpus runs")
    parser.add_argument("--baseline", type=Path, default=None, help="an earlier source tree to compare against (interleaved)")
    parser.add_argument("--pairs", type=int, default=2, help="interleaved run pairs of the regression check")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-glove-"))
    work.mkdir(parents=True, exist_ok=True)
    header = machine()
    corpus = work / "corpus"
    counts = preprocess([SHARED_CORPUS], corpus)["counts"]
    if args.baseline is not None:
        lines = [f"Machine: {header}.", *regression_check(corpus, work, args.baseline.resolve(), args.pairs),
                 "", f"Load average at the end: {os.getloadavg()[0]:.2f}."]
        write_section("glove-regression", "\n".join(lines))
        print("\n".join(lines))
        return

    stanford_vocab = count(without_apostrophe_words(corpus, work / "corpus-stanford-vocab"), work / "cooc-stanford-vocab", 384)[1]
    nnz_stanford_vocab = stanford_vocab["counts"]["nnz"]
    full, full_times, manifest, full_cpu = train_glove(corpus, work / "glove", work / "cooc-train", 2, args.repeats)
    scores = eval_scores(work / "glove")
    nnz = manifest["cooccurrence"]["nnz"]
    timings = manifest["timings"]
    epoch_seconds = sorted(epoch["seconds"] for epoch in manifest["epochs"])
    per_epoch = epoch_seconds[len(epoch_seconds) // 2]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        "## GloVe: co-occurrence counting + training",
        "",
        f"Machine: {header}. The machine is shared by other engineers: a load average above 2 means "
        "the timings were taken under load and are slower than on an idle machine.",
        f"Command: `python bench/bench_glove.py --repeats {args.repeats}`; every figure is a whole process "
        "(imports and JIT included), wall clock, peak RSS from the kernel.",
        f"Corpus: en-mixed-5m.txt.gz preprocessed with `{' '.join(REFERENCE_PREPROCESS)}`: "
        f"{counts['tokens_written']:,} tokens, {counts['vocab_size'] - 1:,} words.",
        "",
        "`embcli train CORPUS --model glove --config glove --workers 2` (dim 100, window 10, x_max 10, 15 epochs, "
        "W + W~), co-occurrences counted afresh in every run:",
        "",
        "| | embcli | Stanford GloVe | target | |",
        "|---|---|---|---|---|",
        f"| end to end, s | **{full.seconds:.1f}** (runs {full_times}) | {STANFORD['seconds']} | ≤ {TARGETS['seconds']} | {verdict(full.seconds <= TARGETS['seconds'])} |",
        f"| co-occurrence / prepare / training, s | {timings['cooccur_seconds']:.1f} / {timings['prepare_seconds']:.1f} / "
        f"{timings['train_seconds']:.1f} (median epoch {per_epoch:.2f}) | 4.6 + 4.3 shuffle / 208–272 | | |",
        f"| CPU time (user + system), s | {full_cpu:.0f} | | | |",
        f"| peak RSS, MB | **{full.peak_rss_mb:.0f}** | {STANFORD['peak_rss_mb']} | ≤ {TARGETS['peak_rss_mb']} | {verdict(full.peak_rss_mb <= TARGETS['peak_rss_mb'])} |",
        f"| nonzeros | {nnz:,} over our {counts['vocab_size'] - 1:,} words; **{nnz_stanford_vocab:,}** over Stanford's "
        f"34,140 (below) | {STANFORD['nnz']:,} | equal | {verdict(nnz_stanford_vocab == STANFORD['nnz'])} |",
        f"| Google analogy % (30k) | **{scores.get('google', float('nan')):.2f}** | {STANFORD['google']} | ≥ {TARGETS['google']} | {verdict(scores.get('google', 0) >= TARGETS['google'])} |",
        f"| WS-353 Spearman | **{scores.get('ws353', float('nan')):.3f}** | {STANFORD['ws353']} | ≥ {TARGETS['ws353']} | {verdict(scores.get('ws353', 0) >= TARGETS['ws353'])} |",
        f"| SimLex-999 Spearman | **{scores.get('simlex999', float('nan')):.3f}** | {STANFORD['simlex999']} | ≥ {TARGETS['simlex999']} | {verdict(scores.get('simlex999', 0) >= TARGETS['simlex999'])} |",
        "",
        "Per-epoch cost: " + ", ".join(f"{epoch['cost']:.4f}" for epoch in manifest["epochs"]) + ".",
        "",
        "Nonzeros: the tokenization behind Stanford's figures kept 34,140 words, ours minus the two made only of "
        "apostrophes (`'`, `''`). With those two treated as out-of-vocabulary, `embcli cooccur` counts "
        f"{nnz_stanford_vocab:,} nonzeros ({'exactly' if nnz_stanford_vocab == STANFORD['nnz'] else '**not**'} "
        f"Stanford's {STANFORD['nnz']:,}).",
    ]

    if not args.no_scaling:
        one, _, one_manifest, one_cpu = train_glove(corpus, work / "glove-1t", work / "cooc-1t", 1, 1)
        half_corpus = work / "half-corpus"
        half_counts = preprocess([half_corpus_file(work)], half_corpus)["counts"]
        half, _, half_manifest, half_cpu = train_glove(half_corpus, work / "glove-half", work / "cooc-half", 2, 1)
        rows = [("full corpus, 2 threads", counts, full, manifest, full_cpu),
                ("full corpus, 1 thread", counts, one, one_manifest, one_cpu),
                ("half corpus, 2 threads", half_counts, half, half_manifest, half_cpu)]
        lines += ["", "Scaling (end to end, co-occurrences counted afresh):", "",
                  "| run | tokens | nonzeros | co-occurrence s | training s | total s | CPU s | peak RSS MB |",
                  "|---|---|---|---|---|---|---|---|"]
        for label, run_counts, run, run_manifest, cpu in rows:
            t = run_manifest["timings"]
            lines.append(f"| {label} | {run_counts['tokens_written']:,} | {run_manifest['cooccurrence']['nnz']:,} | "
                         f"{t['cooccur_seconds']:.1f} | {t['train_seconds']:.1f} | {run.seconds:.1f} | {cpu:.0f} | "
                         f"{run.peak_rss_mb:.0f} |")

    # counting alone: the interpreter's own footprint, then unbounded, default and 8x-smaller caps
    tiny = work / "tiny.txt"
    tiny.write_text("a b c a b c\n" * 10, encoding="utf-8")
    tiny_corpus = work / "tiny-corpus"
    timed(EMBCLI + ["preprocess", str(tiny), "-o", str(tiny_corpus), "--min-count", "1", "--force", "-q"])
    baseline = count(tiny_corpus, work / "cooc-tiny", 384)[0].peak_rss_mb
    unbounded, unbounded_report = count(corpus, work / "cooc-unbounded", 4096)
    working = unbounded.peak_rss_mb - baseline
    cap = max(1.0, round(working / 8))
    default, default_report = count(corpus, work / "cooc-default", 384)
    capped, capped_report = count(corpus, work / "cooc-capped", cap)
    identical = matrix_digest(work / "cooc-unbounded") == matrix_digest(work / "cooc-capped") == matrix_digest(work / "cooc-default")
    lines += [
        "",
        f"`embcli cooccur` alone (2 threads; the interpreter with numpy and numba loaded peaks at {baseline:.0f} MB "
        "on a tiny corpus, which `--memory-mb` does not cover):",
        "",
        "| --memory-mb | wall s | peak RSS MB | RSS above the interpreter, MB | runs spilled | matrix |",
        "|---|---|---|---|---|---|",
    ]
    for label, run, report in (("4096 (unbounded)", unbounded, unbounded_report), ("384 (default)", default, default_report),
                               (f"{cap:g} (8x below the unbounded working memory)", capped, capped_report)):
        lines.append(f"| {label} | {run.seconds:.1f} | {run.peak_rss_mb:.0f} | {run.peak_rss_mb - baseline:.0f} | "
                     f"{report['spill']['runs_spilled']} | {'identical' if identical else '**differs**'} |")
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.2f}."]
    markdown = "\n".join(lines)
    write_section("glove", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
