"""The `embcli` command line: the group (`embcli.cli.group`) with every command registered on it."""

from embcli.cli.startup import exit_on_signal_while_loading

with exit_on_signal_while_loading():
    from embcli.cli.commands import main

__all__ = ["main"]
