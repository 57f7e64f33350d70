"""What every command shares: error mapping, common options, output helpers."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from embcli.cli.options import option
from embcli.errors import ConfigError, EmbcliError
from embcli.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn embcli's domain errors into one-line click errors (no traceback).

    ConfigError is a usage problem (exit 2); other EmbcliErrors exit 1;
    Ctrl-C exits 130 after staged outputs have been cleaned up.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        except EmbcliError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory; lower --memory-mb/--workers or use a smaller input") from None
        except KeyboardInterrupt:
            click.echo("Interrupted; no output was written.", err=True)
            sys.exit(130)

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


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, default=str))
