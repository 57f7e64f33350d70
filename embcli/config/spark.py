"""Where a stage runs and, on Spark, with which master and properties: one way for every Spark-capable stage.

`preprocess` and `cooccur` choose a backend (`local` or `spark`); `train` chooses
an engine (`spark-mllib` is the Spark one). All of them take the same two
settings, `spark_master` and `spark_conf` (the options `--spark-master` and
`--spark-conf`, the TOML keys and Python keywords of the same names), checked
here and turned into one `SparkSettings` for the session.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from embcli.config.fields import Validated, refuse, setting
from embcli.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class SparkSettings:
    """What a Spark session is built from."""

    master: str | None = None  # --spark-master; None: spark-submit's, else local[*]
    conf: tuple[str, ...] = ()  # --spark-conf key=value, in the order given (later wins)
    app_name: str = "embcli"

    def conf_pairs(self) -> dict[str, str]:
        """`--spark-conf` values as a dict; a malformed one is a usage error.

        >>> SparkSettings(conf=("spark.executor.memory=8g", "a=1", "a=2")).conf_pairs()
        {'spark.executor.memory': '8g', 'a': '2'}
        """
        pairs: dict[str, str] = {}
        for item in self.conf:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"--spark-conf {item!r} is not key=value (e.g. --spark-conf spark.executor.memory=8g)")
            pairs[key.strip()] = value
        return pairs


@dataclasses.dataclass(frozen=True)
class SparkOptions(Validated):
    """The Spark fields every Spark-capable stage's config has."""

    spark_master: str | None = None  # Spark master: local[N], spark://host:7077, yarn, k8s://...; None: spark-submit's, else local[*]
    spark_conf: tuple[str, ...] = ()  # Spark properties as key=value (later wins)

    def check(self) -> None:
        super().check()
        for item in self.spark_conf:
            key, sep, _ = str(item).partition("=")
            if not sep or not key.strip():
                raise refuse(self, "{spark_conf}: each property must be key=value (e.g. spark.executor.memory=8g)")

    def spark_settings(self) -> SparkSettings:
        return SparkSettings(master=self.spark_master, conf=tuple(self.spark_conf))

    def refuse_spark_options(self, needs: str) -> None:
        """Spark settings given to a stage that will not run on Spark are a mistake; `needs` says what would."""
        for name in ("spark_master", "spark_conf"):
            if getattr(self, name):
                raise refuse(self, "{" + name + "} applies only to " + needs)


@dataclasses.dataclass(frozen=True)
class BackendConfig(SparkOptions):
    """Where `cooccur` runs (not recorded in its artifact: both backends write the same files)."""

    backend: Literal["local", "spark"] = "local"  # this machine, or Apache Spark (embcli[spark])

    def check(self) -> None:
        super().check()
        if self.backend != "spark":
            self.refuse_spark_options("{backend=spark}")

    @property
    def on_spark(self) -> bool:
        return self.backend == "spark"


@dataclasses.dataclass(frozen=True)
class PreprocessBackendConfig(BackendConfig):
    """Where `preprocess` runs; on Spark the ids may be written in shards."""

    shard_tokens: int | None = setting(None, at_least=1)  # spark: ids-00000.npy, ... of at most N tokens; None: one ids.npy up to 2^30

    def check(self) -> None:
        super().check()
        if self.shard_tokens is not None and not self.on_spark:
            raise refuse(self, "{shard_tokens} applies only to {backend=spark}")
