"""Shared benchmark plumbing: timed subprocesses, machine description, BENCHMARKS.md sections.

Every figure is a whole process (start-up, imports and JIT included), timed by
wall clock, with its peak RSS read from the kernel (`wait4`), so numbers are
what a user of the command would see.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = Path(os.environ.get("EMBCLI_SHARED_DATA", REPO.parent / "shared" / "data")) / "corpus" / "en-mixed-5m.txt.gz"
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
PYTHON = sys.executable
EMBCLI = [PYTHON, "-m", "embcli"]
# The tokenization every reference figure was measured on: lowercased [a-z0-9']+ tokens, min-count 5.
REFERENCE_PREPROCESS = ["--token-pattern", "[a-z0-9']+", "--min-count", "5", "--oov", "drop", "--no-nfkc"]


@dataclass
class Run:
    command: list[str]
    seconds: float
    peak_rss_mb: float
    stdout: str
    cpu_seconds: float = 0.0  # user + system time of the process: what a loaded machine's wall clock hides

    def json(self) -> dict:
        return json.loads(self.stdout)


def timed(command: list[str], *, env: dict[str, str] | None = None, stdin: Path | None = None) -> Run:
    """Run a command to completion (stdin from a file if given); fail loudly with its stderr if it fails.

    Output goes to temporary files, so a command that prints a lot never blocks on a full pipe.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            open(stdin if stdin is not None else os.devnull, "rb") as source:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=source if stdin is not None else None, stdout=out, stderr=err,
                                   env={**os.environ, **(env or {})})
        # wait4 gives this child's own peak RSS (KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"benchmark command failed ({code}): {shlex.join(command)}\n{stderr[-3000:]}")
    return Run(command, seconds, usage.ru_maxrss / 1024.0, stdout, usage.ru_utime + usage.ru_stime)


def byte_compile_embcli() -> None:
    """Compile embcli's modules to bytecode, as installing it does (this checkout may never have written any)."""
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "embcli")], check=True)


def median_run(command: list[str], repeats: int) -> tuple[Run, list[float]]:
    """Run `repeats` times; return the run with the median time and all times."""
    runs = sorted((timed(command) for _ in range(repeats)), key=lambda run: run.seconds)
    return runs[len(runs) // 2], [round(run.seconds, 2) for run in runs]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()} {cpu}, {len(os.sched_getaffinity(0))} cores{memory}; "
            f"Python {platform.python_version()}; load average at start {load:.2f}")


def eval_scores(vectors: Path) -> dict[str, float]:
    """Google analogy (30k restriction), WS-353 and SimLex-999 with `embcli eval --json`."""
    report = timed(EMBCLI + ["eval", str(vectors), "--suite", "standard", "--method", "3cosadd", "--json", "-q"]).json()
    return summarize_eval(report)


def summarize_eval(report: dict) -> dict[str, float]:
    """Pick the headline numbers out of an eval report, whatever its exact nesting."""
    scores: dict[str, float] = {}
    for item in report.get("similarity", []):
        name = item.get("name", "")
        if name in ("ws353", "simlex999"):
            scores[name] = round(item["spearman"], 3)
    for item in report.get("analogy", []):
        if item.get("name") == "google":
            scores["google"] = round(100 * item["methods"]["3cosadd"]["total"]["accuracy"], 2)
            scores["google_answered"] = item["answered"]
    return scores


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section between `<!-- bench:name -->` markers in BENCHMARKS.md."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# embcli benchmarks\n\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


def median(values: list[float]) -> float:
    return statistics.median(values)
