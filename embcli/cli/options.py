"""What every command's option parsing shares: help in sections, and the option names users bring.

People arrive with word2vec's, fastText's, GloVe's and gensim's spellings
(`-size 300`, `--lr`, `-cbow 1`, `--min_count`). Before click parses (and
suggests something unrelated), `EmbcliCommand` looks for them and says in one
line which embcli option it is, and on which command it lives:

>>> foreign_option_message(["--size", "300"], "train", {"train": {"--dim"}})
'--size is --dim in embcli (embcli train ... --dim 300)'
>>> foreign_option_message(["--min-count", "10"], "train", {"train": {"--dim"}, "preprocess": {"--min-count"}})
'--min-count is a preprocess option (embcli preprocess ... --min-count 10)'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import click

from embcli.progress import escape_controls

# Foreign spelling (normalized: no dashes, lower-case, words joined by "-") -> embcli option, given the value
# that followed it (None if there was none). Own names spelled with one dash (-window 5) are found without a row.
Translate = Callable[[str | None], str]


def _renamed(option: str) -> Translate:
    return lambda value: option if value is None else f"{option} {value}"


def _switch(on: str, off: str) -> Translate:
    """word2vec's `-hs 1` / `-hs 0` style: a 0/1 value that becomes a flag."""
    return lambda value: off if value in ("0", "false", "False") else on


FOREIGN: dict[str, Translate] = {
    "size": _renamed("--dim"), "vector-size": _renamed("--dim"), "dimension": _renamed("--dim"),
    "lr": _renamed("--alpha"), "learning-rate": _renamed("--alpha"), "eta0": _renamed("--alpha"),
    "ws": _renamed("--window"), "window-size": _renamed("--window"),
    "neg": _renamed("--negative"),
    "iter": _renamed("--epochs"), "epoch": _renamed("--epochs"), "iterations": _renamed("--epochs"),
    "thread": _renamed("--workers"), "threads": _renamed("--workers"), "num-threads": _renamed("--workers"),
    "mincount": _renamed("--min-count"), "vocab-min-count": _renamed("--min-count"),
    "max-vocab-size": _renamed("--max-vocab"),
    "bucket": _renamed("--buckets"),
    "t": _renamed("--sample"),
    "cbow": _switch("--model cbow", "--model skipgram"),
    "sg": _switch("--model skipgram", "--model cbow"),
    "hs": _switch("--hs", "--no-hs"),
    "binary": _switch("--binary", "text vectors are the default; omit it"),
    "symmetric": _switch("symmetric counts are the default; omit it", "--asymmetric"),
    "loss": lambda value: "--hs --negative 0" if value == "hs" else "--negative 5",
    "memory": lambda value: "--memory-mb" if value is None else f"--memory-mb {_gigabytes_to_mb(value)}",
    "output": _renamed("-o"),
    "train": lambda value: "embcli trains on a directory made by embcli preprocess (embcli preprocess FILE -o work/corpus)",
    "input": lambda value: "embcli trains on a directory made by embcli preprocess (embcli preprocess FILE -o work/corpus)",
}

TAKES_NO_VALUE = {"cbow", "sg", "hs", "binary", "symmetric", "loss"}  # the value that follows picks the suggestion
PREFERRED_HOME = ("preprocess", "train", "cooccur")  # where to send a user when several commands have the option


def _gigabytes_to_mb(value: str) -> str:
    try:
        return f"{float(value) * 1024:g}"
    except ValueError:
        return value


def normalized(token: str) -> str:
    """`--min_count`, `-minCount`, `-min-count` -> 'min-count'.

    >>> normalized("-minCount"), normalized("--vector_size"), normalized("-lr")
    ('min-count', 'vector-size', 'lr')
    """
    name = token.lstrip("-").partition("=")[0]
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name)
    return name.lower().replace("_", "-")


def _looks_like_value(token: str) -> bool:
    return not token.startswith("-") or re.fullmatch(r"-[0-9.][0-9.e+-]*", token) is not None


def foreign_option_message(args: list[str], command: str, options_by_command: dict[str, set[str]],
                           takes_value: set[str] = frozenset()) -> str | None:
    """The message for the first foreign option name in `args`, or None if there is none.

    `options_by_command` maps each command to its options (`--dim`, `-o`, ...); `takes_value`
    are this command's options whose next argument is their value (so it is not inspected).
    """
    own = options_by_command.get(command, set())
    skip_next = False
    for position, token in enumerate(args):
        if token == "--":  # the rest are arguments
            return None
        if skip_next:
            skip_next = False
            continue
        if not token.startswith("-") or _looks_like_value(token):
            continue
        spelled = token.partition("=")[0]
        if spelled in own:
            skip_next = spelled in takes_value and "=" not in token
            continue
        message = _message_for(args, position, command, options_by_command)
        if message is not None:
            return message
    return None


