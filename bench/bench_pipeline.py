"""Benchmark of the basic pipeline on the shared corpus (issue: preprocess -> train -> eval).

- `embcli preprocess` of the 5.1M-token corpus: wall time and peak RSS (target < 15 s on 2 cores);
- skip-gram and CBOW with `embcli train --engine gensim` versus gensim used directly on the same tokens
  (dim 100, window 5, negative 5, sample 1e-3, 5 epochs, 2 workers): words/s of the whole process,
  peak RSS and scores (target: embcli within 10% of gensim direct);
- analogy evaluation speed against gensim's on the trained skip-gram vectors (target >= 10x, identical accuracy).

Usage: python bench/bench_pipeline.py [--repeats 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import shlex
import tempfile
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, SHARED_CORPUS, eval_scores, machine, median_run, timed, write_section

COMMON = ["--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-3", "--epochs", "5", "--workers", "2"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-"))
    corpus = work / "corpus"
    preprocess = EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "--force", "-q", "--json",
                           *REFERENCE_PREPROCESS]
    prep_run, prep_times = median_run(preprocess, args.repeats)
    counts = prep_run.json()["counts"]
    lines = [
        "## Pipeline: preprocess and word2vec through gensim",
        "",
        f"Machine: {machine()}.",
        f"Command: `python bench/bench_pipeline.py --repeats {args.repeats}` (whole processes, median of {args.repeats}).",
        "",
        f"Preprocess (`{shlex.join(preprocess[2:]).replace(str(SHARED_CORPUS), 'en-mixed-5m.txt.gz').replace(str(corpus), 'OUT')}`): "
        f"**{prep_run.seconds:.1f} s** wall (runs {prep_times}), peak RSS {prep_run.peak_rss_mb:.0f} MB; "
        f"{counts['tokens']:,} tokens, {counts['vocab_size'] - 1:,} words + `<unk>`, {counts['sentences']:,} sentences.",
        "",
        "| model | tool | wall s (runs) | words/s | peak RSS MB | Google % (answered) | WS-353 | SimLex-999 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    words = counts["tokens_written"] * 5
    for model in ("skipgram", "cbow"):
        ours_out, direct_out = work / f"{model}-embcli", work / f"{model}-gensim.vec"
        ours, ours_times = median_run(EMBCLI + ["train", str(corpus), "--model", model, "--engine", "gensim", "-o",
                                                str(ours_out), "--force", "-q", *COMMON], args.repeats)
        direct, direct_times = median_run([PYTHON, str(Path(__file__).with_name("gensim_direct.py")),
                                           str(corpus / "corpus.txt"), str(direct_out), "--model", model],
                                          args.repeats)
        for tool, run, times, out in (("embcli (gensim engine)", ours, ours_times, ours_out),
                                      ("gensim direct", direct, direct_times, direct_out)):
            scores = eval_scores(out)
            lines.append(f"| {model} | {tool} | {run.seconds:.1f} ({times}) | {words / run.seconds:,.0f} | "
                         f"{run.peak_rss_mb:.0f} | {scores.get('google', float('nan')):.2f} ({scores.get('google_answered')}) | "
                         f"{scores.get('ws353', float('nan')):.3f} | {scores.get('simlex999', float('nan')):.3f} |")
        lines.append(f"| {model} | ratio embcli/gensim words/s | | **{direct.seconds / ours.seconds:.2f}** | | | | |")
    lines += eval_speed_lines(work / "skipgram-embcli")
    write_section("pipeline", "\n".join(lines))
    print("\n".join(lines))


def eval_speed_lines(vectors: Path) -> list[str]:
    """Full Google analogy set, 30k restriction: embcli's batched evaluator vs gensim's, same matrix."""
    figures = timed([PYTHON, str(Path(__file__).with_name("bench_eval.py")), str(vectors), "--json"]).json()
    identical = "identical per-section results" if figures["identical_per_section"] else "**per-section MISMATCH**"
    return [
        "",
        f"Analogy evaluation (`python bench/bench_eval.py VECTORS`, the skip-gram vectors above, Google set, "
        f"{figures['answered']:,}/{figures['questions']:,} questions answered among the 30,000 most frequent words; "
        f"best of 3 after a warm-up): embcli 3CosAdd **{figures['embcli_3cosadd_seconds']:.2f} s** "
        f"({figures['embcli_3cosadd_cpu_seconds']:.2f} s CPU), both 3CosAdd and 3CosMul {figures['embcli_both_seconds']:.2f} s, "
        f"gensim `evaluate_word_analogies` {figures['gensim_3cosadd_seconds']:.1f} s: "
        f"**{figures['speedup_3cosadd']:.0f}x faster**, accuracy {100 * figures['embcli_3cosadd_accuracy']:.2f}% vs "
        f"{100 * figures['gensim_3cosadd_accuracy']:.2f}%, {identical}. The first evaluation in a new process adds "
        f"{figures['embcli_first_run_seconds']:.1f} s (numba kernel loaded from its cache).",
    ]


if __name__ == "__main__":
    main()
