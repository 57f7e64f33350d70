"""Benchmark of a million-word model: one `neighbors` query as a process, and the approximate index.

The model is synthetic (no corpus has a million words worth training here): 1,000,000 words x 100
dims, drawn as 2,000 Gaussian clusters of Zipf-distributed sizes (centres N(0, 1), each row its centre
plus N(0, 1) noise, so a row's cosine to its own centre is about 0.7 and its true neighbours are
members of its cluster in no simple order), written as an embcli vectors directory (vectors.npy,
vocab.tsv, manifest.json). Random clustered rows are harder for an index than trained vectors, whose
neighbourhoods are far more skewed; they are what the figures below are for.

Measured, interleaved with the peer in the same run (page cache warm for both):
- `embcli neighbors DIR WORD --json` as a whole process: wall time and peak RSS (wait4), against
  gensim's `KeyedVectors.most_similar` on the same memory-mapped matrix (also a whole process).
  Targets: <= 1 s and <= 800 MB.
- `embcli index DIR -o IDX` (faiss IVF), then 10,000 queries (rows drawn at random, each query's own
  row left out) answered in one batch by embcli's exact search (`Embeddings.scan_top`, blocked
  products) and by the index at several `probe` settings: recall@10 against the exact answers and
  queries per second. Targets: recall@10 >= 0.95 and >= 10x the exact throughput.

Usage: python bench/bench_bigvocab.py [--work DIR] [--repeats N] [--queries N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import EMBCLI, PYTHON, REPO, machine, median, timed, write_section

sys.path.insert(0, str(REPO))

WORDS, DIM, CLUSTERS = 1_000_000, 100, 2_000
PROBES = (8, 16, 32)
GENSIM_QUERY = """
import sys, numpy as np
from gensim.models import KeyedVectors
directory, word = sys.argv[1], sys.argv[2]
words = [line.split("\\t")[1] for line in open(directory + "/vocab.tsv", encoding="utf-8").read().splitlines()[1:]]
kv = KeyedVectors(vector_size=100, count=0)
kv.add_vectors(words, np.load(directory + "/vectors.npy", mmap_mode="r"))
print(kv.most_similar(word, topn=10)[0])
"""


def synthetic_vectors(directory: Path, seed: int = 0) -> Path:
    """Write (once) the clustered 1M x 100 vectors directory described in the module docstring."""
    from embcli.artifacts import write_manifest

    if (directory / "manifest.json").exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    sizes = 1.0 / np.arange(1, CLUSTERS + 1) ** 0.5
    matrix = np.lib.format.open_memmap(directory / "vectors.npy", mode="w+", dtype=np.float32, shape=(WORDS, DIM))
    for start in range(0, WORDS, 100_000):
        n = min(100_000, WORDS - start)
        members = rng.choice(CLUSTERS, n, p=sizes / sizes.sum())
        matrix[start : start + n] = centres[members] + rng.standard_normal((n, DIM)).astype(np.float32)
    matrix.flush()
    del matrix
    with open(directory / "vocab.tsv", "w", encoding="utf-8") as handle:
        handle.write("index\ttoken\tcount\n")
        handle.writelines(f"{i}\tw{i:07d}\t{WORDS - i}\n" for i in range(WORDS))
    write_manifest(directory, "vectors", files={"vectors": "vectors.npy", "vocab": "vocab.tsv"},
                   counts={"words": WORDS, "dim": DIM}, config={"synthetic": "2000 Gaussian clusters, Zipf sizes"})
    return directory


def one_query_processes(vectors: Path, repeats: int) -> dict[str, list[tuple[float, float]]]:
    """(seconds, peak MB) of each whole-process run, embcli and gensim interleaved."""
    script = Path(tempfile.mkdtemp()) / "gensim_query.py"
    script.write_text(GENSIM_QUERY, encoding="utf-8")
    commands = {"embcli neighbors": EMBCLI + ["neighbors", str(vectors), "w0123456", "--json", "-q"],
                "gensim most_similar": [PYTHON, str(script), str(vectors), "w0123456"]}
    for command in commands.values():
        timed(command)  # warm the page cache (and the interpreter's caches) once
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            run = timed(command)
            runs[name].append((run.seconds, run.peak_rss_mb))
    return runs


def ann_figures(vectors: Path, index_dir: Path, queries: int, repeats: int) -> dict:
    """Exact vs approximate batched queries, in this process (after every whole-process figure)."""
    from embcli.ann_index import load_index
    from embcli.embeddings import load_embeddings
    from embcli.embeddings.queries import cosine_scorer

    embeddings = load_embeddings(vectors)
    index = load_index(index_dir, embeddings)
    rows = np.random.default_rng(1).choice(len(embeddings), queries, replace=False)
    targets = np.asarray(embeddings.vectors[rows], dtype=np.float32)
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    exclude = [[int(row)] for row in rows]
    exact_seconds, approx_seconds = [], {probe: [] for probe in PROBES}
    exact = approx = None
    for _ in range(repeats):  # interleaved: exact, then each probe
        started = time.perf_counter()
        exact = embeddings.scan_top(cosine_scorer(targets), len(rows), 10, exclude=exclude)
        exact_seconds.append(time.perf_counter() - started)
        approx = {}
        for probe in PROBES:
            index.probe = probe
            started = time.perf_counter()
            approx[probe] = index.neighbors(targets, 10, exclude)
            approx_seconds[probe].append(time.perf_counter() - started)
    truth = [{row for row, _ in found} for found in exact]
    recall = {probe: float(np.mean([len(truth[q] & {row for row, _ in approx[probe][q]}) / 10
                                    for q in range(len(rows))])) for probe in PROBES}
    return {"lists": index.manifest["config"]["lists"], "exact": exact_seconds, "approx": approx_seconds,
            "recall": recall, "queries": queries}


def build_index_process(vectors: Path, index_dir: Path) -> dict:
    build = timed(EMBCLI + ["index", str(vectors), "-o", str(index_dir), "--force", "-q"])
    return {"build_seconds": build.seconds, "build_rss": build.peak_rss_mb,
            "index_mb": sum(p.stat().st_size for p in index_dir.iterdir()) / 2**20}


def approx_process(vectors: Path, index_dir: Path, repeats: int) -> list[tuple[float, float]]:
    command = EMBCLI + ["neighbors", str(vectors), "w0123456", "--json", "-q", "--approx", str(index_dir)]
    timed(command)
    return [(run.seconds, run.peak_rss_mb) for run in (timed(command) for _ in range(repeats))]


def report(runs: dict, approx_runs: list, ann: dict, load: float, command: str) -> str:
    lines = ["## Million-word vocabulary: one `neighbors` query and the approximate index (issue 13)", "",
             f"Machine: {machine()}; load average during the runs {load:.1f} (the machine was shared).",
             f"Command: `{command}`. Synthetic vectors: 1,000,000 words x 100 dims in 2,000 Gaussian clusters "
             "(Zipf sizes, noise as large as the centres), as an embcli vectors directory (400 MB vectors.npy); "
             "see the script's docstring.", "",
             "| one query as a whole process | wall s median (runs) | peak RSS MB median (runs) |", "|---|---|---|"]
    for name, found in {**runs, "embcli neighbors --approx": approx_runs}.items():
        seconds, rss = [s for s, _ in found], [m for _, m in found]
        lines.append(f"| {name} | **{median(seconds):.2f}** ({', '.join(f'{s:.2f}' for s in seconds)}) | "
                     f"**{median(rss):.0f}** ({', '.join(f'{m:.0f}' for m in rss)}) |")
    exact = median(ann["exact"])
    lines += ["", f"Index: `embcli index` (faiss IVF-Flat, {ann['lists']:,} cells, cosine) built in {ann['build_seconds']:.0f} s "
              f"(whole process, peak RSS {ann['build_rss']:.0f} MB), {ann['index_mb']:.0f} MB on disk.", "",
              f"| {ann['queries']:,} batched queries | seconds median (runs) | queries/s | vs exact | recall@10 |",
              "|---|---|---|---|---|",
              f"| exact (`scan_top`) | {exact:.2f} ({', '.join(f'{s:.2f}' for s in ann['exact'])}) | "
              f"{ann['queries'] / exact:,.0f} | 1× | 1 |"]
    for probe, seconds in ann["approx"].items():
        middle = median(seconds)
        lines.append(f"| index, probe {probe} | {middle:.2f} ({', '.join(f'{s:.2f}' for s in seconds)}) | "
                     f"{ann['queries'] / middle:,.0f} | **{exact / middle:.1f}×** | **{ann['recall'][probe]:.4f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "embcli-bigvocab")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    vectors = synthetic_vectors(args.work / "vectors")
    loads = [os.getloadavg()[0]]
    # Whole processes first: a child's peak RSS (wait4) counts the pages of the parent it was forked from,
    # so they must run before this process loads the model for the batched figures.
    runs = one_query_processes(vectors, args.repeats)
    build = build_index_process(vectors, args.work / "index")
    approx_runs = approx_process(vectors, args.work / "index", args.repeats)
    loads.append(os.getloadavg()[0])
    ann = {**build, **ann_figures(vectors, args.work / "index", args.queries, max(1, args.repeats // 2))}
    loads.append(os.getloadavg()[0])
    command = f"python bench/bench_bigvocab.py --repeats {args.repeats} --queries {args.queries}"
    markdown = report(runs, approx_runs, ann, float(np.mean(loads)), command)
    print(markdown)
    print(json.dumps({"runs": runs, "ann": ann}, default=str), file=sys.stderr)
    write_section("bigvocab", markdown)


if __name__ == "__main__":
    main()
