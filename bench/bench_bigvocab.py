"""Benchmark of a million-word model: one `neighbors` query as a process, and the approximate index.

The model is synthetic (no corpus has a million words worth training here): 1,000,000 words x 100
dims, drawn as 2,000 Gaussian clusters of Zipf-distributed sizes (centres N(0, 1), each row its centre
plus N(0, 1) noise, so a row's cosine to its own centre is about 0.7 and its true neighbours are
members of its cluster in no simple order), written as an embcli vectors directory (vectors.npy,
vocab.tsv, manifest.json). Random clustered rows are harder for an index than trained vectors, whose
neighbourhoods are far more skewed; they are what the figures below are for.

Measured, interleaved with the peer in the same run (page cache warm for both):
- `embcli neighbors DIR WORD --json` as a whole process: wall time, CPU time (user + system) and
  peak RSS (wait4), against gensim's `KeyedVectors.most_similar` on the same memory-mapped matrix
  (also a whole process). embcli's modules are byte-compiled first, as installing it does (the
  environment may say PYTHONDONTWRITEBYTECODE). Targets: <= 1 s and <= 800 MB.
- `embcli index DIR -o IDX` (faiss IVF), then 10,000 queries (rows drawn at random, each query's own
  row left out) answered in one batch by embcli's exact search (`Embeddings.scan_top`, blocked
  products) and by the index at several `probe` settings: recall@10 against the exact answers and
  queries per second. Targets: recall@10 >= 0.95 and >= 10x the exact throughput.

Usage: python bench/bench_bigvocab.py [--work DIR] [--repeats N] [--queries N] [--skip-batched]

--skip-batched keeps the whole-process figures (building the index only if it is missing) and
carries the batched-query table over from the section already in BENCHMARKS.md, saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import BENCHMARKS_MD, EMBCLI, PYTHON, REPO, byte_compile_embcli, machine, median, timed, write_section

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


Measured = tuple[float, float, float]  # wall seconds, peak RSS MB, CPU seconds of one whole process


def one_query_processes(vectors: Path, repeats: int) -> dict[str, list[Measured]]:
    """(seconds, peak MB, CPU seconds) of each whole-process run, embcli and gensim interleaved."""
    byte_compile_embcli()
    script = Path(tempfile.mkdtemp()) / "gensim_query.py"
    script.write_text(GENSIM_QUERY, encoding="utf-8")
    commands = {"embcli neighbors": EMBCLI + ["neighbors", str(vectors), "w0123456", "--json", "-q"],
                "gensim most_similar": [PYTHON, str(script), str(vectors), "w0123456"]}
    for command in commands.values():
        timed(command)  # warm the page cache (and the interpreter's caches) once
    runs: dict[str, list[Measured]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            run = timed(command)
            runs[name].append((run.seconds, run.peak_rss_mb, run.cpu_seconds))
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


def approx_process(vectors: Path, index_dir: Path, repeats: int) -> list[Measured]:
    command = EMBCLI + ["neighbors", str(vectors), "w0123456", "--json", "-q", "--approx", str(index_dir)]
    timed(command)
    return [(run.seconds, run.peak_rss_mb, run.cpu_seconds) for run in (timed(command) for _ in range(repeats))]


def process_table(runs: dict[str, list[Measured]]) -> list[str]:
    lines = ["| one query as a whole process | wall s median (runs) | CPU s median (runs) | peak RSS MB median (runs) |",
             "|---|---|---|---|"]
    for name, found in runs.items():
        seconds, rss, cpu = ([run[i] for run in found] for i in range(3))
        lines.append(f"| {name} | **{median(seconds):.2f}** ({', '.join(f'{s:.2f}' for s in seconds)}) | "
                     f"{median(cpu):.2f} ({', '.join(f'{c:.2f}' for c in cpu)}) | "
                     f"**{median(rss):.0f}** ({', '.join(f'{m:.0f}' for m in rss)}) |")
    return lines


def batched_table(ann: dict) -> list[str]:
    exact = median(ann["exact"])
    lines = [f"Index: `embcli index` (faiss IVF-Flat, {ann['lists']:,} cells, cosine) built in {ann['build_seconds']:.0f} s "
             f"(whole process, peak RSS {ann['build_rss']:.0f} MB), {ann['index_mb']:.0f} MB on disk.", "",
             f"| {ann['queries']:,} batched queries | seconds median (runs) | queries/s | vs exact | recall@10 |",
             "|---|---|---|---|---|",
             f"| exact (`scan_top`) | {exact:.2f} ({', '.join(f'{s:.2f}' for s in ann['exact'])}) | "
             f"{ann['queries'] / exact:,.0f} | 1× | 1 |"]
    for probe, seconds in ann["approx"].items():
        middle = median(seconds)
        lines.append(f"| index, probe {probe} | {middle:.2f} ({', '.join(f'{s:.2f}' for s in seconds)}) | "
                     f"{ann['queries'] / middle:,.0f} | **{exact / middle:.1f}×** | **{ann['recall'][probe]:.4f}** |")
    return lines


def carried_batched_table() -> list[str]:
    """The batched-query lines of the section already in BENCHMARKS.md (for --skip-batched)."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else ""
    found = re.search(r"<!-- bench:bigvocab -->(.*?)<!-- /bench:bigvocab -->", text, re.S)
    lines = found.group(1).splitlines() if found else []
    kept = [line for line in lines if line.startswith("Index:") or line.startswith("| index, probe")
            or line.startswith("| exact (") or re.match(r"\| [0-9,]+ batched queries", line) or line == "|---|---|---|---|---|"]
    if not kept:
        return ["Batched queries: not measured in this run (--skip-batched) and no earlier figures to carry over."]
    note = next((line for line in lines if line.startswith("Batched figures carried over")), None)
    if note is None:
        measured = next((line for line in lines if line.startswith("Machine")), "Machine: not recorded.")
        note = ("Batched figures carried over from the previous run of this benchmark (not re-run here: --skip-batched; "
                f"the exact search for many queries is unchanged). That run's {measured[0].lower()}{measured[1:]}")
    index_line = [line for line in kept if line.startswith("Index:")]
    return [note, "", *index_line, "", *[line for line in kept if not line.startswith("Index:")]]


