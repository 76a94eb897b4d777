"""ingest.parquet_records.parquet_schema: why a file is not readable Parquet, said plainly."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fintech_dq.ingest.inspection import Staging, inspect_file
from fintech_dq.ingest.parquet_records import parquet_schema

PY4J_NOISE = "An error occurred while calling"


def _schema(spark: Any, path: Path) -> Any:
    """parquet_schema as ingest calls it: with the file's inspection."""
    inspection = inspect_file(str(path), False, None, None, Staging())
    return parquet_schema(spark, str(path), str(path), inspection)


def _reason(spark: Any, path: Path) -> str:
    schema, finding = _schema(spark, path)
    assert schema is None and finding is not None
    assert finding.kind == "file_integrity"
    prefix = f"file {path} is not a readable Parquet file ("
    assert finding.message.startswith(prefix) and finding.message.endswith(")")
    assert "\n" not in finding.message and PY4J_NOISE not in finding.message
    return finding.message[len(prefix) : -1]


@pytest.fixture
def valid(tmp_path: Path) -> bytes:
    path = tmp_path / "valid.parquet"
    pq.write_table(pa.table({"id": pa.array(["a", "b"])}), path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\0" + os.urandom(2999), "it does not start with Parquet's magic number PAR1"),
        (
            b"PAR1 this is not parquet",
            "it does not end with Parquet's magic number PAR1: truncated?",
        ),
        (b"PAR1", "4 bytes, too short for Parquet"),
        (b"", "0 bytes, too short for Parquet"),
    ],
)
def test_bad_magic_numbers_are_named_before_spark_reads(
    spark: Any, tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bank-001.parquet"
    path.write_bytes(content)
    assert _reason(spark, path) == reason


def test_a_truncated_parquet_file_is_named_truncated(
    spark: Any, tmp_path: Path, valid: bytes
) -> None:
    path = tmp_path / "cut.parquet"
    path.write_bytes(valid[: len(valid) // 2])
    assert _reason(spark, path) == "it does not end with Parquet's magic number PAR1: truncated?"


def test_a_corrupt_footer_gives_the_java_cause_not_py4j_text(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "footer.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 20 + struct.pack("<i", 10) + b"PAR1")
    reason = _reason(spark, path)
    assert "Could not read footer" in reason, reason  # Spark's cause, without its advice
    assert "Please" not in reason


def test_a_corrupt_footer_is_one_line_for_the_user_not_a_java_stack_trace(tmp_path: Path) -> None:
    """`fdq validate` in its own JVM (the test session's JVM writes to a stderr pytest does
    not capture): Spark's executor would log the failed task's whole stack trace."""
    (tmp_path / "in").mkdir()
    corrupt = tmp_path / "in" / "bank-001.parquet"
    corrupt.write_bytes(b"PAR1" + b"\x00" * 20 + struct.pack("<i", 10) + b"PAR1")
    fdq = Path(sys.executable).with_name("fdq")
    arguments = ["validate", "--dataset", "transactions", "--business-date", "2026-11-28"]
    arguments += ["--input", str(tmp_path / "in"), "--out", str(tmp_path / "out")]
    result = subprocess.run([fdq, *arguments], capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stderr[-2000:]  # blocked: batch.file_integrity
    assert f"file {corrupt} is not a readable Parquet file" in " ".join(result.stdout.split())
    assert "Exception in task" not in result.stderr and "\tat org.apache" not in result.stderr


def test_a_valid_file_gives_its_schema(spark: Any, tmp_path: Path, valid: bytes) -> None:
    path = tmp_path / "valid.parquet"
    path.write_bytes(valid)
    schema, finding = _schema(spark, path)
    assert finding is None and schema is not None and schema.names == ["id"]
