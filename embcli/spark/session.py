"""A SparkSession from `--spark-master` and `--spark-conf key=value`, and Spark errors as one line.

Why this module: every Spark stage needs the same three things done the same
way, before any long work starts —

- a missing `pyspark` (the `embcli[spark]` extra) or a missing Java becomes one
  line saying how to install it, instead of an ImportError or a JVM stack;
- Spark's own log goes to a file (`spark_log_path`), not the terminal, and a
  failed job is reported as Spark's message in one line plus that file's path;
- a session someone else started (a test fixture, `spark-submit`, a notebook)
  is reused and left running; a session started here is stopped afterwards.

Under `spark-submit` the master comes from spark-submit unless `--spark-master`
is given; otherwise it defaults to `local[*]`.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embcli.config.spark import SparkSettings
from embcli.errors import EmbcliError

INSTALL_PYSPARK = "pip install 'embcli[spark]'"
INSTALL_JAVA = "install Java 17 or later (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
DEFAULT_MASTER = "local[*]"

# Settings every embcli session gets unless the user overrides them with --spark-conf.
BASE_CONF = {
    "spark.ui.showConsoleProgress": "false",  # progress is ours (stderr bar), not Spark's
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}


def spark_available() -> str | None:
    """None if pyspark and Java are there, else the one-line reason why Spark cannot run."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"the Spark engine needs the optional extra pyspark: {INSTALL_PYSPARK}"
    if find_java() is None:
        return f"the Spark engine needs Java, which was not found: {INSTALL_JAVA}"
    return None


def find_java() -> str | None:
    """The java executable Spark will launch: $JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def require_spark() -> None:
    """Fail early (before reading inputs) when Spark cannot run here."""
    reason = spark_available()
    if reason is not None:
        raise EmbcliError(reason)


# ---------------------------------------------------------------------------
# the session


def spark_log_path() -> Path:
    """Where this process's Spark log goes (one file per process)."""
    directory = Path(tempfile.gettempdir()) / "embcli-spark-logs"
    return directory / f"spark-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{os.getpid()}.log"


_LOG_PATH: Path | None = None


def _log4j_properties(log_path: Path) -> Path:
    """A log4j2 configuration sending everything from INFO up to `log_path` and nothing to the terminal."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    properties = log_path.with_suffix(".log4j2.properties")
    properties.write_text(
        "rootLogger.level = info\n"
        # a pyspark driver counts as a shell: with its logger at root's level Spark prints no level banner
        "logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer\n"
        "logger.gateway.level = info\n"
        "logger.context.name = org.apache.spark.SparkContext\n"
        "logger.context.level = info\n"
        "rootLogger.appenderRef.file.ref = file\n"
        "appender.file.type = File\n"
        "appender.file.name = file\n"
        f"appender.file.fileName = {log_path}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex\n",
        encoding="utf-8",
    )
    return properties


def build_session(settings: SparkSettings) -> Any:
    """Start (or join) a SparkSession; raises EmbcliError with one line if it cannot start."""
    global _LOG_PATH
    require_spark()
    from pyspark.sql import SparkSession

    user_conf = settings.conf_pairs()
    builder = SparkSession.builder.appName(settings.app_name)
    master = settings.master or os.environ.get("MASTER")
    if master is None and "spark.master" not in user_conf and not _under_spark_submit():
        master = DEFAULT_MASTER
    if master is not None:
        builder = builder.master(master)
    conf = dict(BASE_CONF)
    if _is_local(master or user_conf.get("spark.master", "")):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers import embcli from this interpreter
    if SparkSession.getActiveSession() is None and "spark.driver.extraJavaOptions" not in user_conf:
        _LOG_PATH = spark_log_path()
        conf["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile=file:{_log4j_properties(_LOG_PATH)}"
    conf.update(user_conf)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises RuntimeError / PySparkRuntimeError when the JVM does not start
        raise EmbcliError(f"Spark could not start ({first_line(exc)}); check Java ({INSTALL_JAVA}) and "
                          f"--spark-master {master or ''}".rstrip() + log_hint()) from None
    session.sparkContext.setLogLevel("ERROR" if _LOG_PATH is None else "INFO")
    return session


def _under_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ or "spark.master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")


def _is_local(master: str) -> bool:
    return master.startswith("local")


@contextmanager
def spark_session(settings: SparkSettings) -> Iterator[Any]:
    """Yield a session; stop it afterwards only if it was started here."""
    require_spark()
    from pyspark.sql import SparkSession

    existing = SparkSession.getActiveSession()
    session = existing if existing is not None else build_session(settings)
    try:
        yield session
    finally:
        if existing is None:
            session.stop()


def describe_session(session: Any) -> dict[str, Any]:
    """What a manifest records about where a stage ran."""
    context = session.sparkContext
    return {"name": "spark", "spark_version": session.version, "master": context.master,
            "default_parallelism": context.defaultParallelism}


# ---------------------------------------------------------------------------
# errors


_EXCEPTION_PREFIX = re.compile(r"^(?:Caused by: )?[\w$.]+(?:Exception|Error)(?::\s*|$)")
_PYTHON_ERROR = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt): ")


def first_line(exc: BaseException) -> str:
    """Spark's message in one line: the failing step and its root cause, without Java or Python stacks.

    A Py4J error reads `An error occurred while calling ...`, then `: SomeSparkException: message`,
    a stack, and `Caused by: ...` lines; an error raised on an executor embeds a Python traceback,
    whose last `XxxError: ...` line is what went wrong.
    """
    text = str(exc)
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("at ", "... "))]
    if "PythonException" in text:
        python_errors = [line for line in lines if _PYTHON_ERROR.match(line)]
        if python_errors:
            return python_errors[-1][:400]
    java = [line[2:] for line in lines if line.startswith(": ")]
    causes = [line for line in lines if line.startswith("Caused by: ")]
    main = _EXCEPTION_PREFIX.sub("", java[0] if java else (lines[0] if lines else type(exc).__name__))
    if causes:
        cause = _EXCEPTION_PREFIX.sub("", causes[-1]) or causes[-1].removeprefix("Caused by: ")
        if cause and cause not in main:
            main = f"{main.rstrip(' .')} ({cause})"
    return " ".join(main.split())[:400]


def log_hint() -> str:
    return f"; full log: {_LOG_PATH}" if _LOG_PATH is not None else "; full log: Spark's driver log (stderr or the cluster UI)"


def spark_job_error(exc: BaseException, stage: str) -> EmbcliError:
    """Turn a failed Spark job into one line: Spark's message and where the full log is."""
    if _LOG_PATH is not None:
        try:
            with open(_LOG_PATH, "a", encoding="utf-8") as log:
                log.write(f"\n--- embcli: {stage} failed ---\n{exc}\n")
        except OSError:
            pass
    return EmbcliError(f"Spark job failed during {stage}: {first_line(exc)}{log_hint()}")


@contextmanager
def spark_job(stage: str) -> Iterator[None]:
    """Map Spark/Py4J failures inside the block to `spark_job_error`; embcli's own errors pass through."""
    try:
        yield
    except EmbcliError:
        raise
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if _is_spark_error(exc):
            raise spark_job_error(exc, stage) from None
        raise


def _is_spark_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("py4j", "pyspark")) or type(exc).__name__ in {"Py4JJavaError", "Py4JError"}
