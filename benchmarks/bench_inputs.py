"""The benchmark's input: one generated business day per size, and the plain Spark read of it.

A day is generated once into var/bench-data/rows=<N>/ by the project's own sample generator
and reused while its parameters are unchanged (a marker file records them), so every tool
of every run reads the same bytes. The plain read is the floor's read and the peers' input:
what any Spark user would write to load the delivered files, with no validation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

MARKER = ".bench-complete.json"
# Bump when the way the benchmark asks for its data changes, so old data is regenerated.
DATA_LAYOUT_VERSION = 1
# Defect classes injected into the benchmark day. None is the generator's default mix:
# 2% of rows with row-level (error) defects spread over every quarantining class, and one
# unparsable record per 50,000, but no critical defect: the batch is quarantined in part
# and published, never blocked (a blocked batch skips the processed write and would
# flatter the engine).
BENCH_DEFECTS: Any = None


@dataclass(frozen=True)
class BenchDay:
    rows: int
    root: Path
    business_date: date
    day_dir: Path
    merchants_csv: Path
    files: tuple[Path, ...]
    total_bytes: int
    generated_seconds: float | None  # None when reused


def data_files(day_dir: Path) -> tuple[Path, ...]:
    """The delivered data files of a day (control files and hidden files left out)."""
    return tuple(
        sorted(
            p
            for p in day_dir.iterdir()
            if p.is_file()
            and not p.name.endswith(".manifest.json")
            and not p.name.startswith((".", "_"))
        )
    )


def file_format(path: Path | str) -> str:
    name = Path(path).name
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    return name.rsplit(".", 1)[-1].lower()


def ensure_day(data_root: Path, rows: int, business_date: date, seed: int) -> BenchDay:
    """Generate the day for `rows` unless an identical one is already there."""
    root = data_root / f"rows={rows}"
    marker = root / MARKER
    wanted = {
        "layout": DATA_LAYOUT_VERSION,
        "rows": rows,
        "business_date": business_date.isoformat(),
        "seed": seed,
        "defects": BENCH_DEFECTS,
    }
    generated_seconds: float | None = None
    if not (marker.exists() and _same_params(marker, wanted)):
        from fintech_dq.sample import generate_day  # type: ignore[attr-defined,unused-ignore]

        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        print(f"[bench] generating {rows:,} rows for {business_date} into {root} ...", flush=True)
        started = time.perf_counter()
        generate_day(root, business_date, rows, seed, BENCH_DEFECTS)
        generated_seconds = round(time.perf_counter() - started, 1)
        marker.write_text(json.dumps({**wanted, "generated_seconds": generated_seconds}, indent=2))
        print(f"[bench] generated in {generated_seconds:.1f} s", flush=True)
    day_dir = root / "transactions" / f"ingest_date={business_date.isoformat()}"
    merchants = root / "reference" / "merchants" / "merchants.csv"
    for needed in (day_dir, merchants):
        if not needed.exists():
            raise FileNotFoundError(f"the generator did not write {needed}")
    files = data_files(day_dir)
    return BenchDay(
        rows=rows,
        root=root,
        business_date=business_date,
        day_dir=day_dir,
        merchants_csv=merchants,
        files=files,
        total_bytes=sum(p.stat().st_size for p in files),
        generated_seconds=generated_seconds,
    )


def existing_business_date(data_root: Path, rows: int) -> date | None:
    marker = data_root / f"rows={rows}" / MARKER
    if not marker.exists():
        return None
    return date.fromisoformat(json.loads(marker.read_text())["business_date"])


@dataclass(frozen=True)
class ProfiledDay:
    """What a profiling script (step_timings, parse_per_file) is asked to run on."""

    root: Path  # var/bench-data/rows=N
    day_dir: Path  # its transactions/ingest_date=<date>/
    business_date: date
    repeat: int
    cores: int


def profiled_day(description: str, default_repeat: int) -> ProfiledDay:
    """The command line every profiling script takes: a generated day's root, --repeat,
    --cores; a root without a complete day is a usage error."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data", type=Path, help="a generated day's root: var/bench-data/rows=N")
    parser.add_argument("--repeat", type=int, default=default_repeat, help="runs in this process")
    parser.add_argument("--cores", type=int, default=2, help="local[N] Spark")
    arguments = parser.parse_args()
    rows = int(arguments.data.name.removeprefix("rows="))
    business_date = existing_business_date(arguments.data.parent, rows)
    if business_date is None:
        parser.error(f"{arguments.data} holds no complete benchmark day")
    day_dir = arguments.data / "transactions" / f"ingest_date={business_date.isoformat()}"
    return ProfiledDay(arguments.data, day_dir, business_date, arguments.repeat, arguments.cores)


