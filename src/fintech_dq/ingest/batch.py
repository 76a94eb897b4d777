"""read_batch: a business day's delivered files to raw records and rejected lines, nothing lost.

Every non-blank data line of every file ends in exactly one of `records` or `rejected`; a
damaged gzip file adds one rejected row where its stream breaks off. File-level problems
(schema drift, damage, manifests, resends) are findings for the batch rules.

Files are first inspected one by one on the driver, then read by Spark in groups of the same
shape (format, CSV header, Parquet schema): one scan and one plan per group rather than per
file, since planning a file costs more than reading a small one.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial, reduce
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from fintech_dq import kept_rows
from fintech_dq.contract import ColumnSpec
from fintech_dq.ingest.csv_records import (
    CsvHeader,
    csv_annotator,
    csv_lines,
    odd_quote_lines,
    read_header,
    record_spans,
)
from fintech_dq.ingest.discover import FileKind, discover_delivery, file_kind
from fintech_dq.ingest.file_findings import damage_finding, resend_findings, schema_findings
from fintech_dq.ingest.inspection import Damage, Inspection, Staging, inspect_file
from fintech_dq.ingest.json_records import json_annotator, json_keys, json_lines
from fintech_dq.ingest.manifest import lone_manifest_finding, read_manifest
from fintech_dq.ingest.model import (
    REJECTION_COLUMNS,
    FileFinding,
    InputFile,
    RawBatch,
    lines_schema,
)
from fintech_dq.ingest.parquet_records import parquet_records, parquet_schema, type_findings
from fintech_dq.ingest.source import Inputs
from fintech_dq.ingest.text_lines import LineSource, read_lines
from fintech_dq.spark_session import require_filesystem

SPLIT_BYTES = 128 << 20  # the most a Spark task reads of a plain text file (as Spark's default)
MIN_SPLIT_BYTES = 8 << 20
_INSPECT_THREADS = 4


def read_batch(
    spark: SparkSession,
    paths: Sequence[str],
    columns: Sequence[ColumnSpec],
    staging_root: str | None = None,
) -> RawBatch:
    """Read every data file under `paths` (local files or folders, s3:// objects or prefixes)
    against the contract columns. staging_root: where copies Spark must read instead of a
    file go (an s3:// prefix when the cluster cannot see the driver's disk; None: a local
    temp directory); they are deleted by RawBatch.close()."""
    inputs = Inputs()
    files, lone_manifests = discover_delivery(paths, inputs)
    remote = [uri for uri in [*files, staging_root or ""] if "://" in uri]
    if remote:
        require_filesystem(spark, remote[0])
    kinds = [file_kind(path) for path in files]
    staging = Staging(staging_root)
    split = _split_bytes(inputs, files, kinds, spark.sparkContext.defaultParallelism)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(_INSPECT_THREADS, len(files)))) as pool:
            inspect = partial(_inspect, split_bytes=split, staging=staging, inputs=inputs)
            inspections = list(pool.map(inspect, files, kinds))
        plan = _BatchPlan(spark, tuple(columns), split, staging, inputs)
        text_bytes = sum(
            i.content_bytes
            * (kept_rows.PARQUET_TEXT_BYTES_PER_BYTE if k.format == "parquet" else 1)
            for k, i in zip(kinds, inspections, strict=True)
        )
        as_rows = kept_rows.fits_as_rows(spark, text_bytes)
        plan.findings += [lone_manifest_finding(path, inputs) for path in lone_manifests]
        return _read_planned(spark, plan, files, kinds, inspections, columns, as_rows)
    except BaseException:
        staging.remove()
        raise


def _read_planned(
    spark: SparkSession,
    plan: _BatchPlan,
    files: list[str],
    kinds: list[FileKind],
    inspections: list[Inspection],
    columns: Sequence[ColumnSpec],
    as_rows: bool,
) -> RawBatch:
    for path, kind, inspection in zip(files, kinds, inspections, strict=True):
        plan.add(path, kind, inspection)
    plan.findings += resend_findings(plan.inputs)
    names = tuple(c.name for c in columns)
    lines = _union(plan.read()) or spark.createDataFrame([], lines_schema(names))
    return RawBatch(
        lines=kept_rows.keep(lines, as_rows),
        keeps_rows=as_rows,
        column_names=names,
        files=plan.inputs,
        findings=plan.findings,
        release_staging=plan.staging.remove,
    )


def _split_bytes(inputs: Inputs, files: list[str], kinds: list[FileKind], cores: int) -> int:
    """Like Spark: about one split per core over the plain text files, within bounds."""
    plain = sum(
        inputs.size(path)
        for path, kind in zip(files, kinds, strict=True)
        if kind.format != "parquet" and kind.compression is None
    )
    return min(SPLIT_BYTES, max(MIN_SPLIT_BYTES, -(-plain // max(1, cores))))


def _inspect(
    path: str, kind: FileKind, split_bytes: int, staging: Staging, inputs: Inputs
) -> Inspection:
    gzip = kind.compression == "gzip"
    # Spark reads gzip by a lowercase ".gz" suffix and never Parquet inside gzip: stage those.
    stage_as = None
    if kind.format == "parquet" and gzip:
        stage_as = ".parquet"
    elif gzip and not path.endswith(".gz"):
        stage_as = ".txt"
    split = None if gzip else split_bytes
    csv = kind.format == "csv"
    return inspect_file(path, gzip, split, stage_as, staging, inputs, quote_lines=csv)


@dataclass
class _TextGroup:
    """Text files Spark reads in one scan: same format and header, same split handling."""

    format: str
    header: CsvHeader | None
    whole: bool  # read each file as one partition (staged copies, bare-CR line ends)
    joins: bool  # CSV files that may hold quoted fields spanning lines (odd_quote_line)
    sources: list[LineSource] = field(default_factory=list)
    has_quote: bool = False
    invalid_utf8: bool = False


class _BatchPlan:
    """Each file's InputFile and findings, and the groups Spark will read."""

    def __init__(
        self,
        spark: SparkSession,
        columns: tuple[ColumnSpec, ...],
        split: int,
        staging: Staging,
        inputs: Inputs,
    ) -> None:
        self.spark = spark
        self.source = inputs
        self.columns = columns
        self.split = split
        self.staging = staging
        self.inputs: list[InputFile] = []
        self.findings: list[FileFinding] = []
        self.text_groups: dict[Any, _TextGroup] = {}
        self.parquet_groups: dict[str, tuple[StructType, list[tuple[str, str]]]] = {}
        self.damage_rows: list[tuple[str | int | None, ...]] = []

    def add(self, path: str, kind: FileKind, inspection: Inspection) -> None:
        manifest, manifest_finding = read_manifest(path, self.source)
        if manifest_finding:
            self.findings.append(manifest_finding)
        if inspection.damage is not None:
            self.findings.append(damage_finding(path, kind.format, inspection.damage))
        if kind.format == "parquet":
            found = self._add_parquet(path, inspection)
        else:
            found = self._add_text(path, kind, inspection)
        self.inputs.append(
            InputFile(
                path=path,
                format=kind.format,
                compression=kind.compression,
                size_bytes=inspection.size_bytes,
                sha256=inspection.sha256,
                manifest=manifest,
                columns_found=found,
            )
        )

    def read(self) -> list[DataFrame]:
        """Plan every group's scan: frames of lines (ingest.model.lines_schema)."""
        frames: list[DataFrame] = []
        for group in self.text_groups.values():
            split = None if group.whole else self.split
            if group.header is not None:
                spans = self._record_spans(group, split) if group.joins else []
                checks = csv_annotator(group.header, group.has_quote, group.invalid_utf8, spans)
                lines = read_lines(self.spark, group.sources, split, checks)
                frames.append(csv_lines(lines, group.header, self.columns))
            else:
                checks = json_annotator(self.columns, group.invalid_utf8)
                lines = read_lines(self.spark, group.sources, split, checks)
                frames.append(json_lines(lines, self.columns))
        for schema, sources in self.parquet_groups.values():
            records = parquet_records(self.spark, sources, schema, self.columns)
            frames.append(
                records.select(
                    "*", *[F.lit(None).cast("string").alias(n) for n in REJECTION_COLUMNS]
                )
            )
        if self.damage_rows:
            names = tuple(c.name for c in self.columns)
            frames.append(self.spark.createDataFrame(self.damage_rows, lines_schema(names)))
        return frames

    def _record_spans(self, group: _TextGroup, split: int | None) -> list[tuple[str, int, int]]:
        """The group's records that span lines, from a scan of its lines with odd quotes."""
        odd = read_lines(self.spark, group.sources, split, odd_quote_lines).collect()
        return record_spans((r[0], r[1], r[2], r[3]) for r in odd)

    def _add_parquet(self, path: str, inspection: Inspection) -> tuple[str, ...]:
        if inspection.damage is not None:
            return ()
        read_path = self.staging.spark_visible(inspection.read_path)
        schema, unreadable = parquet_schema(self.spark, read_path, path, inspection)
        if schema is None:
            self.findings += [unreadable] if unreadable else []
            return ()
        self.findings += type_findings(path, schema, self.columns)
        self.findings += schema_findings(path, schema.names, self.columns)
        group = self.parquet_groups.setdefault(schema.json(), (schema, []))
        group[1].append((read_path, path))
        return tuple(schema.names)

    def _add_text(self, path: str, kind: FileKind, inspection: Inspection) -> tuple[str, ...]:
        header = None
        if kind.format == "csv" and inspection.damage is not None and not inspection.prefix:
            # Not one line came out of the gzip stream (not gzip at all, or cut in line 1):
            # the damage finding says so; "empty" or "no header" would not be true.
            found: tuple[str, ...] = ()
        elif kind.format == "csv":
            header = read_header(path, inspection.prefix)
            self.findings += header.findings
            if header.unusable is None:
                self.findings += schema_findings(path, header.names, self.columns)
            found = header.names
        else:
            found = json_keys(inspection.prefix, inspection.prefix_is_all)
            if found:  # no record, no schema to judge
                self.findings += schema_findings(path, found, self.columns, absent_key_is_null=True)
        if inspection.damage is not None:
            self.damage_rows.append(_damage_row(path, inspection.damage, len(self.columns)))
        if inspection.prefix or not inspection.prefix_is_all:
            self._group(path, kind.format, header, inspection)
        return found

    def _group(
        self,
        path: str,
        file_format: str,
        header: CsvHeader | None,
        inspection: Inspection,
    ) -> None:
        whole = inspection.staged or inspection.lone_cr
        shape = None if header is None else header.names if header.unusable is None else path
        joins = inspection.odd_quote_line and header is not None and header.unusable is None
        group = self.text_groups.setdefault(
            (file_format, shape, whole, joins),
            _TextGroup(file_format, header, whole, joins),
        )
        split_known = not whole and inspection.split_bytes == self.split
        group.sources.append(
            LineSource(
                read_path=self.staging.spark_visible(inspection.read_path),
                source_file=path,
                newlines_before=inspection.newlines_before if split_known else {},
            )
        )
        group.has_quote = group.has_quote or inspection.has_quote
        group.invalid_utf8 = group.invalid_utf8 or inspection.invalid_utf8


def _damage_row(path: str, damage: Damage, columns: int) -> tuple[str | int | None, ...]:
    """The line (lines_schema) that stands for what a broken gzip stream lost."""
    text: str | None = None
    raw: str | None = None
    try:
        text = damage.tail.decode("utf-8") or None
    except UnicodeDecodeError:
        text = damage.tail.decode("utf-8", errors="replace")
        raw = base64.b64encode(damage.tail).decode("ascii")
    return (*([None] * columns), path, damage.good_lines + 1, None, damage.reason, text, raw)


def _union(frames: list[DataFrame]) -> DataFrame | None:
    return reduce(DataFrame.unionByName, frames) if frames else None
