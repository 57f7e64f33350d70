"""`make bench`: run every benchmark in turn; each writes its own section of BENCHMARKS.md.

Benchmarks need the shared corpus beside the repository (../shared/data/corpus/en-mixed-5m.txt.gz).
Usage: python bench/run_benchmarks.py [--only NAME ...] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from harness import SHARED_CORPUS

HERE = Path(__file__).resolve().parent
# (name, script, extra arguments for a quick run)
# bench_eval.py (analogy evaluation speed) runs inside the pipeline benchmark, on the vectors it trains.
BENCHMARKS = [
    ("pipeline", "bench_pipeline.py", ["--repeats", "1"]),
    ("word2vec", "bench_word2vec.py", ["--repeats", "1"]),
    ("glove", "bench_glove.py", ["--repeats", "1"]),
    ("fasttext", "bench_fasttext.py", ["--repeats", "1"]),
    ("quantize", "bench_quantize.py", []),
    ("spark", "bench_spark.py", []),
    ("doc2vec", "bench_doc2vec.py", ["--repeats", "1"]),
    ("classification", "bench_classify.py", []),
    ("phrases", "bench_phrases.py", ["--repeats", "1"]),
    ("queries", "bench_queries.py", ["--repeats", "1"]),
    ("bigvocab", "bench_bigvocab.py", ["--repeats", "3"]),
    ("long-lines", "bench_long_lines.py", ["--repeats", "1"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=None, help="names of benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="one repetition where a benchmark repeats")
    parser.add_argument("--output", default="BENCHMARKS.md", help="(each benchmark writes its own section here)")
    args = parser.parse_args()
    if not SHARED_CORPUS.exists():
        sys.exit(f"benchmarks need {SHARED_CORPUS}; it is not there")
    for name, script, quick_args in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        if not (HERE / script).exists():
            print(f"skipping {name}: {script} not present", file=sys.stderr)
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / script), *(quick_args if args.quick else [])], check=True)


if __name__ == "__main__":
    main()
