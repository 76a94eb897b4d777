"""The engine's Spark settings reach a session it did not build (Glue's); a local session
starts without console noise (an Airflow task log shows stderr lines as errors)."""

from __future__ import annotations

import subprocess
import sys

from pyspark.sql import SparkSession

from fintech_dq.spark_session import REQUIRED_CONF, apply_required_conf


def test_required_settings_replace_what_a_session_built_elsewhere_has(
    spark: SparkSession,
) -> None:
    spark.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    spark.conf.set("spark.sql.codegen.hugeMethodLimit", "65535")
    apply_required_conf(spark)
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    # Stages whose generated method HotSpot would leave interpreted run as compiled
    # projections instead (spark_session's comment has the measurement).
    assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"
    assert {key: spark.conf.get(key) for key in REQUIRED_CONF} == REQUIRED_CONF


def test_a_local_session_starts_and_runs_without_a_line_on_stderr() -> None:
    """Spark's "Setting default log level", Hadoop's NativeCodeLoader warning, the address
    warning and progress bars are all kept off stderr (spark_log4j2.properties)."""
    script = (
        "from fintech_dq.spark_session import local_spark\n"
        "print(local_spark(cores=1).range(5).selectExpr('sum(id) AS s').first()['s'])\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "10"
    assert started.stderr == ""
