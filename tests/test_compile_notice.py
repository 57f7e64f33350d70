"""The one-time notice while numba compiles a kernel on first use."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from embcli.kernels.compile_notice import announce_compilation, is_compiled
from embcli.progress import Progress


def _kernel_module(directory: Path):  # type: ignore[no-untyped-def]
    source = directory / "fresh_kernels.py"
    source.write_text("import numba\n\n@numba.njit(cache=True)\ndef double(x):\n    return 2 * x\n")
    spec = importlib.util.spec_from_file_location("fresh_kernels", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fresh_kernels"] = module
    spec.loader.exec_module(module)
    return module


def test_a_kernel_is_announced_until_its_first_compilation_is_cached(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    module = _kernel_module(tmp_path)
    assert not is_compiled(module.double)
    announce_compilation(Progress(), [module.double], "test")
    assert "compiling embcli's test kernels" in capsys.readouterr().err
    assert module.double(21) == 42
    assert is_compiled(module.double)
    announce_compilation(Progress(), [module.double], "test")
    announce_compilation(Progress(quiet=True), [], "test")
    assert capsys.readouterr().err == ""
