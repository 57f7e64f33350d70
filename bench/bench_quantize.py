"""Benchmark of `embcli quantize`: sizes and evaluation drop of int8 and PQ on vectors of the shared corpus.

Trains skip-gram once (dim 100, 5 epochs, 2 workers, the reference tokenization), then quantizes it with
int8 (row and dimension scales) and PQ (several sub-space counts), and records for each: the bytes of
vectors.npy versus the codes + scales/codebooks, the mean cosine of dequantized to original rows, and the
standard suite's scores before and after (`embcli quantize --json`, which calls the eval stage).
Targets: int8 loses at most 0.5 point of analogy accuracy and 0.01 Spearman; PQ is at least 10x smaller.

Usage: python bench/bench_quantize.py [--work DIR] [--vectors DIR]   (--vectors: skip preprocess + train)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import EMBCLI, REFERENCE_PREPROCESS, SHARED_CORPUS, machine, timed, write_section

VARIANTS = [  # (label, quantize options)
    ("int8, row scales", ["--method", "int8", "--scale", "row"]),
    ("int8, dimension scales", ["--method", "int8", "--scale", "dim"]),
    ("PQ, M=50 (2 dims each)", ["--method", "pq", "--subspaces", "50"]),
    ("PQ, M=25 (4 dims each, default)", ["--method", "pq", "--subspaces", "25"]),
    ("PQ, M=10 (10 dims each)", ["--method", "pq", "--subspaces", "10"]),
]
SHOWN = [("ws353", "spearman"), ("simlex999", "spearman"), ("google", "3cosadd"), ("google", "3cosmul")]
LABELS = {("ws353", "spearman"): "WS-353 ρ", ("simlex999", "spearman"): "SimLex ρ",
          ("google", "3cosadd"): "Google 3CosAdd %", ("google", "3cosmul"): "Google 3CosMul %"}


def trained_vectors(work: Path) -> Path:
    corpus, vectors = work / "corpus", work / "skipgram"
    timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "--workers", "2", "-q", "--force",
                    *REFERENCE_PREPROCESS])
    timed(EMBCLI + ["train", str(corpus), "--model", "skipgram", "--engine", "gensim", "-o", str(vectors),
                    "--workers", "2", "-q", "--force"])  # the engine the recorded figures were measured on
    return vectors


def row(label: str, result: dict, seconds: float) -> tuple[str, dict]:
    sizes, drop = result["sizes"], result["eval"]
    by_key = {(item["name"], item["measure"]): item for item in drop["similarity"] + drop["analogy"]}
    cells = [label, f"{sizes['source_bytes'] / 2**20:.2f} → {sizes['quantized_bytes'] / 2**20:.2f} MiB",
             f"{sizes['ratio']:.1f}×", f"{result['reconstruction']['mean_row_cosine']:.4f}"]
    for key in SHOWN:
        item = by_key[key]
        scale, digits = (100.0, 2) if key[0] == "google" else (1.0, 3)
        cells.append(f"{scale * item['quantized']:.{digits}f} ({scale * item['delta']:+.{digits}f})")
    cells.append(f"{seconds:.0f}")
    return "| " + " | ".join(cells) + " |", by_key


def targets(results: list[dict]) -> str:
    """The issue's targets against the int8 runs (worst change over every set and method) and the default PQ."""
    int8 = [result for result in results if result["method"] == "int8"]
    worst_rho = max(abs(item["delta"]) for result in int8 for item in result["eval"]["similarity"])
    worst_points = max(100 * abs(item["delta"]) for result in int8 for item in result["eval"]["analogy"])
    pq = next(result for result in results if result["method"] == "pq" and result["parameters"]["subspaces"] == 25)
    pq_points = {item["measure"]: 100 * item["delta"] for item in pq["eval"]["analogy"]}
    pq_rho = {item["name"]: item["delta"] for item in pq["eval"]["similarity"]}
    finer = next(result for result in results if result["method"] == "pq" and result["parameters"]["subspaces"] == 50)
    finer_points = max(-100 * item["delta"] for item in finer["eval"]["analogy"])
    met = "met" if worst_points <= 0.5 and worst_rho <= 0.01 else "**missed**"
    return (f"Targets: int8 changes analogy accuracy by at most {worst_points:.3f} point and Spearman by at most "
            f"{worst_rho:.4f} over every set and method (target ≤ 0.5 and ≤ 0.01: {met}). PQ with the default "
            f"M=25 is {pq['sizes']['ratio']:.1f}× smaller (target ≥ 10×: {'met' if pq['sizes']['ratio'] >= 10 else '**missed**'}) "
            f"and loses {-pq_points['3cosadd']:.2f} / {-pq_points['3cosmul']:.2f} points of 3CosAdd / 3CosMul accuracy, "
            f"{-pq_rho['ws353']:.3f} WS-353 ρ and {-pq_rho['simlex999']:.3f} SimLex ρ; M=50 "
            f"({finer['sizes']['ratio']:.1f}×) loses at most {finer_points:.2f} point.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--vectors", type=Path, default=None, help="vectors to quantize (skips training)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-quantize-"))
    vectors = args.vectors or trained_vectors(work)
    lines, results = [], []
    for index, (label, options) in enumerate(VARIANTS):
        run = timed(EMBCLI + ["quantize", str(vectors), "-o", str(work / f"q{index}"), "--workers", "2", "--json",
                              "-q", "--force", *options])
        text, _ = row(label, run.json(), run.seconds)
        lines.append(text)
        results.append(run.json())
    original = {(item["name"], item["measure"]): item for item in results[0]["eval"]["similarity"] + results[0]["eval"]["analogy"]}
    header = ("| variant | size | smaller | row cosine | WS-353 ρ (Δ) | SimLex ρ (Δ) | Google 3CosAdd % (Δ) "
              "| Google 3CosMul % (Δ) | seconds |\n|---|---|---|---|---|---|---|---|---|")
    baseline = ", ".join(f"{LABELS[key]} {(100 if key[0] == 'google' else 1) * original[key]['original']:.4g}"
                         for key in SHOWN)
    write_section("quantize", f"""## Quantization (`embcli quantize`)

Skip-gram vectors (dim 100, 5 epochs, 2 workers) of `en-mixed-5m.txt.gz` with the reference tokenization;
the standard suite (Google analogies among the 30,000 most frequent words) before and after, the change in
brackets. Original scores: {baseline}. "seconds" is the whole `embcli quantize` process: k-means (PQ),
writing, and scoring the original and the quantized vectors (the machine was shared, so times are loose).
Machine: {machine()}.

{header}
{chr(10).join(lines)}

{targets(results)}

Reproduce: `python bench/bench_quantize.py` (or `--vectors DIR` for vectors already trained).
""")


if __name__ == "__main__":
    main()
