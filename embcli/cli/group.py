"""The `embcli` click group: one-line errors, SIGTERM handled like Ctrl-C.

Heavy libraries (gensim, numba, scikit-learn) are imported inside commands,
so `embcli --help` stays fast. The group prints every error as one line
(usage errors and library warnings too: no `Usage:`/`Try` lines), and makes SIGTERM behave like
Ctrl-C: one line, staged outputs removed, exit 143 (130 for Ctrl-C).
Command modules import `main` from here and register themselves on it;
`embcli.cli.commands` tells the group which module holds which command, and
the group imports a module only when its command is asked for (so
`embcli neighbors` imports the query modules and nothing else).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import click

from embcli.version import __version__
from embcli.cli.common import INTERRUPTED_CODES, install_signal_handlers, interrupted_exit, one_line
from embcli.cli.options import EmbcliCommand
from embcli.cli.startup import exit_on_signal_while_loading


def show_warning_line(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      file: Any = None, line: str | None = None) -> None:
    """A library's warning as one line on stderr (Python prints the warning and its source line: two)."""
    click.echo(f"warning: {one_line(message)}", err=True)


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands, each module imported when one of its commands is first looked up.

    `defer({name: module})` names the module that registers each command; looking
    up one name imports its module only, while listing the commands (`--help`)
    imports every module.
    """

    def __init__(self) -> None:
        self._registered: dict[str, click.Command] = {}
        self._modules: dict[str, str] = {}

    def defer(self, modules: Mapping[str, str]) -> None:
        self._modules.update(modules)

    def _load(self, name: str) -> None:
        module = self._modules.get(name)
        if name not in self._registered and module is not None:
            with exit_on_signal_while_loading():  # nothing is written yet: a signal ends the process at once
                importlib.import_module(module)

    def __getitem__(self, name: str) -> click.Command:
        self._load(name)
        return self._registered[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._registered[name] = command

    def __delitem__(self, name: str) -> None:
        del self._registered[name]
        self._modules.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        for name in list(self._modules):
            self._load(name)
        return iter(dict(self._registered))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class EmbcliGroup(click.Group):
    """A click group whose errors are one line on stderr, whose commands are `EmbcliCommand`s, loaded lazily."""

    command_class = EmbcliCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands()  # type: ignore[assignment]

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

