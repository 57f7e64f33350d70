"""Query speed as users see it: whole processes, embcli against gensim, interleaved, median of N.

1. `neighbors`: 1,000 neighbour queries (top 10) read from stdin by one
   `embcli neighbors MODEL -` process, against a gensim process that loads the
   same `vectors.vec` and loops `most_similar`, on the shared-corpus skip-gram
   model (trained here with embcli if --model is not given). The top-10 lists
   are compared.
2. analogy part of `embcli eval`: a full `eval --suite standard` minus a
   similarity-only run, against gensim's in-process `evaluate_word_analogies`
   (timed inside its process, so gensim's load is not counted), on 50-dim
   vectors of 120k words whose vocabulary holds the Google analogy words.
3. one `neighbors` query on a 1M-word x 100-dim model (time and peak RSS).

Usage: python bench/bench_queries.py [--model DIR] [--work DIR] [--repeats 3] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import EMBCLI, PYTHON, REPO, SHARED_CORPUS, machine, median, timed, write_section  # noqa: E402

QUERIES = 1000
GENSIM_NEIGHBORS = """
import sys, json
from gensim.models import KeyedVectors
vectors = KeyedVectors.load_word2vec_format(sys.argv[1])
for line in sys.stdin:
    word = line.strip()
    found = vectors.most_similar(word, topn=10)
    print(json.dumps([w for w, _ in found]))
"""
GENSIM_ANALOGY = """
import sys, time, json
import numpy as np
from gensim.models import KeyedVectors
words = [line.split("\\t")[1] for line in open(sys.argv[1] + "/vocab.tsv", encoding="utf-8").read().splitlines()[1:]]
vectors = KeyedVectors(50)
vectors.add_vectors(words, np.load(sys.argv[1] + "/vectors.npy"))
started = time.perf_counter()
accuracy, _ = vectors.evaluate_word_analogies(sys.argv[2], restrict_vocab=30000)
print(json.dumps({"seconds": time.perf_counter() - started, "accuracy": accuracy}))
"""
SIMILARITY_FILES = ["EN-WS-353-ALL.txt", "EN-WS-353-SIM.txt", "EN-WS-353-REL.txt", "EN-SIMLEX-999.txt"]


def shared_model(work: Path) -> Path:
    corpus, model = work / "corpus", work / "sg"
    if not (model / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "--token-pattern", "[a-z0-9']+", "--min-count", "5",
                        "-o", str(corpus), "-q", "--force"])
        timed(EMBCLI + ["train", str(corpus), "--model", "skipgram", "-o", str(model), "-q", "--force"])
    return model


def query_words(model: Path, path: Path) -> list[str]:
    """1,000 words spread over the 30,000 most frequent (<unk> aside)."""
    words = [line.split("\t")[1] for line in (model / "vocab.tsv").read_text(encoding="utf-8").splitlines()[2:30001]]
    chosen = words[:: max(1, len(words) // QUERIES)][:QUERIES]
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    return chosen


def bench_neighbors(model: Path, work: Path, repeats: int) -> dict:
    queries = work / "queries.txt"
    words = query_words(model, queries)
    ours_command = EMBCLI + ["neighbors", str(model), "-", "-k", "10", "--jsonl", "-q"]
    theirs_command = [PYTHON, "-c", GENSIM_NEIGHBORS, str(model / "vectors.vec")]
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        ours.append(timed(ours_command, stdin=queries))
        theirs.append(timed(theirs_command, stdin=queries))
    our_lists = [[n["word"] for n in json.loads(line)["neighbors"]] for line in ours[0].stdout.splitlines()]
    their_lists = [json.loads(line) for line in theirs[0].stdout.splitlines()]
    same = sum(a == b for a, b in zip(our_lists, their_lists))
    return {"queries": len(words), "embcli_seconds": [round(r.seconds, 2) for r in ours],
            "gensim_seconds": [round(r.seconds, 2) for r in theirs],
            "embcli_rss_mb": round(max(r.peak_rss_mb for r in ours)), "gensim_rss_mb": round(max(r.peak_rss_mb for r in theirs)),
            "identical_top10": same, "compared": len(their_lists)}


def synthetic_vectors(directory: Path, rows: int, dim: int, *, analogy_words: bool) -> Path:
    """A vectors directory of random rows; with `analogy_words`, the Google set's words come first."""
    if (directory / "manifest.json").exists():
        return directory
    sys.path.insert(0, str(REPO / "tests"))
    from toy_vectors import write_vectors_dir

    words, seen = ["<unk>"], {"<unk>"}
    if analogy_words:
        for line in (REPO / "data" / "eval" / "questions-words.txt").read_text(encoding="utf-8").splitlines():
            for word in line.lower().split() if not line.startswith(":") else []:
                if word not in seen:
                    seen.add(word)
                    words.append(word)
    words += [f"x{i}" for i in range(rows - len(words))]
    matrix = np.random.default_rng(0).standard_normal((rows, dim), dtype=np.float32)
    write_vectors_dir(directory, words, matrix, counts=list(range(rows, 0, -1)))
    return directory


