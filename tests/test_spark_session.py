"""The engine's Spark settings reach a session it did not build (Glue's)."""

from __future__ import annotations

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
