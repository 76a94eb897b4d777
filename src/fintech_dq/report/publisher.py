"""Building a run's report and the index from bucket C, and storing both there.

The run report is written once (bucket C never overwrites). The index changes with every
run, so each refresh adds an object version; Object Lock keeps the old versions too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.monitoring.anomalies import WINDOW_DAYS, anomaly_bands
from fintech_dq.monitoring.bucket_documents import (
    latest_schema_diff,
    put_once,
    read_json,
    results_history,
)
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import list_keys
from fintech_dq.report.index_page import render_index
from fintech_dq.report.run_report import render_run_report

HISTORY_DAYS = 120
"""Read for the bands (month-ends need three earlier months); charts show WINDOW_DAYS."""
INDEX_DAYS = 90
HTML = "text/html; charset=utf-8"


class ReportError(RuntimeError):
    """The run's results document is not in bucket C."""


def reports_root(locations: PipelineLocations) -> str:
    return f"reports/{locations.dataset}/"


def index_key(locations: PipelineLocations) -> str:
    return f"{reports_root(locations)}index.html"


def latest_run_id(
    locations: PipelineLocations, business_date: date, settings: aws.AwsSettings | None = None
) -> str:
    """The run whose results document finished last on the business date."""
    today = results_history(locations, business_date, 1, settings)
    if not today:
        raise ReportError(
            f"no results document for {business_date} under "
            f"s3://{locations.audit_bucket}/{locations.results_prefix}"
        )
    return str(today[-1]["run_id"])


def publish_run_report(
    locations: PipelineLocations,
    business_date: date,
    run_id: str,
    settings: aws.AwsSettings | None = None,
    *,
    out_dir: Path | None = None,
) -> str:
    """Render and store the run's report at report_key, refresh the index; returns the
    report's key. `out_dir` also saves both under the same relative paths (links work)."""
    s3 = aws.client("s3", settings)
    key = locations.report_key(business_date, run_id)
    try:
        document = read_json(
            s3, locations.audit_bucket, locations.results_key(business_date, run_id)
        )
    except s3.exceptions.NoSuchKey as error:
        raise ReportError(
            f"no results document for run {run_id} of {business_date}: "
            f"s3://{locations.audit_bucket}/{locations.results_key(business_date, run_id)}"
        ) from error
    history = results_history(locations, business_date, HISTORY_DAYS, settings)
    earlier = [d for d in history if str(d["business_date"]) < business_date.isoformat()]
    bands = anomaly_bands(document, earlier)
    window = [*earlier[-(WINDOW_DAYS - 1) :], document]
    diff = latest_schema_diff(locations, business_date, settings)
    html = render_run_report(document, window, bands, diff, _relative(key, index_key(locations)))
    if not put_once(s3, locations.audit_bucket, key, html.encode(), HTML):
        html = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read().decode()
    index_html, linked = _index(locations, s3, business_date, settings)
    s3.put_object(
        Bucket=locations.audit_bucket,
        Key=index_key(locations),
        Body=index_html.encode(),
        ContentType=HTML,
    )
    if out_dir is not None:  # the index's other days too, so that none of its links breaks
        copies = {key: html, index_key(locations): index_html}
        for other in linked:
            if other not in copies:
                body = s3.get_object(Bucket=locations.audit_bucket, Key=other)["Body"].read()
                copies[other] = body.decode()
        for relative_key, content in copies.items():
            target = out_dir / relative_key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    return key


def _index(
    locations: PipelineLocations, s3: Any, until: date, settings: aws.AwsSettings | None
) -> tuple[str, list[str]]:
    """Days of the last INDEX_DAYS that have a report, each linked to its latest one; and the
    keys of the reports it links to."""
    reported = set(list_keys(s3, locations.audit_bucket, reports_root(locations)))
    runs, linked = [], []
    for document in results_history(locations, until, INDEX_DAYS, settings):
        day = date.fromisoformat(str(document["business_date"]))
        key = locations.report_key(day, str(document["run_id"]))
        if key in reported:
            runs.append((document, _relative(index_key(locations), key)))
            linked.append(key)
    return render_index(locations.dataset, runs), linked


def _relative(from_key: str, to_key: str) -> str:
    """A link between two keys of the bucket that works on S3 and in a local copy."""
    source, target = from_key.split("/")[:-1], to_key.split("/")
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + target[common:])