def bench_eval_analogy(work: Path, repeats: int) -> dict:
    vectors = synthetic_vectors(work / "v120k-50", 120_000, 50, analogy_words=True)
    questions = REPO / "data" / "eval" / "questions-words.txt"
    similarity = [arg for name in SIMILARITY_FILES for arg in ("--similarity", str(REPO / "data" / "eval" / name))]
    commands = {
        "full": EMBCLI + ["eval", str(vectors), "--suite", "standard", "-q", "--json"],
        "full_3cosadd": EMBCLI + ["eval", str(vectors), "--suite", "standard", "--method", "3cosadd", "-q", "--json"],
        "similarity_only": EMBCLI + ["eval", str(vectors), *similarity, "-q", "--json"],
        "gensim": [PYTHON, "-c", GENSIM_ANALOGY, str(vectors), str(questions)],
    }
    runs: dict[str, list] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            runs[name].append(timed(command))
    seconds = {name: [r.seconds for r in found] for name, found in runs.items()}
    gensim_inside = [json.loads(r.stdout)["seconds"] for r in runs["gensim"]]
    ours_report = runs["full"][0].json()["analogy"][0]["methods"]
    return {
        "analogy_both": [a - b for a, b in zip(seconds["full"], seconds["similarity_only"])],
        "analogy_3cosadd": [a - b for a, b in zip(seconds["full_3cosadd"], seconds["similarity_only"])],
        "gensim_in_process": gensim_inside, "gensim_process": seconds["gensim"],
        "embcli_full": seconds["full"], "embcli_similarity_only": seconds["similarity_only"],
        "embcli_3cosadd_accuracy": ours_report["3cosadd"]["total"]["accuracy"],
        "gensim_accuracy": json.loads(runs["gensim"][0].stdout)["accuracy"],
    }


def bench_million(work: Path, repeats: int) -> dict:
    vectors = synthetic_vectors(work / "v1m-100", 1_000_000, 100, analogy_words=False)
    runs = [timed(EMBCLI + ["neighbors", str(vectors), "x123", "-k", "10", "-q"]) for _ in range(repeats)]
    return {"seconds": [round(r.seconds, 2) for r in runs], "peak_rss_mb": [round(r.peak_rss_mb) for r in runs]}


def spread(values: list[float]) -> str:
    return f"{median(values):.2f} s (range {min(values):.2f}–{max(values):.2f})"


def markdown(neighbors: dict, analogy: dict, million: dict, repeats: int, load_before: float) -> str:
    ours, theirs = median(neighbors["embcli_seconds"]), median(neighbors["gensim_seconds"])
    both, add, gensim = median(analogy["analogy_both"]), median(analogy["analogy_3cosadd"]), \
        median(analogy["gensim_in_process"])
    return f"""## Queries: `neighbors` from stdin, the analogy part of `eval`, a million-word model

Machine: {machine()}; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after.
Command: `python bench/bench_queries.py --repeats {repeats}` (whole processes, embcli and gensim interleaved,
median of {repeats}; the machine is shared, so ranges are given).

| what | embcli | gensim | speed-up |
|---|---|---|---|
| {neighbors['queries']} neighbour queries (top 10) on the shared-corpus skip-gram model, one process | {spread(neighbors['embcli_seconds'])}, {neighbors['embcli_rss_mb']} MB | {spread(neighbors['gensim_seconds'])} (load `.vec` + loop `most_similar`), {neighbors['gensim_rss_mb']} MB | **{theirs / ours:.1f}x** |
| analogy part of `eval` (full run − similarity-only run), 3CosAdd + 3CosMul, 120k × 50 | {spread(analogy['analogy_both'])} | {spread(analogy['gensim_in_process'])} (in-process `evaluate_word_analogies`, 3CosAdd only) | **{gensim / both:.1f}x** |
| the same, `--method 3cosadd` (what gensim computes) | {spread(analogy['analogy_3cosadd'])} | | **{gensim / add:.1f}x** |
| one `neighbors` query, 1M words × 100 dims, whole process | {spread(million['seconds'])}, peak RSS {max(million['peak_rss_mb'])} MB | | target ≤ 1 s, ≤ 800 MB |

Identical top-10 lists: {neighbors['identical_top10']} of {neighbors['compared']} queries. Analogy accuracy
(3CosAdd, 30k restriction, random vectors): embcli {analogy['embcli_3cosadd_accuracy']:.5f}, gensim
{analogy['gensim_accuracy']:.5f}. Whole `eval` runs: full {spread(analogy['embcli_full'])}, similarity only
{spread(analogy['embcli_similarity_only'])}; the gensim analogy process took {spread(analogy['gensim_process'])}
in all. Targets (issue 12): neighbours ≥ 5x, analogy ≥ 10x as whole processes.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a shared-corpus skip-gram vectors dir to reuse")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "embcli-bench-queries")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=["neighbors", "analogy", "million"], nargs="*", default=None)
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing BENCHMARKS.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    wanted = set(args.only or ["neighbors", "analogy", "million"])
    neighbors = bench_neighbors(args.model or shared_model(args.work), args.work, args.repeats) \
        if "neighbors" in wanted else None
    analogy = bench_eval_analogy(args.work, args.repeats) if "analogy" in wanted else None
    million = bench_million(args.work, args.repeats) if "million" in wanted else None
    print(json.dumps({"neighbors": neighbors, "analogy": analogy, "million": million}, indent=2))
    if neighbors and analogy and million:
        text = markdown(neighbors, analogy, million, args.repeats, load_before)
        print(text) if args.no_write else write_section("queries", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
