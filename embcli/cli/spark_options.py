"""Options shared by the commands that can run on Spark (`preprocess`, `cooccur`, `train --engine spark-mllib`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from embcli.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def _none_if_empty(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    return value or None  # an unused repeatable option is "not given", like every other option


def spark_options(func: F) -> F:
    """--spark-master and --spark-conf (repeatable); both None when not given."""
    func = click.option("--spark-conf", multiple=True, callback=_none_if_empty, metavar="KEY=VALUE",
                        help="Spark property, repeatable, e.g. --spark-conf spark.executor.memory=8g.")(func)
    return click.option("--spark-master", default=None, metavar="URL",
                        help="Spark master: local[N], spark://host:7077, yarn, k8s://... "
                             "[spark-submit's, else local[*]].")(func)


def engine_option(func: F) -> F:
    """--engine local|spark for the stages that run on either."""
    return click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
                        help="Where to run: this machine, or Apache Spark (embcli[spark]; see docs/scaling.md).")(func)


def pop_spark_settings(options: dict[str, Any], engine: str) -> Any:
    """Remove the Spark options from `options`; return SparkSettings, or None for the local engine."""
    master, conf = options.pop("spark_master", None), options.pop("spark_conf", None)
    if engine != "spark":
        if master is not None or conf is not None:
            raise ConfigError("--spark-master and --spark-conf apply only to --engine spark")
        return None
    from embcli.spark.session import SparkSettings

    return SparkSettings(master=master, conf=tuple(conf or ()))