def index_verdict(batched: list[str]) -> str:
    """The approximate index's targets, read from the batched-query table (fresh or carried over)."""
    probes = [(int(m[1]), float(m[2]), float(m[3])) for line in batched
              if (m := re.match(r"\| index, probe (\d+) .*\*\*([0-9.]+)×\*\* \| \*\*([0-9.]+)\*\* \|", line))]
    if not probes:
        return ""
    good = [f"probe {probe} (recall {recall:.4f}, {ratio:.1f}×)" for probe, ratio, recall in probes
            if recall >= 0.95 and ratio >= 10]
    return (" Approximate index, recall@10 ≥ 0.95 at ≥ 10× the exact throughput: "
            + (f"**met** with {' and '.join(good)}." if good else "**missed** at every probe measured."))


def verdict(runs: dict[str, list[Measured]], load: tuple[float, float]) -> str:
    embcli = runs["embcli neighbors"]
    seconds, rss, cpu = (median([run[i] for run in embcli]) for i in range(3))
    met = "met" if seconds <= 1.0 else "missed"
    return (f"Targets: one `neighbors` query as a process ≤ 1 s: **{met}** ({seconds:.2f} s wall median, {cpu:.2f} s of "
            f"CPU, load {load[0]:.1f}–{load[1]:.1f} on 2 cores); peak RSS ≤ 800 MB: "
            f"**{'met' if rss <= 800 else 'missed'}** ({rss:.0f} MB, most of it the memory-mapped matrix's page-cache "
            f"pages). gensim's `most_similar` on the same matrix: {median([r[0] for r in runs['gensim most_similar']]):.2f} s, "
            f"{median([r[1] for r in runs['gensim most_similar']]):.0f} MB.")


def report(runs: dict, batched: list[str], load: tuple[float, float], command: str) -> str:
    lines = ["## Million-word vocabulary: one `neighbors` query and the approximate index (issue 13)", "",
             f"Machine: {machine()}; load average {load[0]:.1f}–{load[1]:.1f} during the runs (the machine was shared).",
             f"Command: `{command}`. Synthetic vectors: 1,000,000 words x 100 dims in 2,000 Gaussian clusters "
             "(Zipf sizes, noise as large as the centres), as an embcli vectors directory (400 MB vectors.npy); "
             "see the script's docstring.", "", *process_table(runs), "", *batched, "",
             verdict(runs, load) + index_verdict(batched)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "embcli-bigvocab")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--skip-batched", action="store_true",
                        help="whole-process figures only; carry the batched-query table over from BENCHMARKS.md")
    args = parser.parse_args()
    vectors = synthetic_vectors(args.work / "vectors")
    index_dir = args.work / "index"
    loads = [os.getloadavg()[0]]
    # Whole processes first: a child's peak RSS (wait4) counts the pages of the parent it was forked from,
    # so they must run before this process loads the model for the batched figures.
    runs = one_query_processes(vectors, args.repeats)
    loads.append(os.getloadavg()[0])
    build = None if args.skip_batched and (index_dir / "manifest.json").exists() else build_index_process(vectors, index_dir)
    runs["embcli neighbors --approx"] = approx_process(vectors, index_dir, args.repeats)
    loads.append(os.getloadavg()[0])
    if args.skip_batched:
        batched = carried_batched_table()
    else:
        batched = batched_table({**(build or {}), **ann_figures(vectors, index_dir, args.queries, max(1, args.repeats // 2))})
        loads.append(os.getloadavg()[0])
    command = (f"python bench/bench_bigvocab.py --repeats {args.repeats}"
               + (" --skip-batched" if args.skip_batched else f" --queries {args.queries}"))
    markdown = report(runs, batched, (min(loads), max(loads)), command)
    print(markdown)
    print(json.dumps({"runs": runs, "loads": loads}, default=str), file=sys.stderr)
    write_section("bigvocab", markdown)


if __name__ == "__main__":
    main()
