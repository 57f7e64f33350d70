"""What every command shares: error mapping, common options, output helpers."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from embcli.artifacts import disk_full_error
from embcli.cli.options import option
from embcli.errors import ConfigError, EmbcliError
from embcli.progress import Progress, escape_controls

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, `docker stop`), raised like Ctrl-C so every staged output is cleaned up."""


INTERRUPTED_MESSAGE = "Interrupted; no output was written."
DEBUG_VARIABLE = "EMBCLI_DEBUG"  # set: unexpected errors show their traceback
INTERRUPTED_CODES = (128 + signal.SIGINT, 128 + signal.SIGTERM)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def install_signal_handlers() -> None:
    """SIGTERM ends a command the way Ctrl-C does (exit 143 instead of 130); neither is lost in a C callback."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
        sys.unraisablehook = _redeliver_lost_interruption


def _redeliver_lost_interruption(unraisable: Any) -> None:
    """A Ctrl-C or SIGTERM that arrives in a C callback (LLVM compiling a numba kernel on a first run) raises
    there, and Python prints the exception as "ignored" and goes on. Say nothing and send the signal again a
    moment later, when it lands in Python code that can raise it; any other unraisable is reported as usual."""
    lost_in_llvm = "llvmlite" in (getattr(unraisable.object, "__module__", None) or "")
    if lost_in_llvm and unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        signum = signal.SIGTERM if issubclass(unraisable.exc_type, Terminated) else signal.SIGINT
        timer = threading.Timer(0.05, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    sys.__unraisablehook__(unraisable)


def interrupted_exit(exc: KeyboardInterrupt) -> NoReturn:
    """Print the one interruption line and exit 128 + the signal number."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up message
    click.echo(INTERRUPTED_MESSAGE, err=True)
    sys.exit(128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT))


def interruption_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an exception stands for, if any.

    A signal that arrives inside compiled code (a numba kernel, a C extension)
    can come out as another error, e.g. numba's "SystemError: ... returned a
    result with an exception set", with the KeyboardInterrupt as its context.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def one_line(text: object) -> str:
    r"""`text` with control characters escaped, so user text (a file name, a token) cannot start a new line.

    >>> one_line("bad\nError: fake")
    'bad\\nError: fake'
    """
    return escape_controls(text)


def os_error_message(exc: OSError) -> str:
    """`path: reason` for an OSError, with both paths of a failed rename.

    >>> os_error_message(PermissionError(13, "Permission denied", "out/vectors.npy"))
    'out/vectors.npy: Permission denied'
    """
    paths = " -> ".join(str(name) for name in (exc.filename, exc.filename2) if name is not None)
    reason = exc.strerror or str(exc)
    return f"{paths}: {reason}" if paths else reason


def unexpected_error_message(exc: Exception) -> str:
    """One line for an error embcli did not foresee: what it was, and how to get the traceback for a report.

    >>> unexpected_error_message(ValueError("expected non-negative integer"))
    'unexpected ValueError: expected non-negative integer (a bug in embcli: rerun with EMBCLI_DEBUG=1 for the traceback and report it)'
    """
    return (f"unexpected {type(exc).__name__}: {exc} (a bug in embcli: rerun with {DEBUG_VARIABLE}=1 for the "
            "traceback and report it)")


def handle_errors(func: F) -> F:
    """Turn embcli's domain errors into one-line click errors (no traceback).

    ConfigError is a usage problem (exit 2); other EmbcliErrors exit 1;
    Ctrl-C and SIGTERM exit 130/143 after staged outputs have been cleaned up;
    any other error is one line too (exit 1), its traceback shown only with EMBCLI_DEBUG=1.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise click.UsageError(one_line(exc)) from None
        except EmbcliError as exc:
            raise click.ClickException(one_line(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory: the input or the options need more memory than is free; "
                                       "lower --memory-mb/--workers/--dim or use a smaller input") from None
        except KeyboardInterrupt as exc:
            interrupted_exit(exc)
        except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly, as Unix tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except OSError as exc:  # a full disk outside any staged output (stages convert their own), or another
            if (signal_exc := interruption_behind(exc)) is not None:  # failure of the system: one line
                interrupted_exit(signal_exc)
            full = disk_full_error(exc, Path(kwargs.get("output") or "."))
            raise click.ClickException(one_line(full if full is not None else os_error_message(exc))) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if (signal_exc := interruption_behind(exc)) is not None:
                interrupted_exit(signal_exc)
            if os.environ.get(DEBUG_VARIABLE):
                raise
            raise click.ClickException(one_line(unexpected_error_message(exc))) from None

    return wrapper  # type: ignore[return-value]


def output_option(required: bool = True, help: str = "Output directory.") -> Callable[[F], F]:
    return click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=required, help=help)


force_option = click.option("--force", is_flag=True, help="Replace an existing output.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar or status lines on stderr.")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
workers_option = option("--workers", type=int, default=None, show_default="all cores",
                              help="Threads/processes to use (checked by the stage's config).")
seed_option = option("--seed", type=int, default=None, show_default="1", help="Random seed.")


def progress_from(quiet: bool) -> Progress:
    return Progress(quiet=quiet)


def echo_status(line: object) -> None:
    """A status or note line on stderr, user text in it escaped (`Wrote a\\nb`, never two lines)."""
    click.echo(one_line(line), err=True)


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, default=str))
