"""Analogy evaluation speed: embcli's batched evaluator vs gensim's, on the same vectors.

Usage:
    python bench/bench_eval.py VECTORS [--restrict-vocab 30000] [--analogy FILE] [--repeat 3] [--json]

VECTORS is anything `embcli eval` reads (vectors directory, .npy + vocab.tsv,
.vec, .bin). Both evaluators get the very same matrix (gensim's KeyedVectors is
built from the loaded embcli Embeddings). Prints wall and CPU times (best of
--repeat, after one warm-up run that also builds the unit vectors) and the
accuracies, and checks that the per-section correct counts are identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def best_time(function, repeat: int):
    """(fastest wall time, fastest CPU time of all threads, last result) over `repeat` calls.

    CPU time is the fairer figure on a busy machine: it does not count waiting for a core.
    """
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def main() -> int:
    from gensim.models import KeyedVectors

    from embcli.config import default_workers
    from embcli.evaluation.analogy import evaluate_analogies
    from embcli.evaluation.datasets import read_analogy_questions, suite_files
    from embcli.embeddings import load_embeddings

    default_analogy = next(path for name, _, path in suite_files("standard") if name == "google")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vectors", type=Path)
    parser.add_argument("--vocab", type=Path, default=None, help="vocab.tsv for a bare .npy matrix")
    parser.add_argument("--analogy", type=Path, default=default_analogy)
    parser.add_argument("--restrict-vocab", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of embcli's evaluator (gensim runs once)")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    embeddings = load_embeddings(args.vectors, vocab_path=args.vocab, mmap=False)
    dataset = read_analogy_questions(args.analogy)
    reference = KeyedVectors(embeddings.dim)
    reference.add_vectors(embeddings.words, np.asarray(embeddings.vectors, dtype=np.float32))

    def ours(methods: tuple[str, ...]):
        return lambda: evaluate_analogies(embeddings, dataset, restrict_vocab=args.restrict_vocab,
                                          methods=methods, workers=args.workers)

    started = time.perf_counter()
    ours(("3cosadd", "3cosmul"))()  # warm-up: unit vectors
    cold_seconds = time.perf_counter() - started
    add_seconds, add_cpu, add_result = best_time(ours(("3cosadd",)), args.repeat)
    both_seconds, both_cpu, both_result = best_time(ours(("3cosadd", "3cosmul")), args.repeat)
    gensim_seconds, gensim_cpu, (gensim_accuracy, gensim_sections) = best_time(
        lambda: reference.evaluate_word_analogies(str(args.analogy), restrict_vocab=args.restrict_vocab), 1)

    ours_counts = [(s.name, s.correct["3cosadd"], s.answered) for s in add_result.sections]
    gensim_counts = [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
                     for s in gensim_sections[:-1]]
    mismatches = [(mine, theirs) for mine, theirs in zip(ours_counts, gensim_counts) if mine != theirs]
    figures = {
        "vectors": str(args.vectors), "words": len(embeddings), "dim": embeddings.dim,
        "restrict_vocab": args.restrict_vocab, "questions": add_result.questions, "answered": add_result.answered,
        "workers": args.workers,
        "embcli_3cosadd_seconds": add_seconds, "embcli_3cosadd_cpu_seconds": add_cpu,
        "embcli_both_seconds": both_seconds, "embcli_both_cpu_seconds": both_cpu,
        "embcli_first_run_seconds": cold_seconds,
        "gensim_3cosadd_seconds": gensim_seconds, "gensim_3cosadd_cpu_seconds": gensim_cpu,
        "speedup_3cosadd": gensim_seconds / add_seconds, "speedup_3cosadd_cpu": gensim_cpu / add_cpu,
        "embcli_3cosadd_accuracy": add_result.summary("3cosadd")["accuracy"],
        "embcli_3cosmul_accuracy": both_result.summary("3cosmul")["accuracy"],
        "gensim_3cosadd_accuracy": gensim_accuracy,
        "identical_per_section": not mismatches and len(ours_counts) == len(gensim_counts),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"vectors {args.vectors}: {len(embeddings)} words x {embeddings.dim}, restrict {args.restrict_vocab}, "
              f"{add_result.answered}/{add_result.questions} questions answered, {args.workers} threads")
        print(f"{'':24}{'wall s':>9}{'CPU s':>9}  accuracy")
        print(f"{'embcli 3CosAdd':24}{add_seconds:9.3f}{add_cpu:9.3f}  {figures['embcli_3cosadd_accuracy']:.4f}")
        print(f"{'embcli 3CosAdd+3CosMul':24}{both_seconds:9.3f}{both_cpu:9.3f}  "
              f"{figures['embcli_3cosmul_accuracy']:.4f} (3CosMul)")
        print(f"{'gensim 3CosAdd':24}{gensim_seconds:9.3f}{gensim_cpu:9.3f}  {gensim_accuracy:.4f}")
        print(f"embcli first run {cold_seconds:.3f} s wall (unit vectors)")
        print(f"speed-up (3CosAdd): {figures['speedup_3cosadd']:.1f}x wall, {figures['speedup_3cosadd_cpu']:.1f}x CPU")
        print("per-section results identical" if figures["identical_per_section"] else f"MISMATCH: {mismatches}")
    return 0 if figures["identical_per_section"] else 1


if __name__ == "__main__":
    sys.exit(main())
