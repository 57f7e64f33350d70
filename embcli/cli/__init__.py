"""The `embcli` command line: the group (`embcli.cli.group`) with every command registered on it."""

from embcli.cli.commands import main

__all__ = ["main"]
