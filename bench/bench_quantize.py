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


def trained_vectors(work: Path) -> Path:
    corpus, vectors = work / "corpus", work / "skipgram"
    timed(EMBCLI + ["preprocess", str(SHARED_CORPUS), "-o", str(corpus), "--workers", "2", "-q", "--force",
                    *REFERENCE_PREPROCESS])
    timed(EMBCLI + ["train", str(corpus), "--model", "skipgram", "-o", str(vectors), "--workers", "2", "-q",
                    "--force"])
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--vectors", type=Path, default=None, help="vectors to quantize (skips training)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="embcli-bench-quantize-"))
    vectors = args.vectors or trained_vectors(work)
    lines, original = [], None
    for index, (label, options) in enumerate(VARIANTS):
        run = timed(EMBCLI + ["quantize", str(vectors), "-o", str(work / f"q{index}"), "--workers", "2", "--json",
                              "-q", "--force", *options])
        text, by_key = row(label, run.json(), run.seconds)
        lines.append(text)
        original = original or by_key
    header = ("| variant | size | smaller | row cosine | WS-353 ρ (Δ) | SimLex ρ (Δ) | Google 3CosAdd % (Δ) "
              "| Google 3CosMul % (Δ) | seconds |\n|---|---|---|---|---|---|---|---|---|")
    baseline = ", ".join(f"{name} {measure} {original[(name, measure)]['original']:.4f}" for name, measure in SHOWN)
    write_section("quantize", f"""## Quantization (`embcli quantize`)

Skip-gram vectors (dim 100, 5 epochs, 2 workers) of `en-mixed-5m.txt.gz` with the reference tokenization;
the standard suite (Google analogies among the 30,000 most frequent words) before and after, the change in
brackets. Original scores: {baseline}. "seconds" is the whole `embcli quantize` process: k-means (PQ),
writing, and scoring the original and the quantized vectors. Machine: {machine()}.

{header}
{chr(10).join(lines)}

Reproduce: `python bench/bench_quantize.py` (or `--vectors DIR` for vectors already trained).
""")


if __name__ == "__main__":
    main()
