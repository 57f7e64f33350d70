"""Benchmark of `train --model doc2vec` against gensim's Doc2Vec with `corpus_file` (issue: 3x its words/s,
and document vectors that classify at least as well).

Speed: the shared corpus (lowercased [a-z0-9']+ tokens, min-count 5, one document per line), dim 100,
window 5, negative 5, sample 1e-3, 5 epochs, 2 workers; whole processes, embcli and gensim interleaved,
median of --repeats runs; words/s = corpus tokens x epochs / training seconds (each tool's own timer
around its training loop; wall time of the whole process is reported beside it).

Accuracy: both tools (and embcli with word2vec's word-by-word learning-rate decay) train on the texts of
MR, SUBJ and TREC (26,614 lines, same tokens, min-count 2, 20 epochs, otherwise the speed settings) in one
fixed shuffled order (MR and SUBJ are sorted by label, and a document's place in the epoch leaks into its
vector: unshuffled, MR scores ~3 points higher for both tools), with --seeds seeds from --first-seed on;
each tool's trained document vectors of those lines are scored by embcli's classifier (logistic regression,
C by inner CV; stratified 10-fold CV on MR and SUBJ, the train/test split on TREC, and, as a steadier figure
for TREC's short questions, 10-fold CV over all its 5,952); the median over seeds is reported with the
range, and the mean paired difference per seed with its standard error.

The accuracy runs are saved to WORK/accuracy.json with their seeds; `--accuracy-only` runs just them (they
time nothing, so they need not hold the benchmark lock) and `--reuse-accuracy` reports the saved ones beside new
speed runs. `--tools` leaves out a tool (the word-decay one costs a third of the time and is not a target).

Usage: python bench/bench_doc2vec.py [--repeats 3] [--seeds 3] [--first-seed 1] [--work DIR]
       [--modes dbow dbow-words dm] [--tools embcli gensim word-decay]
       [--skip-accuracy | --accuracy-only | --reuse-accuracy] [--corpus ../shared/data/corpus/en-mixed-5m.txt.gz]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from harness import EMBCLI, PYTHON, REFERENCE_PREPROCESS, REPO, SHARED_CORPUS, machine, median, timed, write_section

SPEED = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "epochs": 5, "workers": 2}
MODES = {"dbow": ["--dm", "0"], "dbow-words": ["--dm", "0", "--dbow-words"], "dm": ["--dm", "1"]}
GENSIM_MODES = {"dbow": {"dm": 0}, "dbow-words": {"dm": 0, "dbow_words": 1}, "dm": {"dm": 1, "dm_mean": 1}}
CLASSIFY = REPO / "data" / "classify"
CLASSIFY_FILES = ("mr.tsv", "subj.tsv", "trec-train.tsv", "trec-test.tsv")
WORD_DECAY = "embcli --alpha-decay word"  # the learning rate down word2vec's line word by word, not per epoch
ACCURACY_COLUMNS = ("mr", "subj", "trec", "trec-cv")
TOOLS = {"embcli": "embcli", "gensim": "gensim", "word-decay": WORD_DECAY}  # --tools name: the tool's label


def options(settings: dict) -> list[str]:
    return [item for key, value in settings.items() for item in (f"--{key}", str(value))]


def embcli_train(corpus: Path, out: Path, mode: str, settings: dict) -> list[str]:
    return EMBCLI + ["train", str(corpus), "--model", "doc2vec", "-o", str(out), "--force", "-q", *MODES[mode],
                     *options(settings)]


def gensim_train(corpus: Path, out: Path, mode: str, settings: dict) -> list[str]:
    return [PYTHON, __file__, "--gensim-run", str(corpus / "corpus.txt"), str(out), mode, json.dumps(settings)]


def gensim_run(corpus_txt: str, out: str, mode: str, settings_json: str) -> None:
    """Train gensim Doc2Vec on a corpus file (tags = line numbers); save docvecs.npy; print timings as JSON."""
    import numpy as np
    from gensim.models.doc2vec import Doc2Vec

    settings = json.loads(settings_json)
    started = time.perf_counter()
    model = Doc2Vec(vector_size=settings["dim"], window=settings["window"], negative=settings["negative"], hs=0,
                    sample=settings["sample"], min_count=1, workers=settings["workers"], alpha=0.025,
                    min_alpha=0.0001, seed=settings.get("seed", 1), epochs=settings["epochs"], **GENSIM_MODES[mode])
    model.build_vocab(corpus_file=corpus_txt)
    train_started = time.perf_counter()
    model.train(corpus_file=corpus_txt, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                epochs=model.epochs)
    train_seconds = time.perf_counter() - train_started
    Path(out).mkdir(parents=True, exist_ok=True)
    np.save(Path(out) / "docvecs.npy", model.dv.vectors[: model.corpus_count].astype(np.float32))
    print(json.dumps({"train_seconds": train_seconds, "setup_seconds": train_started - started,
                      "documents": model.corpus_count}))


def file_lines(name: str) -> list[str]:
    """The lines of a classification file (split on newlines only: some texts hold other Unicode separators)."""
    return (CLASSIFY / name).read_text(encoding="utf-8").rstrip("\n").split("\n")


def prepare(work: Path, shared_corpus: Path) -> tuple[Path, Path, int]:
    """The shared corpus and the classification texts as corpus directories, and a warmed kernel cache."""
    corpus, texts, tiny = work / "corpus", work / "texts-shuffled", work / "tiny"
    if not (corpus / "manifest.json").exists():
        timed(EMBCLI + ["preprocess", str(shared_corpus), "-o", str(corpus), "--force", "-q", *REFERENCE_PREPROCESS])
    if not (texts / "manifest.json").exists():
        lines = [line.split("\t", 1)[1] for name in CLASSIFY_FILES for line in file_lines(name)]
        (work / "texts.txt").write_text("\n".join(lines[i] for i in text_order(len(lines))) + "\n", encoding="utf-8")
        at = REFERENCE_PREPROCESS.index("--min-count") + 1  # min-count 2 on this small text
        reference = [*REFERENCE_PREPROCESS[:at], "2", *REFERENCE_PREPROCESS[at + 1:]]
        timed(EMBCLI + ["preprocess", str(work / "texts.txt"), "-o", str(texts), "--force", "-q", *reference])
    if not (tiny / "manifest.json").exists():
        with gzip.open(shared_corpus, "rt", encoding="utf-8") as source:
            (work / "tiny.txt").write_text("".join(next(source) for _ in range(2000)), encoding="utf-8")
        timed(EMBCLI + ["preprocess", str(work / "tiny.txt"), "-o", str(tiny), "--force", "-q", *REFERENCE_PREPROCESS])
    for mode in MODES:  # compile (or load) the cached kernels outside the timed runs
        timed(embcli_train(tiny, work / "warm", mode, {**SPEED, "epochs": 1}))
    return corpus, texts, json.loads((corpus / "manifest.json").read_text())["counts"]["tokens_written"]


def speed(corpus: Path, tokens: int, work: Path, mode: str, repeats: int) -> dict:
    runs: dict[str, list[dict]] = {"embcli": [], "gensim": []}
    for _ in range(repeats):  # interleaved, so both tools see the same machine load
        run = timed(embcli_train(corpus, work / "d2v-embcli", mode, SPEED))
        manifest = json.loads((work / "d2v-embcli" / "manifest.json").read_text())
        runs["embcli"].append({"wall": run.seconds, "train": manifest["timings"]["train_seconds"], "rss": run.peak_rss_mb})
        run = timed(gensim_train(corpus, work / "d2v-gensim", mode, SPEED))
        runs["gensim"].append({"wall": run.seconds, "train": run.json()["train_seconds"], "rss": run.peak_rss_mb})
    words = tokens * SPEED["epochs"]
    summary = {tool: {"words_per_second": median([words / r["train"] for r in rs]),
                      "range": [round(min(words / r["train"] for r in rs)), round(max(words / r["train"] for r in rs))],
                      "wall": median([r["wall"] for r in rs]), "rss": median([r["rss"] for r in rs])}
               for tool, rs in runs.items()}
    ratios = [(words / e["train"]) / (words / g["train"]) for e, g in zip(runs["embcli"], runs["gensim"])]
    summary["ratio"], summary["ratio_range"] = median(ratios), [min(ratios), max(ratios)]
    return summary


def text_order(n_lines: int) -> list[int]:
    """The fixed shuffled order in which both tools see the classification texts (line k of texts.txt)."""
    import numpy as np

    return np.random.default_rng(0).permutation(n_lines).tolist()


def document_accuracy(texts: Path, work: Path, seeds: list[int], tools: list[str]) -> dict:
    """MR and SUBJ (10-fold CV) and TREC (train/test) accuracy of each tool's trained document vectors, per seed.

    Returns {"seeds": [...], "scores": {tool: {column: [one figure per seed]}}}.
    """
    import numpy as np

    sys.path.insert(0, str(REPO))
    from embcli.evaluation.classification import cross_validated_accuracies, make_classifier, quiet_single_threaded_fits

    sizes = [len(file_lines(name)) for name in CLASSIFY_FILES]
    starts = np.cumsum([0] + sizes)
    # document k is line lines.npy[k] of the shuffled texts.txt, which is line text_order[...] of the files
    line_of_doc = np.asarray(text_order(int(starts[-1])))[np.load(texts / "lines.npy")]
    labels = [[line.split("\t", 1)[0] for line in file_lines(name)] for name in CLASSIFY_FILES]
    scores: dict[str, dict[str, list[float]]] = {TOOLS[tool]: {column: [] for column in ACCURACY_COLUMNS}
                                                 for tool in tools}
    for seed in seeds:
        settings = {**SPEED, "epochs": 20, "seed": seed}
        trainers = {"embcli": embcli_train(texts, work / "texts-embcli", "dbow", settings),
                    "gensim": gensim_train(texts, work / "texts-gensim", "dbow", settings),
                    WORD_DECAY: embcli_train(texts, work / f"texts-{WORD_DECAY}", "dbow", settings)
                    + ["--alpha-decay", "word"]}
        for tool in scores:
            timed(trainers[tool])
        for tool, score in scores.items():
            docvecs = np.load(work / f"texts-{tool}" / "docvecs.npy")
            rows = np.zeros((starts[-1], docvecs.shape[1]), dtype=np.float32)
            rows[line_of_doc] = docvecs  # a line with no token left keeps a zero row, for both tools
            part = [rows[starts[i]:starts[i + 1]] for i in range(len(CLASSIFY_FILES))]
            score["mr"].append(float(np.mean(cross_validated_accuracies(part[0], labels[0]))))
            score["subj"].append(float(np.mean(cross_validated_accuracies(part[1], labels[1]))))
            with quiet_single_threaded_fits():
                model = make_classifier().fit(part[2], np.asarray(labels[2]))
                score["trec"].append(float(np.mean(model.predict(part[3]) == np.asarray(labels[3]))))
            score["trec-cv"].append(float(np.mean(cross_validated_accuracies(np.concatenate(part[2:]),
                                                                             labels[2] + labels[3]))))
            print(json.dumps({"seed": seed, "tool": tool, **{k: v[-1] for k, v in score.items()}}), flush=True)
    return {"seeds": seeds, "scores": scores}


def report(speeds: dict[str, dict], accuracy: dict | None, command: str, started_machine: str) -> str:
    lines = ["## Doc2Vec: embcli's kernels vs gensim Doc2Vec corpus_file", "",
             f"Machine: {started_machine}. Command: {command}.",
             "Shared corpus as documents (one per line, 4.69M tokens), dim 100, window 5, negative 5, sample 1e-3, "
             "5 epochs, 2 workers; words/s over each tool's training loop, median of interleaved runs (range).", "",
             "| mode | embcli words/s | gensim words/s | ratio (range) | wall s embcli / gensim | peak RSS MB |",
             "|---|---|---|---|---|---|"]
    for mode, s in speeds.items():
        e, g = s["embcli"], s["gensim"]
        lines.append(f"| {mode} | {e['words_per_second']:,.0f} ({e['range'][0]:,}-{e['range'][1]:,}) | "
                     f"{g['words_per_second']:,.0f} ({g['range'][0]:,}-{g['range'][1]:,}) | "
                     f"{s['ratio']:.2f}x ({s['ratio_range'][0]:.2f}-{s['ratio_range'][1]:.2f}) | "
                     f"{e['wall']:.1f} / {g['wall']:.1f} | {e['rss']:.0f} / {g['rss']:.0f} |")
    if accuracy:
        seeds, accuracy = accuracy["seeds"], accuracy["scores"]
        lines += ["", f"Document vectors trained on the MR+SUBJ+TREC texts in one fixed shuffled order (PV-DBOW, 20 "
                      f"epochs, {len(seeds)} seeds: {seed_span(seeds)}), same classifier (logistic regression, C by "
                      "inner CV; 10-fold CV on MR/SUBJ, train/test on TREC, and 10-fold CV over all of TREC); median "
                      "over seeds (range):", "",
                  "| tool | MR | SUBJ | TREC | TREC, 10-fold CV of all 5,952 |", "|---|---|---|---|---|"]
        for tool, s in accuracy.items():
            lines.append(f"| {tool} | " + " | ".join(f"{median(s[k]):.1%} ({min(s[k]):.1%}-{max(s[k]):.1%})"
                                                     if s.get(k) else "-" for k in ACCURACY_COLUMNS) + " |")
        for other in [tool for tool in ("gensim", WORD_DECAY) if tool in accuracy and "embcli" in accuracy]:
            pairs = [f"{k.upper()} {paired(accuracy, k, other)}" for k in ACCURACY_COLUMNS if accuracy["embcli"].get(k)]
            lines += ["", f"Paired per seed (embcli - {other}), mean and its standard error, in points: "
                      + ", ".join(pairs) + "."]
    return "\n".join(lines)


def seed_span(seeds: list[int]) -> str:
    """Seeds as a range when they are consecutive.

    >>> seed_span([11, 12, 13]), seed_span([1, 5])
    ('11-13', '1, 5')
    """
    consecutive = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    return f"{seeds[0]}-{seeds[-1]}" if consecutive and len(seeds) > 1 else ", ".join(map(str, seeds))


def paired(accuracy: dict, key: str, other: str = "gensim") -> str:
    """The mean per-seed difference embcli - other, in points, with its standard error."""
    import statistics

    differences = [100 * (e - g) for e, g in zip(accuracy["embcli"][key], accuracy[other][key])]
    error = statistics.stdev(differences) / len(differences) ** 0.5 if len(differences) > 1 else float("nan")
    return f"{statistics.mean(differences):+.2f} +/- {error:.2f}"


def accuracy_options(accuracy: dict) -> str:
    """The options that reproduce a saved accuracy run."""
    seeds, tools = accuracy["seeds"], [name for name, label in TOOLS.items() if label in accuracy["scores"]]
    first = f" --first-seed {seeds[0]}" if seeds[0] != 1 else ""
    return f"--seeds {len(seeds)}{first}" + (f" --tools {' '.join(tools)}" if tools != list(TOOLS) else "")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--gensim-run":
        gensim_run(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/embcli-bench-doc2vec"))
    parser.add_argument("--modes", nargs="*", default=["dbow"], choices=list(MODES))
    parser.add_argument("--seeds", type=int, default=3, help="training seeds of the accuracy comparison")
    parser.add_argument("--first-seed", type=int, default=1, help="the first of those seeds")
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=list(TOOLS),
                        help="the tools of the accuracy comparison (embcli and gensim are the target's)")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--accuracy-only", action="store_true", help="run the accuracy comparison only (no timing)")
    parser.add_argument("--reuse-accuracy", action="store_true", help="report WORK/accuracy.json, do not re-run it")
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS, help="the shared corpus (.txt.gz)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started_machine = machine()
    corpus, texts, tokens = prepare(args.work, args.corpus)
    saved = args.work / "accuracy.json"
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if args.accuracy_only:
        saved.write_text(json.dumps(document_accuracy(texts, args.work, seeds, args.tools)))
        print(saved.read_text())
        return
    speeds = {mode: speed(corpus, tokens, args.work, mode, args.repeats) for mode in args.modes}
    if args.reuse_accuracy:
        accuracy = json.loads(saved.read_text()) if saved.exists() else None
    else:
        accuracy = None if args.skip_accuracy else document_accuracy(texts, args.work, seeds, args.tools)
        if accuracy:
            saved.write_text(json.dumps(accuracy))
    command = f"`python bench/bench_doc2vec.py --repeats {args.repeats}"
    if args.reuse_accuracy and accuracy:  # the accuracy runs came from an earlier --accuracy-only
        command = (f"`python bench/bench_doc2vec.py --accuracy-only {accuracy_options(accuracy)}`, "
                   f"then {command} --reuse-accuracy`")
    else:
        command += f" {accuracy_options(accuracy)}`" if accuracy else "`"
    markdown = report(speeds, accuracy, command, started_machine)
    print(markdown)
    write_section("doc2vec", markdown)


if __name__ == "__main__":
    main()
