"""Benchmark of `embcli phrases` against gensim `Phrases` + `FrozenPhrases` (issue: learn + apply >= 10x faster,
and the same phrases found).

Shared corpus (lowercased [a-z0-9']+ tokens, min-count 5), word2phrase scoring with N = corpus tokens
(gensim gets a custom scorer computing the same formula: its default scorer uses the vocabulary size),
min-count 5, threshold 100, no connector words, one pass. Whole processes, interleaved, median of
--repeats runs. embcli: `embcli phrases` (read the corpus directory, count, score, join, write the new
corpus directory). gensim: read `corpus.txt` (LineSentence), learn `Phrases`, freeze, join every sentence,
write the joined text. Overlap: the two phrase sets compared, and the joined sentences line by line.

Usage (under the shared lock, from the repository):
    flock /tmp/embcli-bench.lock python bench/bench_phrases.py [--repeats 3] [--work DIR] [--corpus FILE.txt.gz]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from harness import EMBCLI, byte_compile_embcli, PYTHON, REFERENCE_PREPROCESS, SHARED_CORPUS, machine, median, timed, write_section

MIN_COUNT, THRESHOLD = 5, 100.0


def word2phrase_scorer(worda_count: float, wordb_count: float, bigram_count: float, len_vocab: float,
                       min_count: float, corpus_word_count: float) -> float:
    """word2phrase's score, for gensim: N is the corpus's token count, not the vocabulary size."""
    return (bigram_count - min_count) / worda_count / wordb_count * corpus_word_count


def gensim_run(corpus_txt: str, out: str) -> None:
    from gensim.models.phrases import FrozenPhrases, Phrases
    from gensim.models.word2vec import LineSentence

    started = time.perf_counter()
    phrases = Phrases(LineSentence(corpus_txt), min_count=MIN_COUNT, threshold=THRESHOLD,
                      scoring=word2phrase_scorer, connector_words=frozenset())
    frozen = FrozenPhrases(phrases)
    learned = time.perf_counter()
    with open(Path(out) / "joined.txt", "w", encoding="utf-8") as handle:
        for sentence in LineSentence(corpus_txt):
            handle.write(" ".join(frozen[sentence]) + "\n")
    (Path(out) / "phrases.json").write_text(json.dumps(sorted(frozen.phrasegrams)), encoding="utf-8")
    print(json.dumps({"learn_seconds": learned - started, "apply_seconds": time.perf_counter() - learned}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--gensim-run":
        gensim_run(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/embcli-bench-phrases"))
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started_machine = machine()
    corpus = args.work / "corpus"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(args.corpus), "-o", str(corpus), "--force", "-q", *REFERENCE_PREPROCESS])
    embcli_out, gensim_out = args.work / "embcli-phrases", args.work / "gensim-phrases"
    gensim_out.mkdir(exist_ok=True)
    command = EMBCLI + ["phrases", str(corpus), "-o", str(embcli_out), "--force", "-q", "--min-count", str(MIN_COUNT),
                        "--threshold", str(THRESHOLD)]
    byte_compile_embcli()  # as installing embcli does
    timed(command)  # warm the page cache outside the timed runs
    runs: dict[str, list[float]] = {"embcli": [], "gensim": []}
    cpu: dict[str, list[float]] = {"embcli": [], "gensim": []}
    rss: dict[str, list[float]] = {"embcli": [], "gensim": []}
    gensim_command = [PYTHON, __file__, "--gensim-run", str(corpus / "corpus.txt"), str(gensim_out)]
    for _ in range(args.repeats):
        for tool, tool_command in (("embcli", command), ("gensim", gensim_command)):
            run = timed(tool_command)
            runs[tool].append(run.seconds)
            cpu[tool].append(run.cpu_seconds)
            rss[tool].append(run.peak_rss_mb)
    ours = {line.split("\t")[0] for line in (embcli_out / "phrases.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    theirs = set(json.loads((gensim_out / "phrases.json").read_text(encoding="utf-8")))
    with open(embcli_out / "corpus.txt", "rb") as ours_text, open(gensim_out / "joined.txt", "rb") as theirs_text:
        same_lines = [a == b for a, b in zip(ours_text, theirs_text)]
    ratios = [g / e for e, g in zip(runs["embcli"], runs["gensim"])]
    cpu_ratios = [g / e for e, g in zip(cpu["embcli"], cpu["gensim"])]

    def row(tool: str) -> str:
        return (f"| {tool} | {median(runs[tool]):.2f} | {', '.join(f'{s:.2f}' for s in runs[tool])} | "
                f"{median(cpu[tool]):.2f} | {median(rss[tool]):.0f} |")

    markdown = "\n".join([
        "## Phrases: embcli phrases vs gensim Phrases + FrozenPhrases", "",
        f"Machine: {started_machine}, at end {os.getloadavg()[0]:.2f}. Command: `flock /tmp/embcli-bench.lock "
        f"python bench/bench_phrases.py --repeats {args.repeats}`.",
        "Shared corpus, word2phrase scoring with N = corpus tokens (a custom gensim scorer), min-count 5, "
        "threshold 100, no connectors, one pass; learn + apply + write, whole processes (start-up and imports "
        "included), interleaved.", "",
        "| tool | wall s (median) | all runs | CPU s (median) | peak RSS MB |", "|---|---|---|---|---|",
        row("embcli"), row("gensim"), "",
        f"Speed-up (wall, per interleaved pair): {median(ratios):.1f}x (runs {', '.join(f'{r:.1f}' for r in ratios)}); "
        f"in CPU time {median(cpu_ratios):.1f}x. Phrases: embcli {len(ours):,}, gensim {len(theirs):,}, "
        f"both {len(ours & theirs):,} (Jaccard {len(ours & theirs) / max(1, len(ours | theirs)):.3f}); "
        f"joined text: {sum(same_lines):,} of {len(same_lines):,} sentences identical. "
        f"Target >= 10x: {'met' if median(ratios) >= 10 else 'missed'}."])
    print(markdown)
    write_section("phrases", markdown)


if __name__ == "__main__":
    main()