def _same_params(marker: Path, wanted: dict[str, Any]) -> bool:
    try:
        found = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return all(found.get(k) == v for k, v in wanted.items())


def warm_page_cache(paths: Iterable[Path]) -> int:
    """Read every file once so no tool pays (or is spared) the disk: all start warm."""
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                total += len(chunk)
    return total


def plain_read(spark: SparkSession, files: Iterable[Path | str], columns: list[str]) -> DataFrame:
    """Every delivered file as text columns, unioned: what a Spark user writes, no checks.

    CSV with its header and JSON Lines are read with the contract's columns as text (no
    schema inference pass); Parquet with its own schema, each column cast to text.
    Spark decompresses .gz CSV and JSON itself. A gzip-compressed Parquet file is not a
    Parquet file Spark can open: it is staged uncompressed first (part of the read).
    """
    by_format: dict[str, list[str]] = {}
    for path in files:
        by_format.setdefault(file_format(path), []).append(str(path))
    text_schema = StructType([StructField(c, StringType(), True) for c in columns])
    frames: list[DataFrame] = []
    if by_format.get("csv"):
        frame = spark.read.option("header", True).option("mode", "PERMISSIVE").csv(by_format["csv"])
        frames.append(_as_text(frame, columns))
    if by_format.get("jsonl") or by_format.get("json"):
        paths = by_format.get("jsonl", []) + by_format.get("json", [])
        frames.append(_as_text(spark.read.schema(text_schema).json(paths), columns))
    if by_format.get("parquet"):
        frames.append(_as_text(spark.read.parquet(*_stage_parquet(by_format["parquet"])), columns))
    unknown = set(by_format) - {"csv", "jsonl", "json", "parquet"}
    if unknown:
        raise ValueError(f"unknown input formats: {sorted(unknown)}")
    if not frames:
        raise ValueError("no input files")
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


def _as_text(frame: DataFrame, columns: list[str]) -> DataFrame:
    present = {f.name: f.dataType.typeName() for f in frame.schema.fields}
    selected: list[Column] = []
    for name in columns:
        if name not in present:
            selected.append(F.lit(None).cast("string").alias(name))
        elif present[name] == "timestamp":
            # Parquet timestamps (UTC instants) written back as ISO 8601 with an offset.
            selected.append(
                F.date_format(F.col(name), "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").alias(name)
            )
        else:
            selected.append(F.col(name).cast("string").alias(name))
    return frame.select(*selected)


def _stage_parquet(paths: list[str]) -> list[str]:
    import gzip

    staged: list[str] = []
    for path in paths:
        if not path.endswith(".gz"):
            staged.append(path)
            continue
        target = (
            Path(path).parent.parent.parent / "_staged_parquet" / Path(path).name[: -len(".gz")]
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "rb") as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink, 8 << 20)
        staged.append(str(target))
    return staged


@dataclass(frozen=True)
class TypedColumn:
    """A contract column the peers need as a value: decimal(p,s) or timestamp."""

    name: str
    spark_type: str  # "decimal(20,4)" or "timestamp"
    null_means: str | None = None


def typed_view(frame: DataFrame, typed: Iterable[TypedColumn]) -> DataFrame:
    """The text columns plus `<column>_typed`: the plain Spark casts a GX or Soda user adds.

    A text that does not cast becomes null (Spark's cast), which is why the peers check the
    text with a regex for the type rules.
    """
    extra: list[Column] = []
    for column in typed:
        if column.spark_type == "timestamp":
            value = F.to_timestamp(F.col(column.name))
        else:
            value = F.col(column.name).cast(column.spark_type)
        if column.null_means is not None:
            value = F.when(
                F.col(column.name).isNull(), F.lit(column.null_means).cast(column.spark_type)
            ).otherwise(value)
        extra.append(value.alias(f"{column.name}_typed"))
    return frame.select("*", *extra)
