"""Bounded preprocess memory, and single-line (text8-style) corpora training on every worker.

Usage:
    python bench/bench_long_lines.py [--repeats 3] [--workers 2] [--epochs 1]

1. Peak RSS of `embcli preprocess` on 16.8M two-word lines (a 63 KiB .gz) and
   on one 400 MiB line without a newline: both must stay flat (< 400 MB and
   < 600 MB), since memory depends on neither the number of sentences nor the
   length of a line.
2. Skip-gram with 2 workers on the shared corpus as one single line (as text8
   is) against the same tokens one sentence per line: the long line is cut
   into sentences of 10,000 tokens, so both should train at the same speed.
   Runs are interleaved; the median and the range are reported.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
from pathlib import Path

from harness import EMBCLI, REFERENCE_PREPROCESS, SHARED_CORPUS, machine, median, timed, write_section

TINY_LINES = 16_800_000
LONG_LINE_BYTES = 400 << 20


def make_inputs(directory: Path) -> tuple[Path, Path]:
    tiny = directory / "tiny-lines.txt.gz"
    with gzip.open(tiny, "wb", compresslevel=9) as handle:
        block = b"a b\n" * (1 << 20)
        for _ in range(TINY_LINES >> 20):
            handle.write(block)
        handle.write(b"a b\n" * (TINY_LINES % (1 << 20)))
    long_line = directory / "one-line.txt.gz"
    with gzip.open(long_line, "wb", compresslevel=9) as handle:
        block = b"lorem ipsum dolor sit amet " * (1 << 16)
        for _ in range(LONG_LINE_BYTES // len(block) + 1):
            handle.write(block)
    return tiny, long_line


def single_line_copy(source: Path, target: Path) -> Path:
    """The same text with every newline turned into a space (text8's shape)."""
    with gzip.open(source, "rb") as reader, open(target, "wb") as writer:
        while block := reader.read(1 << 22):
            writer.write(block.replace(b"\n", b" "))
    return target


def preprocess_rss(directory: Path, inputs: list[Path]) -> list[str]:
    rows = []
    for source in inputs:
        output = directory / f"{source.name}.corpus"
        run = timed([*EMBCLI, "preprocess", str(source), "-o", str(output), "-q", "--force", "--min-count", "1"])
        manifest = json.loads((output / "manifest.json").read_text())
        print(source.name, f"{run.peak_rss_mb:.0f} MB", f"{run.seconds:.1f} s", flush=True)
        rows.append(f"| `embcli preprocess {source.name} -o OUT --min-count 1` | {source.stat().st_size:,} | "
                    f"{manifest['counts']['sentences']:,} | {run.seconds:.1f} | {run.peak_rss_mb:.0f} |")
    return rows


def context_pairs(corpus: Path, window: int = 5) -> float:
    """Expected (centre, context) pairs of a corpus directory with word2vec's reduced window (before subsampling)."""
    import numpy as np

    lengths = np.diff(np.load(corpus / "offsets.npy")).astype(np.float64)
    total = 0.0
    for b in range(1, window + 1):  # the reduced window is uniform in 1..window
        one_side = np.where(lengths >= b, b * (b - 1) / 2 + b * (lengths - b), lengths * (lengths - 1) / 2)
        total += 2 * one_side.sum() / window
    return total


def training_speed(directory: Path, corpus: Path, repeats: int, workers: int, epochs: int) -> tuple[list[str], dict]:
    multi = directory / "multi"
    single_text = single_line_copy(corpus, directory / "single-line.txt")
    single = directory / "single"
    for source, output in ((corpus, multi), (single_text, single)):
        timed([*EMBCLI, "preprocess", str(source), "-o", str(output), "-q", "--force", *REFERENCE_PREPROCESS])
    times: dict[str, list[float]] = {"multi-line": [], "single line": []}
    for _ in range(repeats):  # interleaved
        for name, corpus in (("multi-line", multi), ("single line", single)):
            run = timed([*EMBCLI, "train", str(corpus), "-o", str(directory / "sg"), "--force", "-q",
                         "--workers", str(workers), "--epochs", str(epochs)])
            times[name].append(round(run.seconds, 2))
            print(name, times[name][-1], flush=True)
    rows = []
    for name, corpus in (("multi-line", multi), ("single line", single)):
        counts = json.loads((corpus / "manifest.json").read_text())["counts"]
        pairs = context_pairs(corpus)
        rows.append(f"| {name} | {counts['sentences']:,} | {counts['tokens_written']:,} | {pairs:,.0f} | "
                    f"{median(times[name]):.1f} ({', '.join(map(str, times[name]))}) | "
                    f"{pairs / median(times[name]):,.0f} |")
    times["pairs_ratio"] = [context_pairs(single) / context_pairs(multi)]
    return rows, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS, help="multi-line corpus (.gz) for the speed test")
    args = parser.parse_args()
    header = machine()
    with tempfile.TemporaryDirectory(prefix="embcli-bench-") as tmp:
        directory = Path(tmp)
        rss_rows = preprocess_rss(directory, list(make_inputs(directory)))
        speed_rows, times = training_speed(directory, args.corpus, args.repeats, args.workers, args.epochs)
    ratio = median(times["single line"]) / median(times["multi-line"])
    markdown = "\n".join([
        "## Bounded preprocess memory; single-line corpora (issue 11)", "",
        f"Machine: {header}.",
        f"Command: `python bench/bench_long_lines.py --repeats {args.repeats} --workers {args.workers} "
        f"--epochs {args.epochs}` — whole processes, peak RSS from `wait4`.", "",
        "| preprocess | input bytes (.gz) | sentences | wall s | peak RSS MB |", "|---|---|---|---|---|",
        *rss_rows, "",
        f"Skip-gram, `--workers {args.workers} --epochs {args.epochs}`, on the shared corpus one sentence per line "
        "and the same tokens as one line (text8's shape; cut into sentences of 10,000 tokens), interleaved runs:", "",
        "| corpus | sentences | tokens | context pairs (expected) | wall s, median (runs) | pairs/s |",
        "|---|---|---|---|---|---|", *speed_rows, "",
        f"Single line : multi-line wall time = **{ratio:.2f}** (target within 10%). Sentence boundaries clip "
        f"windows, so the single line holds {100 * (times['pairs_ratio'][0] - 1):.1f}% more (centre, context) "
        f"pairs for the same tokens; per pair the ratio is {ratio / times['pairs_ratio'][0]:.2f}.",
    ])
    write_section("long-lines", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
