"""The `embcli` click group: one-line errors, SIGTERM handled like Ctrl-C.

Heavy libraries (gensim, numba, scikit-learn) are imported inside commands,
so `embcli --help` stays fast. The group prints every error as one line
(usage errors and library warnings too: no `Usage:`/`Try` lines), and makes SIGTERM behave like
Ctrl-C: one line, staged outputs removed, exit 143 (130 for Ctrl-C).
Command modules import `main` from here; `embcli.cli` registers them all.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import click

from embcli.version import __version__
from embcli.cli.common import INTERRUPTED_CODES, install_signal_handlers, interrupted_exit, one_line
from embcli.cli.options import EmbcliCommand


def show_warning_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    """A library's warning as one line on stderr (Python prints the warning and its source line: two)."""
    click.echo(f"warning: {one_line(message)}", err=True)


class EmbcliGroup(click.Group):
    """A click group whose errors are one line on stderr, and whose commands are `EmbcliCommand`s."""

    command_class = EmbcliCommand

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        install_signal_handlers()
        warnings.showwarning = show_warning_line
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except SystemExit as exc:
            if args is None and exc.code in INTERRUPTED_CODES:
                # A real command line: staged outputs are already removed; do not wait for compute threads
                # (numba, thread pools) to finish their current block before the process ends.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(exc.code))
            raise
        except click.exceptions.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):
                interrupted_exit(exc.__context__)
            click.echo("Error: aborted", err=True)
            sys.exit(1)
        except KeyboardInterrupt as exc:
            interrupted_exit(exc)
        except click.ClickException as exc:
            click.echo(f"Error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=EmbcliGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="embcli")
def main() -> None:
    """Turn raw text into word embeddings and measure how good they are.

    \b
    Typical pipeline:
      embcli preprocess corpus.txt.gz -o work/corpus
      embcli train work/corpus --model skipgram -o work/sg
      embcli eval work/sg --suite standard
    """

