"""Benchmark of embcli's own word2vec engine against gensim `corpus_file` (issue: three times gensim's skip-gram).

On the shared corpus (lowercased [a-z0-9']+ tokens, min-count 5), dim 100, window 5, negative 5,
sample 1e-3, 5 epochs, 2 workers, whole processes (start-up, imports and cached JIT included),
embcli and gensim interleaved so both see the same machine load:

- skip-gram and CBOW wall time, words/s and their ratio (median of --repeats runs each);
- Google analogy (30k restriction), WS-353 and SimLex-999 (`embcli eval`) of every run: the median of
  each score and its range, because two Hogwild workers make scores vary from run to run by more than
  the accuracy targets allow;
- peak RSS of each process;
- extras (one run each): both tools with 1 worker (scaling; gensim's 1-worker run is also the reference
  for an exactly linear learning rate), with hierarchical softmax alone, and at dim 300.

Usage: python bench/bench_word2vec.py [--repeats 3] [--work DIR] [--no-extras | --extras-only]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, SHARED_CORPUS, Run, eval_scores, machine, timed, write_section

GENSIM_DIRECT = str(Path(__file__).with_name("gensim_direct.py"))
SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5, "workers": 2}


def options(settings: dict) -> list[str]:
    return [item for key, value in settings.items() for item in (f"--{key}", str(value))]


def embcli_command(corpus: Path, out: Path, model: str, settings: dict) -> list[str]:
    return EMBCLI + ["train", str(corpus), "--model", model, "--engine", "embcli", "-o", str(out), "--force", "-q",
                     *options(settings)]


def gensim_command(corpus: Path, out: Path, model: str, settings: dict) -> list[str]:
    return [PYTHON, GENSIM_DIRECT, str(corpus / "corpus.txt"), str(out), "--model", model, *options(settings)]


def prepare_corpora(work: Path) -> tuple[Path, int]:
    """The reference corpus directory (made once per work dir) and a tiny one for warming the kernel cache."""
    corpus, tiny = work / "corpus", work / "tiny"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "--force", "-q", *REFERENCE_PREPROCESS])
    if not (tiny / "manifest.json").exists():
        with gzip.open(SHARED_CORPUS, "rt", encoding="utf-8") as source:
            lines = [next(source) for _ in range(2000)]
        (work / "tiny.txt").write_text("".join(lines), encoding="utf-8")
        timed(EMBCLI + ["preprocess", str(work / "tiny.txt"), "-o", str(tiny), "--force", "-q", *REFERENCE_PREPROCESS])
    tokens = json.loads((corpus / "manifest.json").read_text())["counts"]["tokens_written"]
    for model in ("skipgram", "cbow"):  # compile (or load) the cached kernels outside the timed runs
        timed(embcli_command(tiny, work / "warm", model, {**SETTINGS, "epochs": 1}))
    timed(embcli_command(tiny, work / "warm", "skipgram", {**SETTINGS, "epochs": 1}) + ["--hs"])
    return corpus, tokens


def median_of(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


SCORES = (("google", "{:.2f}"), ("ws353", "{:.3f}"), ("simlex999", "{:.3f}"))


def score_cells(runs_scores: list[dict]) -> list[str]:
    """One cell per headline score: the median over runs, then the range."""
    cells = []
    for key, form in SCORES:
        values = sorted(scores.get(key, float("nan")) for scores in runs_scores)
        median = statistics.median(values)
        cells.append(f"{form.format(median)} ({form.format(values[0])}–{form.format(values[-1])})" if len(values) > 1
                     else form.format(median))
    return cells


def median_scores(runs_scores: list[dict]) -> dict[str, float]:
    return {key: statistics.median(scores.get(key, float("nan")) for scores in runs_scores) for key, _ in SCORES}


def row(label: str, run: Run, times: list[float], words: int, runs_scores: list[dict]) -> str:
    return (f"| {label} | {run.seconds:.1f} ({', '.join(f'{t:.1f}' for t in times)}) | {words / run.seconds:,.0f} | "
            f"{run.peak_rss_mb:.0f} | " + " | ".join(score_cells(runs_scores)) + " |")


def vectors_of(run: Run) -> Path:
    command = run.command
    return Path(command[command.index("-o") + 1]) if "-o" in command else Path(command[3])


def compare(corpus: Path, work: Path, tokens: int, repeats: int, header: str) -> None:
    """Skip-gram and CBOW, embcli vs gensim, median of `repeats` interleaved runs: section `word2vec`."""
    words = tokens * SETTINGS["epochs"]
    table = ["| model / tool | wall s (runs) | words/s | peak RSS MB | Google % | WS-353 | SimLex-999 |",
             "|---|---|---|---|---|---|---|"]
    results: dict[str, dict] = {}
    for model in ("skipgram", "cbow"):
        ours, theirs = [], []
        for repeat in range(repeats):  # interleaved: both tools see the same load
            theirs.append(timed(gensim_command(corpus, work / f"{model}-gensim-{repeat}.vec", model, SETTINGS)))
            ours.append(timed(embcli_command(corpus, work / f"{model}-embcli-{repeat}", model, SETTINGS)))
        our_median, their_median = median_of(ours), median_of(theirs)
        our_scores = [eval_scores(vectors_of(run)) for run in ours]
        their_scores = [eval_scores(vectors_of(run)) for run in theirs]
        ratio = their_median.seconds / our_median.seconds
        results[model] = {"embcli_seconds": [r.seconds for r in ours], "gensim_seconds": [r.seconds for r in theirs],
                          "embcli_rss_mb": our_median.peak_rss_mb, "gensim_rss_mb": their_median.peak_rss_mb,
                          "ratio": ratio, "embcli_scores": our_scores, "gensim_scores": their_scores}
        table.append(row(f"{model} / embcli", our_median, [r.seconds for r in ours], words, our_scores))
        table.append(row(f"{model} / gensim corpus_file", their_median, [r.seconds for r in theirs], words, their_scores))
        differences = {key: median_scores(our_scores)[key] - median_scores(their_scores)[key] for key, _ in SCORES}
        table.append(f"| {model} / **ratio embcli : gensim words/s**; score differences of the medians | | "
                     f"**{ratio:.2f}x** | | {differences['google']:+.2f} | {differences['ws353']:+.3f} | "
                     f"{differences['simlex999']:+.3f} |")
    (work / "bench_word2vec.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [
        "## word2vec: embcli's own engine vs gensim corpus_file",
        "",
        f"Machine: {header}.",
        f"Command: `python bench/bench_word2vec.py --repeats {repeats} --no-extras` — whole processes, median of "
        f"{repeats}, embcli and gensim runs interleaved; {tokens:,} tokens x {SETTINGS['epochs']} epochs; "
        f"`{' '.join(options(SETTINGS))}`; scores with `embcli eval --suite standard` (Google analogy restricted "
        f"to the 30k most frequent words): median of the {repeats} runs, range in brackets.",
        "",
        *table,
    ]
    write_section("word2vec", "\n".join(lines))
    print("\n".join(lines))


def extras(corpus: Path, work: Path, header: str) -> None:
    """One run each: both tools on 1 worker, with hierarchical softmax, and at dim 300: section `word2vec-extras`."""
    def scores(values: dict) -> str:
        return (f"Google {values.get('google', float('nan')):.2f}%, WS-353 {values.get('ws353', float('nan')):.3f}, "
                f"SimLex {values.get('simlex999', float('nan')):.3f}")

    lines = ["## word2vec: one worker, hierarchical softmax, and dim 300", "", f"Machine: {header}.",
             "Command: `python bench/bench_word2vec.py --extras-only` (one run each, whole processes).", ""]
    one_worker = {**SETTINGS, "workers": 1}
    for model in ("skipgram", "cbow"):
        ours = timed(embcli_command(corpus, work / f"{model}-embcli-1w", model, one_worker))
        theirs = timed(gensim_command(corpus, work / f"{model}-gensim-1w.vec", model, one_worker))
        lines.append(f"- {model}, 1 worker: embcli {ours.seconds:.1f} s, {scores(eval_scores(vectors_of(ours)))}; "
                     f"gensim {theirs.seconds:.1f} s, {scores(eval_scores(vectors_of(theirs)))} "
                     f"(ratio {theirs.seconds / ours.seconds:.2f}x).")
    hierarchical = {**SETTINGS, "negative": 0}
    for model in ("skipgram", "cbow"):
        ours = timed(embcli_command(corpus, work / f"{model}-embcli-hs", model, hierarchical) + ["--hs"])
        theirs = timed(gensim_command(corpus, work / f"{model}-gensim-hs.vec", model, {**hierarchical, "hs": 1}))
        lines.append(f"- {model}, hierarchical softmax (`--hs --negative 0`), 2 workers: embcli {ours.seconds:.1f} s, "
                     f"{ours.peak_rss_mb:.0f} MB, {scores(eval_scores(vectors_of(ours)))}; gensim {theirs.seconds:.1f} s, "
                     f"{theirs.peak_rss_mb:.0f} MB, {scores(eval_scores(vectors_of(theirs)))} "
                     f"(ratio {theirs.seconds / ours.seconds:.2f}x).")
    wide = {**SETTINGS, "dim": 300}
    ours300 = timed(embcli_command(corpus, work / "skipgram-embcli-300", "skipgram", wide))
    theirs300 = timed(gensim_command(corpus, work / "skipgram-gensim-300.vec", "skipgram", wide))
    lines.append(f"- skipgram dim 300, 2 workers: embcli {ours300.seconds:.1f} s, {ours300.peak_rss_mb:.0f} MB, "
                 f"{scores(eval_scores(vectors_of(ours300)))}; gensim {theirs300.seconds:.1f} s, "
                 f"{theirs300.peak_rss_mb:.0f} MB, {scores(eval_scores(vectors_of(theirs300)))} "
                 f"(ratio {theirs300.seconds / ours300.seconds:.2f}x).")
    write_section("word2vec-extras", "\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--no-extras", action="store_true", help="skip the 1-worker and dim-300 runs")
    parser.add_argument("--extras-only", action="store_true", help="only the 1-worker and dim-300 runs")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-w2v-"))
    work.mkdir(parents=True, exist_ok=True)
    header = machine()
    corpus, tokens = prepare_corpora(work)
    if not args.extras_only:
        compare(corpus, work, tokens, args.repeats, header)
    if not args.no_extras:
        extras(corpus, work, header)


if __name__ == "__main__":
    main()
