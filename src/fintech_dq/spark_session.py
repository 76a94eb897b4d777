"""The one place a SparkSession is built for local runs, tests and benchmarks.

On Glue the job receives the session Glue made; everywhere else this builds a local one
configured like Glue 5.1 where it matters (UTC session time zone, Spark 3.5.6).

s3:// locally: Glue reads s3:// through EMRFS; a local session reads the same URIs through
Hadoop's S3A connector when scripts/setup has put its two jars (hadoop-aws 3.3.1 and the AWS
SDK bundle it was built with, taken from the sagemaker_pyspark sdist on PyPI) into
S3A_JARS_DIR and an endpoint is named (FDQ_S3A_ENDPOINT, else AWS_ENDPOINT_URL: the local
emulator). Credentials come from the variables boto3 reads too (AWS_ACCESS_KEY_ID, ...).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Settings the engine relies on wherever it runs: timestamps are UTC, and integer or
# decimal overflow is an error rather than a silent null. The rows the engine keeps in
# memory between passes (ingest's lines, the checked rows) are cached uncompressed: the
# compression's per-value statistics (dictionary and run-length encoders) cost more CPU
# than the rest of the caching (measured: 1M rows, lines 21.6 s -> 14.0 s, checked rows
# 30 s -> 16 s); spilling to disk is the price when memory runs short.
# Whole-stage code generation is turned off for a stage whose generated method would be
# larger than HotSpot compiles (its HugeMethodLimit, 8000 bytes; Spark's default limit is
# the JVM's 64 KB ceiling): such a method stays interpreted, and the stage runs faster as
# separate, compiled projections. Spark's own documentation of the setting suggests 8000
# on HotSpot. Measured: the parse of the benchmark's 1M-row day (one parse stage's method
# is 8,075 bytes) 5.7-6.7 s -> 4.4 s, the whole run ~2 s faster (A/B in one process).
# Parquet timestamps in nanoseconds (pyarrow >= 13 and pandas write them by default) are no
# type Spark 3.5 reads ("Illegal Parquet type: INT64 (TIMESTAMP(NANOS,true))", the file's
# rows lost to the run); nanosAsLong reads them as their long count of nanoseconds, which
# ingest (parquet_records) turns into the engine's timestamps, naming the column.
REQUIRED_CONF: dict[str, str] = {
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.codegen.hugeMethodLimit": "8000",
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}

# Rows the engine keeps that do not fit in memory as objects are kept serialised
# (fintech_dq.kept_rows), which is only right when the serializer writes every row in full:
# Kryo does, Java serialisation does not. The rows hold no shared objects, so Kryo needs no
# reference tracking. Read when the SparkContext starts: local sessions get them from
# local_spark, the Glue job from the SparkConf it starts its context with. (Kryo also
# serialises RDD shuffles and broadcasts; Spark SQL's shuffles use their own serializer.)
KEPT_ROWS_CONF: dict[str, str] = {
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryo.referenceTracking": "false",
}

S3A_JARS = ("hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar")
S3A_JARS_DIR = Path(sys.prefix) / "share" / "s3a-jars"  # where scripts/setup puts them
_ENV_PROVIDER = "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"
_SIMPLE_PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
_TEMPORARY_PROVIDER = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"


# Only takes effect when this starts the JVM, as the class path below.
_LOG_CONFIG_OPTION = "-Dlog4j2.configurationFile=" + (
    Path(__file__).with_name("spark_log4j2.properties").as_uri()
)


def local_spark(app_name: str = "fintech-dq", cores: int | None = None) -> SparkSession:
    """Return a local SparkSession (reused when one is already active in this process)."""
    from pyspark.sql import SparkSession

    master = f"local[{cores}]" if cores else os.environ.get("FDQ_SPARK_MASTER", "local[*]")
    # A local session needs no other address, and Spark's warning about picking one (on
    # stderr, before any log level applies) reads as an error line in an Airflow task log.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master)
        .config("spark.driver.memory", os.environ.get("FDQ_SPARK_DRIVER_MEMORY", "6g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # progress bars: stderr noise
        .config("spark.sql.shuffle.partitions", os.environ.get("FDQ_SHUFFLE_PARTITIONS", "8"))
        .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC {_LOG_CONFIG_OPTION}")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    for key, value in {**REQUIRED_CONF, **KEPT_ROWS_CONF}.items():
        builder = builder.config(key, value)
    jars = s3a_jars()
    if jars:  # only takes effect when this starts the JVM (spark-submit: spark_submit_options)
        builder = builder.config("spark.driver.extraClassPath", os.pathsep.join(jars))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("FDQ_SPARK_LOG_LEVEL", "ERROR"))
    endpoint = os.environ.get("FDQ_S3A_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
    if jars and endpoint:
        use_s3_endpoint(spark, endpoint)
    return spark


def s3a_jars() -> list[str]:
    """The S3A connector's jars when scripts/setup has installed both, else []."""
    paths = [S3A_JARS_DIR / name for name in S3A_JARS]
    return [str(path) for path in paths] if all(path.is_file() for path in paths) else []


