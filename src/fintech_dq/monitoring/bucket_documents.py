"""Reading and writing the JSON documents of bucket C that monitoring and the report use."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import list_keys


def read_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def put_once(s3: Any, bucket: str, key: str, body: bytes, content_type: str) -> bool:
    """Create the object unless it exists (bucket C never overwrites); False if it did."""
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    return True


def results_history(
    locations: PipelineLocations,
    until: date,
    days: int,
    settings: aws.AwsSettings | None = None,
) -> list[dict[str, Any]]:
    """The latest results document of each business date in (until - days, until], oldest
    first; the listing starts at the window's first day instead of the whole history."""
    s3 = aws.client("s3", settings)
    first = until - timedelta(days=days - 1)
    start = f"{locations.results_prefix}business_date={(first - timedelta(days=1)).isoformat()}/~"
    latest: dict[str, dict[str, Any]] = {}
    for key in list_keys(s3, locations.audit_bucket, locations.results_prefix, start):
        if not key.endswith("/results.json") or "business_date=" not in key:
            continue
        day = key.split("business_date=", 1)[1][:10]
        if not first.isoformat() <= day <= until.isoformat():
            continue
        try:
            document = read_json(s3, locations.audit_bucket, key)
        except ValueError:
            continue  # an unreadable old document is skipped, not fatal
        kept = latest.get(day)
        if kept is None or str(document.get("finished_at", "")) > str(kept.get("finished_at", "")):
            latest[day] = document
    return [latest[day] for day in sorted(latest)]


def latest_schema_diff(
    locations: PipelineLocations, business_date: date, settings: aws.AwsSettings | None = None
) -> dict[str, Any] | None:
    """The newest schema diff document the schema check stored for the business date."""
    s3 = aws.client("s3", settings)
    prefix = f"{locations.schema_prefix}business_date={business_date.isoformat()}/"
    documents = []
    for key in list_keys(s3, locations.audit_bucket, prefix):
        if key.endswith("diff.json"):
            try:
                documents.append(read_json(s3, locations.audit_bucket, key))
            except ValueError:
                continue
    if not documents:
        return None
    return max(documents, key=lambda d: str(d.get("checked_at", "")))
