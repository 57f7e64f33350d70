"""Which module registers each command on the `main` group; each is imported when its command is used."""

from embcli.cli.group import main

COMMAND_MODULES = {
    "preprocess": "embcli.cli.preprocess",
    "phrases": "embcli.cli.phrases",
    "cooccur": "embcli.cli.cooccur",
    "train": "embcli.cli.train",
    "eval": "embcli.cli.evaluate",
    "neighbors": "embcli.cli.queries",
    "analogy": "embcli.cli.queries",
    "similarity": "embcli.cli.queries",
    "doesnt-match": "embcli.cli.queries",
    "vectors": "embcli.cli.vectors",
    "embed": "embcli.cli.embed",
    "export": "embcli.cli.export",
    "quantize": "embcli.cli.quantize",
    "index": "embcli.cli.index",
    "plot": "embcli.cli.plot",
}
main.commands.defer(COMMAND_MODULES)

__all__ = ["COMMAND_MODULES", "main"]
