"""Options shared by the commands that can run on Spark (`preprocess`, `cooccur`, `train --engine spark-mllib`).

`--spark-master` and `--spark-conf` are spelled the same on every command and
become the `spark_master`/`spark_conf` fields their stage's config checks.
`--backend local|spark` says where `preprocess` and `cooccur` run; `--engine`
is `train`'s training implementation, and on those two commands is kept only as
a deprecated alias of `--backend`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from embcli.cli.options import option
from embcli.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
SPARK_SECTION = "Spark options"


def _none_if_empty(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    return value or None  # an unused repeatable option is "not given", like every other option


def spark_options(func: F) -> F:
    """--spark-master and --spark-conf (repeatable); both None when not given."""
    func = option("--spark-conf", multiple=True, callback=_none_if_empty, metavar="KEY=VALUE", section=SPARK_SECTION,
                  help="Spark property, repeatable, e.g. --spark-conf spark.executor.memory=8g.")(func)
    return option("--spark-master", default=None, metavar="URL", section=SPARK_SECTION,
                  show_default="spark-submit's, else local[*]",
                  help="Spark master: local[N], spark://host:7077, yarn, k8s://...")(func)


def _deprecated_engine(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        click.echo(f"Warning: --engine {value} is deprecated here; use --backend {value} "
                   "(--engine names train's implementation)", err=True)
    return value


def backend_option(func: F) -> F:
    """--backend local|spark for the stages that run on either (and the old spelling, --engine)."""
    func = click.option("--engine", "deprecated_engine", type=click.Choice(["local", "spark"]), default=None, hidden=True,
                        callback=_deprecated_engine, expose_value=True)(func)
    return option("--backend", type=click.Choice(["local", "spark"]), default=None, show_default="local",
                  help="Where to run: this machine, or Apache Spark (embcli[spark]; see docs/scaling.md).")(func)


def pop_backend(options: dict[str, Any]) -> None:
    """Fold the deprecated `--engine local|spark` into `backend` (in place)."""
    old = options.pop("deprecated_engine", None)
    if old is not None:
        if options.get("backend") not in (None, old):
            raise ConfigError(f"--engine {old} and --backend {options['backend']} disagree; give --backend only")
        options["backend"] = old
