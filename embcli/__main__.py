"""`python -m embcli` runs the CLI (used by benchmarks to time whole processes)."""

from embcli.cli import main

main()