def spark_submit_options() -> list[str]:
    """What spark-submit needs to read s3:// locally (the driver JVM is the executor in
    local mode, so the driver's class path is enough; nothing is copied)."""
    jars = s3a_jars()
    return ["--driver-class-path", os.pathsep.join(jars)] if jars else []


def use_s3_endpoint(spark: SparkSession, endpoint: str) -> None:
    """Read and write s3:// and s3a:// URIs through S3A at `endpoint` (an S3-compatible
    emulator: path-style requests, TLS as the URL says). Needs s3a_jars() on the class path;
    takes effect for buckets this session has not touched yet."""
    if not s3a_jars():
        raise RuntimeError(f"the S3A jars are not in {S3A_JARS_DIR}: run scripts/setup")
    settings = {
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https:")).lower(),
        **_s3a_credentials(),
    }
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    for key, value in settings.items():
        hadoop.set(key, value)


def require_filesystem(spark: SparkSession, uri: str) -> None:
    """Fail now, naming the fix, when this Spark session has no Hadoop FileSystem for `uri`'s
    scheme: otherwise a local run on s3:// passes every driver-side check and Spark fails
    only when the read runs ("No FileSystem for scheme"). On AWS Glue, EMRFS serves s3://."""
    from py4j.protocol import Py4JJavaError

    scheme = uri.split("://", 1)[0]
    context = spark.sparkContext
    hadoop = context._jsc.hadoopConfiguration()
    jvm: Any = context._jvm
    try:
        jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, hadoop)
    except Py4JJavaError:
        raise ValueError(
            f"Spark in this process cannot read {uri}: no Hadoop FileSystem for scheme "
            f"'{scheme}'. Locally, scripts/setup installs the S3A connector's jars into "
            f"{S3A_JARS_DIR}; a Spark session started after that reads s3:// when "
            "FDQ_S3A_ENDPOINT or AWS_ENDPOINT_URL names the endpoint."
        ) from None


def _s3a_credentials() -> dict[str, str]:
    """The credentials boto3 would use, from this process's environment now (the JVM's own
    environment may predate them), held in the session's memory only (not in SparkConf, so
    never in event logs); without them, the JVM's environment variables."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (key and secret):
        return {"fs.s3a.aws.credentials.provider": _ENV_PROVIDER}
    token = os.environ.get("AWS_SESSION_TOKEN")
    provider = _TEMPORARY_PROVIDER if token else _SIMPLE_PROVIDER
    found = {"fs.s3a.aws.credentials.provider": provider}
    found |= {"fs.s3a.access.key": key, "fs.s3a.secret.key": secret}
    return found | ({"fs.s3a.session.token": token} if token else {})


def apply_required_conf(spark: SparkSession) -> None:
    """Apply the engine's settings to a session built elsewhere (Glue)."""
    for key, value in REQUIRED_CONF.items():
        spark.conf.set(key, value)


# Where Spark logs a failed task's whole Java stack trace at ERROR
_TASK_FAILURE_LOGGERS = (
    "org.apache.spark.executor.Executor",
    "org.apache.spark.scheduler.TaskSetManager",
)
_quiet_lock = threading.Lock()


@contextmanager
def task_failures_unlogged(spark: SparkSession) -> Iterator[None]:
    """Spark logs a failed task's Java stack trace (~50 lines on stderr) before the driver
    raises; where the caller expects the failure and reports its cause in one line (a
    corrupt Parquet footer), that trace is noise. Log4j 2's own API sets the levels back."""
    jvm: Any = spark.sparkContext._jvm
    log4j = jvm.org.apache.logging.log4j
    with _quiet_lock:
        before = {
            name: log4j.LogManager.getLogger(name).getLevel() for name in _TASK_FAILURE_LOGGERS
        }
        for name in _TASK_FAILURE_LOGGERS:
            log4j.core.config.Configurator.setLevel(name, log4j.Level.OFF)
        try:
            yield
        finally:
            for name, level in before.items():
                log4j.core.config.Configurator.setLevel(name, level)