def _message_for(args: list[str], position: int, command: str, options_by_command: dict[str, set[str]]) -> str | None:
    token = args[position]
    name = normalized(token)
    inline = token.partition("=")[2] or None
    following = args[position + 1] if position + 1 < len(args) and _looks_like_value(args[position + 1]) else None
    value = inline if inline is not None else following
    translate = FOREIGN.get(name)
    if translate is None:
        if not any(f"--{name}" in options for options in options_by_command.values()):
            return None
        translate = _renamed(f"--{name}")
    shown = token if inline is not None or value is None or name not in TAKES_NO_VALUE else f"{token} {value}"
    suggestion = translate(value)
    if not suggestion.startswith("-"):  # no embcli option: an explanation
        return f"{shown}: {suggestion}"
    option = suggestion if name in TAKES_NO_VALUE else suggestion.split(" ")[0]  # `-cbow 1` is `--model cbow`
    homes = [cmd for cmd, options in options_by_command.items() if option.split(" ")[0] in options]
    if command in homes or not homes:
        return f"{shown} is {option} in embcli (embcli {command} ... {suggestion})"
    home = min(homes, key=lambda cmd: PREFERRED_HOME.index(cmd) if cmd in PREFERRED_HOME else len(PREFERRED_HOME))
    return f"{shown} is a {home} option (embcli {home} ... {suggestion})"


# ---------------------------------------------------------------------------
# click integration


class SectionOption(click.Option):
    """A click option that knows which help section it belongs to."""

    def __init__(self, *args: Any, section: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section

    def get_help_extra(self, ctx: click.Context) -> Any:
        """`[default: 100]` for a default given as text (click would write `(100)`): one style everywhere."""
        extra = super().get_help_extra(ctx)
        if isinstance(self.show_default, str):
            extra["default"] = self.show_default
        return extra


def option(*decls: str, section: str | None = None, **kwargs: Any) -> Callable[[Any], Any]:
    """`click.option` with a help section (`train --help` groups options by model)."""
    return click.option(*decls, cls=SectionOption, section=section, **kwargs)


class EmbcliCommand(click.Command):
    """Every embcli command: foreign option names get a pointer to embcli's, and help comes in sections.

    Options without a section are listed under `default_section`.
    """

    def __init__(self, *args: Any, default_section: str = "Options", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_section = default_section

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if _may_be_foreign(args, _option_names(self)):  # only then are the other commands' options needed
            message = foreign_option_message(list(args), self.name or "", _options_by_command(ctx, self),
                                             _takes_value(self))
            if message is not None:
                raise click.UsageError(message, ctx)
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
            if record is not None:
                sections.setdefault(getattr(param, "section", None) or self.default_section, []).append(record)
        for title, records in sorted(sections.items(), key=lambda item: item[0] != self.default_section):
            with formatter.section(title):
                formatter.write_dl(records)


def _option_names(command: click.Command) -> set[str]:
    names: set[str] = {"--help", "-h"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update([*param.opts, *param.secondary_opts])
    return names


def _may_be_foreign(args: list[str], own: set[str]) -> bool:
    """True if some argument looks like an option `own` does not have (`-` is stdin, `--` ends the options).

    >>> _may_be_foreign(["work/sg", "-", "-k", "5", "--", "-x"], {"-k"}), _may_be_foreign(["--size", "3"], {"-k"})
    (False, True)
    """
    for token in args:
        if token == "--":
            return False
        if token != "-" and not _looks_like_value(token) and token.partition("=")[0] not in own:
            return True
    return False


def _takes_value(command: click.Command) -> set[str]:
    return {opt for param in command.params if isinstance(param, click.Option) and not param.is_flag and not param.count
            for opt in param.opts}


def _options_by_command(ctx: click.Context, command: click.Command) -> dict[str, set[str]]:
    root = ctx.find_root().command
    commands = getattr(root, "commands", {}) if root is not command else {}
    found = {name: _option_names(other) for name, other in commands.items()}
    found[command.name or ""] = _option_names(command)
    return found


def report(manifest: dict[str, Any], output: Any, *, as_json: bool, quiet: bool, line: str,
           keys: tuple[str, ...] = ("counts", "timings")) -> None:
    """A stage's result: the manifest's summary as JSON on stdout (`--json`), else one status line on stderr."""
    if as_json:
        click.echo(json.dumps({"output": str(output), **{key: manifest[key] for key in keys if key in manifest}},
                              indent=2, default=str))
    elif not quiet:
        click.echo(escape_controls(line), err=True)
