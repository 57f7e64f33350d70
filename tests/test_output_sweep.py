"""Every command that writes something, against every output-safety rule.

One table (`WRITERS`) lists each command and output form: directories
(preprocess, phrases, cooccur, train of each model, export to a directory,
index, quantize) and files (export to one file, embed, eval --output, plot),
plus the auxiliary outputs (GloVe's checkpoint directory). Each rule is a test
parametrised over the table, so a command added later without going through
`embcli.artifacts` shows up here. Inputs are tiny (a few hundred lines, 8
dimensions, one epoch) so the whole file stays fast.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import topic_sentences
from test_disk_full import tmpfs
from embcli.artifacts import staging as staging_module
from embcli.cli import main

PRECIOUS = "years of work\n"


@dataclass(frozen=True)
class Models:
    text: Path
    texts: Path
    corpus: Path
    sg: Path
    ft: Path
    d2v: Path
    pairs: Path


@dataclass(frozen=True)
class Writer:
    """A command writing one output: its arguments for an output path, and what it reads."""

    name: str
    args: Callable[[Models, Path], list]
    suffix: str = ""  # "" for a directory output, else the file suffix
    reads: Callable[[Models], Path] = lambda m: m.sg  # the input directory an output must stay out of
    option: str = "-o"
    inside_input: bool = False  # may lie inside its input (a co-occurrence matrix beside its corpus: the cache place)
    auxiliary: bool = False  # a path an option names besides the output: a dangling symlink is refused, --force or not

    @property
    def is_file(self) -> bool:
        return bool(self.suffix)


def _train(model: str, *extra: str) -> Callable[[Models, Path], list]:
    return lambda m, out: ["train", m.corpus, "--model", model, "--dim", "8", "--epochs", "1", "--workers", "1",
                           *extra, "-o", out]


def _export(fmt: str, source: str = "sg") -> Callable[[Models, Path], list]:
    return lambda m, out: ["export", getattr(m, source), "--format", fmt, "-o", out]


WRITERS = [
    Writer("preprocess", lambda m, out: ["preprocess", m.texts, "--min-count", "1", "--workers", "1", "-o", out],
           reads=lambda m: m.texts),
    Writer("phrases", lambda m, out: ["phrases", m.corpus, "--min-count", "2", "-o", out], reads=lambda m: m.corpus),
    Writer("cooccur", lambda m, out: ["cooccur", m.corpus, "--window", "2", "-o", out], reads=lambda m: m.corpus,
           inside_input=True),
    Writer("train-skipgram", _train("skipgram"), reads=lambda m: m.corpus),
    Writer("train-cbow", _train("cbow"), reads=lambda m: m.corpus),
    Writer("train-fasttext", _train("fasttext", "--buckets", "300"), reads=lambda m: m.corpus),
    Writer("train-glove", _train("glove", "--window", "2"), reads=lambda m: m.corpus),
    Writer("train-doc2vec", _train("doc2vec"), reads=lambda m: m.corpus),
    Writer("glove-checkpoint", lambda m, out: [*_train("glove", "--window", "2", "--checkpoint-every", "1")(m, out.parent / "vectors-of-checkpoint"), "--checkpoint-dir", out],
           reads=lambda m: m.corpus, option="--checkpoint-dir", auxiliary=True),
    Writer("export-npy", _export("npy")),
    Writer("export-safetensors", _export("safetensors")),
    Writer("export-projector", _export("projector")),
    Writer("export-word2vec", _export("word2vec"), suffix=".vec"),
    Writer("export-glove", _export("glove"), suffix=".txt"),
    Writer("export-word2vec-binary", _export("word2vec-binary"), suffix=".bin"),
    Writer("export-fasttext-bin", _export("fasttext-bin", "ft"), suffix=".bin", reads=lambda m: m.ft),
    Writer("index", lambda m, out: ["index", m.sg, "-o", out]),
    Writer("quantize-int8", lambda m, out: ["quantize", m.sg, "--no-eval", "-o", out]),
    Writer("quantize-pq", lambda m, out: ["quantize", m.sg, "--method", "pq", "--iterations", "2", "--no-eval",
                                          "-o", out]),
    Writer("quantize-fasttext", lambda m, out: ["quantize", m.ft, "--no-eval", "-o", out], reads=lambda m: m.ft),
    Writer("embed", lambda m, out: ["embed", m.sg, m.text, "-o", out], suffix=".npy"),
    Writer("embed-infer", lambda m, out: ["embed", m.d2v, m.text, "--pool", "infer", "--infer-epochs", "1", "-o", out],
           suffix=".npy", reads=lambda m: m.d2v),
    Writer("eval-output", lambda m, out: ["eval", m.sg, "--similarity", m.pairs, "--output", out], suffix=".json", option="--output"),
    Writer("plot-png", lambda m, out: ["plot", m.sg, "--top", "10", "-o", out], suffix=".png"),
    Writer("plot-svg", lambda m, out: ["plot", m.sg, "--top", "10", "-o", out], suffix=".svg"),
]
IDS = [writer.name for writer in WRITERS]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args] + ["-q"], catch_exceptions=False)


def succeeded(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def one_error_line(result: Result) -> str:
    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    root = tmp_path_factory.mktemp("sweep-inputs")
    texts = root / "texts"
    texts.mkdir()
    text = texts / "topics.txt"
    text.write_text("\n".join(topic_sentences(400)) + "\n", encoding="utf-8")
    (root / "pairs.tsv").write_text("cat\tdog\t9\ncar\tbus\t8\ncat\tcar\t1\n", encoding="utf-8")
    corpus = root / "corpus"
    succeeded(invoke("preprocess", text, "--min-count", "1", "--workers", "1", "-o", corpus))
    partial = Models(text, texts, corpus, root, root, root, root / "pairs.tsv")
    for name, model, extra in (("sg", "skipgram", ()), ("ft", "fasttext", ("--buckets", "300")), ("d2v", "doc2vec", ())):
        succeeded(invoke(*_train(model, *extra)(partial, root / name)))
    return Models(text, texts, corpus, root / "sg", root / "ft", root / "d2v", root / "pairs.tsv")


def output_path(directory: Path, writer: Writer) -> Path:
    return directory / f"out{writer.suffix}"


def write(writer: Writer, models: Models, out: Path, *extra: str) -> Result:
    return invoke(*writer.args(models, out), *extra)


def leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if ".tmp-" in name or ".old-" in name)


def snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
@pytest.mark.parametrize("mine", ["directory", "file"])
def test_what_the_user_has_is_never_replaced_even_with_force(writer: Writer, models: Models, tmp_path: Path,
                                                             mine: str) -> None:
    out = output_path(tmp_path, writer)
    if mine == "directory":
        out.mkdir()
        (out / "thesis.tex").write_text(PRECIOUS)
    else:
        out.write_text(PRECIOUS)
    before = snapshot(out)
    for force in ((), ("--force",)):
        one_error_line(write(writer, models, out, *force))
        assert snapshot(out) == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_its_own_output_is_replaced_only_with_force(writer: Writer, models: Models, tmp_path: Path) -> None:
    out = output_path(tmp_path, writer)
    succeeded(write(writer, models, out))
    assert "already exists" in one_error_line(write(writer, models, out))
    succeeded(write(writer, models, out, "--force"))
    assert out.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_an_output_equal_to_or_inside_an_input_is_refused(writer: Writer, models: Models) -> None:
    source = writer.reads(models)
    before = snapshot(source)
    candidates = ([] if writer.inside_input else [source / f"inside{writer.suffix}"]) + ([] if writer.is_file else [source])
    for out in candidates:
        message = one_error_line(write(writer, models, out, "--force"))
        assert "input" in message, message
    assert snapshot(source) == before and leftovers(source) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_a_dangling_symlink_is_replaced_only_with_force_and_its_target_never_made(writer: Writer, models: Models,
                                                                                  tmp_path: Path) -> None:
    out = output_path(tmp_path, writer)
    target = tmp_path / "elsewhere" / "deep" / out.name
    out.symlink_to(target)
    assert "dangling symlink" in one_error_line(write(writer, models, out))
    assert out.is_symlink()
    if writer.auxiliary:
        assert "dangling symlink" in one_error_line(write(writer, models, out, "--force"))
    else:
        succeeded(write(writer, models, out, "--force"))
        assert out.exists() and not out.is_symlink()
    assert not (tmp_path / "elsewhere").exists() and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def other_filesystem() -> Path:
    root = Path("/dev/shm")
    if not root.is_dir() or os.stat(root).st_dev == os.stat(Path(__file__)).st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    return root


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_a_symlink_onto_another_filesystem_is_replaced_beside_its_name(writer: Writer, models: Models, tmp_path: Path,
                                                                       other_filesystem: Path) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(dir=other_filesystem) as elsewhere:
        target = output_path(Path(elsewhere), writer)
        succeeded(write(writer, models, target))
        before = snapshot(target)
        out = output_path(tmp_path, writer)
        out.symlink_to(target)
        succeeded(write(writer, models, out, "--force"))
        assert out.exists() and not out.is_symlink()
        assert snapshot(target) == before and leftovers(Path(elsewhere)) == []
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_a_failed_final_rename_keeps_what_was_there(writer: Writer, models: Models, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = output_path(tmp_path, writer)
    succeeded(write(writer, models, out))
    before = snapshot(out)
    real_replace = os.replace

    def cross_device(source, destination):
        if ".tmp-" in os.fspath(source) and ".tmp-" not in os.fspath(destination):
            raise OSError(errno.EXDEV, "Invalid cross-device link", os.fspath(source), None, os.fspath(destination))
        return real_replace(source, destination)

    monkeypatch.setattr(staging_module.os, "replace", cross_device)
    one_error_line(write(writer, models, out, "--force"))
    assert snapshot(out) == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_outputs_honour_the_umask(writer: Writer, models: Models, tmp_path: Path) -> None:
    out = output_path(tmp_path, writer)
    previous = os.umask(0o027)
    try:
        succeeded(write(writer, models, out))
    finally:
        os.umask(previous)
    made = [out] + ([] if writer.is_file else sorted(out.rglob("*")))
    if writer.name == "embed" or writer.name == "embed-infer":
        made.append(out.with_name(out.name + ".json"))
    modes = {str(p): oct(p.stat().st_mode & 0o777) for p in made}
    wanted = {str(p): oct(0o750 if p.is_dir() else 0o640) for p in made}
    assert modes == wanted


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_staging_left_by_a_killed_run_is_removed_by_the_next_run(writer: Writer, models: Models, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    out = output_path(tmp_path, writer)
    stale_dir = tmp_path / f".{out.name}.tmp-{dead.pid}-abc"
    stale_dir.mkdir()
    (stale_dir / ".embcli-staging").write_text(f"{dead.pid}\n")
    (stale_dir / "ids.npy").write_bytes(b"x" * 100)
    (tmp_path / f".{out.name}.tmp-{dead.pid}-rows-xyz").write_bytes(b"x")
    succeeded(write(writer, models, out))
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_an_output_name_cannot_inject_a_line(writer: Writer, models: Models, tmp_path: Path) -> None:
    out = output_path(tmp_path, Writer("x", writer.args, suffix=writer.suffix)).with_name(f"a\nError: fake{writer.suffix}")
    out.mkdir() if not writer.is_file else out.write_text(PRECIOUS)
    (out / "mine").write_text(PRECIOUS) if not writer.is_file else None
    assert "\\n" in one_error_line(write(writer, models, out, "--force"))


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory):
    with tmpfs(tmp_path_factory.mktemp("small-disk"), "64k") as mount_point:
        yield mount_point


def fill(disk: Path) -> Path:
    """Leave no free byte on `disk`."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(descriptor)
    return filler


@pytest.mark.parametrize("writer", WRITERS, ids=IDS)
def test_a_full_disk_is_one_line_naming_the_output_and_the_bytes(writer: Writer, models: Models, small_disk: Path) -> None:
    out = output_path(small_disk / writer.name, writer)
    out.parent.mkdir()
    filler = fill(small_disk)
    try:
        message = one_error_line(write(writer, models, out))
    finally:
        filler.unlink()
    assert str(out) in message and "bytes" in message and "space" in message, message
    assert os.listdir(out.parent) == []
