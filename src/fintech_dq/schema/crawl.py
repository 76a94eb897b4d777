"""The local runtime's crawler: what the Glue crawler does on AWS, done with Spark.

The emulator's crawler never crawls (DESIGN.md), so locally the newly landed partition is
staged out of bucket A, its schema inferred with Spark, and the table written through the
emulator's real Glue API: CreateTable the first time, UpdateTable (a new table version)
when the columns changed, nothing when they did not, as the crawler's UPDATE_IN_DATABASE
does. A day's mix of formats is its partition's classification, not a table change, and a
column typed from text keeps the catalog's type while the values fit it.
"""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from fintech_dq.contract import DatasetRules
from fintech_dq.infra import aws
from fintech_dq.ingest.discover import MANIFEST_SUFFIX
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import download_prefix
from fintech_dq.schema.catalog import read_versions, table_input, write_partition
from fintech_dq.schema.inference import infer_partition, settle_text_type
from fintech_dq.schema.model import VALUES, CatalogColumn, CatalogUpdate, TableSchema
from fintech_dq.schema.policy import load_policy, policy_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def crawl_locally(
    locations: PipelineLocations,
    business_date: date,
    settings: aws.AwsSettings | None = None,
    spark: SparkSession | None = None,
    *,
    rules: DatasetRules | None = None,
) -> CatalogUpdate:
    """Crawl the date's partition of bucket A into the catalog; say what changed.
    `rules` (default: the dataset's packaged rules file) gives the inference threshold."""
    if spark is None:
        from fintech_dq.spark_session import local_spark

        spark = local_spark("fdq-local-crawler")
    policy = policy_of(rules) if rules is not None else load_policy(locations.dataset)
    s3 = aws.client("s3", settings)
    glue = aws.client("glue", settings)
    prefix = locations.landing_prefix(business_date)
    with tempfile.TemporaryDirectory(prefix="fdq-crawl-") as scratch:
        staged = download_prefix(s3, locations.raw_bucket, prefix, Path(scratch))
        files = [
            (str(path), prefix + path.relative_to(scratch).as_posix())
            for path in staged
            if not path.name.endswith(MANIFEST_SUFFIX)
        ]
        if not files:
            raise FileNotFoundError(
                f"nothing landed under {locations.s3_uri(locations.raw_bucket, prefix)}"
            )
        inferred = infer_partition(spark, files, Decimal(policy.text_type_min_share))
    versions = read_versions(glue, locations)
    schema = _keep_known_types(inferred.schema, versions.latest)
    day = business_date.isoformat()
    names = {"DatabaseName": locations.glue_database}
    if versions.latest is None:
        glue.create_table(**names, TableInput=table_input(locations, schema, day))
        action, previous = "created", None
    elif _columns(versions.latest) == _columns(schema):  # the day's formats are its partition's
        action, previous = "unchanged", versions.previous
    else:
        glue.update_table(**names, TableInput=table_input(locations, schema, day))
        action, previous = "updated", versions.latest
    write_partition(glue, locations, day, schema)
    latest = read_versions(glue, locations).latest
    assert latest is not None and latest.version_id is not None
    return CatalogUpdate(
        database=locations.glue_database,
        table=locations.catalog_table,
        business_date=day,
        action=action,
        version_id=latest.version_id,
        previous_version_id=previous.version_id if previous else None,
        schema=latest,
        files=inferred.files,
        odd_files=inferred.odd_files,
        skipped=inferred.skipped,
    )


def _columns(schema: TableSchema) -> list[dict[str, object]]:
    return [column.to_glue() for column in schema.columns]


def _keep_known_types(found: TableSchema, latest: TableSchema | None) -> TableSchema:
    """A column typed from today's text keeps the type the catalog knows while the text fits
    it. Text carries no type: a day whose fees are all whole numbers (bigint), or a CSV-only
    day after days with Parquet (double for a declared decimal(20,4)), is no schema change.
    An empty column tells nothing about its type at all."""
    if latest is None:
        return found
    columns = []
    for column in found.columns:
        known = latest.column(column.name)
        if known is not None and column.no_values:
            column = known
        elif known is not None and column.type_source == VALUES:
            settled = settle_text_type(known.parsed, column.parsed)
            if settled == known.parsed:
                column = known
            elif settled != column.parsed:
                column = CatalogColumn(column.name, settled.text(), VALUES)
        columns.append(column)
    return TableSchema(tuple(columns), found.classification)
