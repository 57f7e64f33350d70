"""Benchmark of `embcli phrases` against gensim `Phrases` + `FrozenPhrases` (issue: learn + apply >= 10x faster,
and the same phrases found).

Shared corpus (lowercased [a-z0-9']+ tokens, min-count 5), word2phrase scoring with N = corpus tokens
(gensim gets a custom scorer computing the same formula: its default scorer uses the vocabulary size),
min-count 5, threshold 100, one pass; without connector words, and with gensim's ENGLISH_CONNECTOR_WORDS
(embcli's `--connector-words english`). Whole processes, interleaved, median of --repeats runs. embcli:
`embcli phrases` (read the corpus directory, count, score, join, write the new corpus directory). gensim:
read `corpus.txt` (LineSentence), learn `Phrases`, freeze, join every sentence, write the joined text.
Overlap: the two phrase sets compared, and the joined sentences line by line.

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


def gensim_run(corpus_txt: str, out: str, connectors: str) -> None:
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phrases
    from gensim.models.word2vec import LineSentence

    started = time.perf_counter()
    phrases = Phrases(LineSentence(corpus_txt), min_count=MIN_COUNT, threshold=THRESHOLD, scoring=word2phrase_scorer,
                      connector_words=ENGLISH_CONNECTOR_WORDS if connectors == "english" else frozenset())
    frozen = FrozenPhrases(phrases)
    learned = time.perf_counter()
    with open(Path(out) / "joined.txt", "w", encoding="utf-8") as handle:
        for sentence in LineSentence(corpus_txt):
            handle.write(" ".join(frozen[sentence]) + "\n")
    (Path(out) / "phrases.json").write_text(json.dumps(sorted(frozen.phrasegrams)), encoding="utf-8")
    print(json.dumps({"learn_seconds": learned - started, "apply_seconds": time.perf_counter() - learned}))


CONNECTORS = {"none": "no connectors", "english": "English connector words"}


def compare(corpus: Path, work: Path, connectors: str, repeats: int) -> dict:
    """Interleaved runs of both tools with these connector words: times, CPU, RSS, and the overlap of their outputs."""
    embcli_out, gensim_out = work / f"embcli-phrases-{connectors}", work / f"gensim-phrases-{connectors}"
    gensim_out.mkdir(exist_ok=True)
    commands = {"embcli": EMBCLI + ["phrases", str(corpus), "-o", str(embcli_out), "--force", "-q", "--min-count",
                                    str(MIN_COUNT), "--threshold", str(THRESHOLD), "--connector-words", connectors],
                "gensim": [PYTHON, __file__, "--gensim-run", str(corpus / "corpus.txt"), str(gensim_out), connectors]}
    timed(commands["embcli"])  # warm the page cache outside the timed runs
    runs: dict[str, list] = {"embcli": [], "gensim": []}
    for _ in range(repeats):
        for tool, command in commands.items():
            runs[tool].append(timed(command))
    ours = {line.split("\t")[0] for line in (embcli_out / "phrases.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    theirs = set(json.loads((gensim_out / "phrases.json").read_text(encoding="utf-8")))
    with open(embcli_out / "corpus.txt", "rb") as ours_text, open(gensim_out / "joined.txt", "rb") as theirs_text:
        same_lines = [a == b for a, b in zip(ours_text, theirs_text)]
    return {"seconds": {tool: [run.seconds for run in rs] for tool, rs in runs.items()},
            "cpu": {tool: [run.cpu_seconds for run in rs] for tool, rs in runs.items()},
            "rss": {tool: [run.peak_rss_mb for run in rs] for tool, rs in runs.items()},
            "ours": ours, "theirs": theirs, "same_lines": sum(same_lines), "lines": len(same_lines)}


def report(connectors: str, c: dict) -> tuple[list[str], str]:
    seconds, cpu = c["seconds"], c["cpu"]
    ratios = [g / e for e, g in zip(seconds["embcli"], seconds["gensim"])]
    cpu_ratios = [g / e for e, g in zip(cpu["embcli"], cpu["gensim"])]
    ours, theirs = c["ours"], c["theirs"]
    rows = [f"| {CONNECTORS[connectors]} | {tool} | {median(seconds[tool]):.2f} | "
            f"{', '.join(f'{s:.2f}' for s in seconds[tool])} | {median(cpu[tool]):.2f} | {median(c['rss'][tool]):.0f} |"
            for tool in ("embcli", "gensim")]
    summary = (f"{CONNECTORS[connectors].capitalize()}: speed-up (wall, per interleaved pair) {median(ratios):.1f}x "
               f"(runs {', '.join(f'{r:.1f}' for r in ratios)}); in CPU time {median(cpu_ratios):.1f}x. Phrases: "
               f"embcli {len(ours):,}, gensim {len(theirs):,}, both {len(ours & theirs):,} (Jaccard "
               f"{len(ours & theirs) / max(1, len(ours | theirs)):.3f}); joined text: {c['same_lines']:,} of "
               f"{c['lines']:,} sentences identical.")
    if connectors == "none":  # the target is for gensim's default: no connector words
        summary += f" Target >= 10x: {'met' if median(ratios) >= 10 else 'missed'}."
    return rows, summary


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--gensim-run":
        gensim_run(sys.argv[2], sys.argv[3], sys.argv[4])
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
    byte_compile_embcli()  # as installing embcli does
    reports = [report(connectors, compare(corpus, args.work, connectors, args.repeats)) for connectors in CONNECTORS]
    markdown = "\n".join([
        "## Phrases: embcli phrases vs gensim Phrases + FrozenPhrases", "",
        f"Machine: {started_machine}, at end {os.getloadavg()[0]:.2f}. Command: `flock /tmp/embcli-bench.lock "
        f"python bench/bench_phrases.py --repeats {args.repeats}`.",
        "Shared corpus, word2phrase scoring with N = corpus tokens (a custom gensim scorer), min-count 5, "
        "threshold 100, one pass, without connector words and with gensim's ENGLISH_CONNECTOR_WORDS; learn + apply "
        "+ write, whole processes (start-up and imports included), interleaved.", "",
        "| connectors | tool | wall s (median) | all runs | CPU s (median) | peak RSS MB |",
        "|---|---|---|---|---|---|",
        *(row for rows, _ in reports for row in rows), "", *(summary + "\n" for _, summary in reports)]).rstrip()
    print(markdown)
    write_section("phrases", markdown)


if __name__ == "__main__":
    main()
