"""Whether a day's delivery has settled, and whether it changed since it was last checked.

The contract lets a day get late files and a sender resend one. So the routine runs of a
day (the scheduled one, and one per landing announcement) first wait until the day's
partition has been quiet for a while (no object added or replaced), then compare the
partition with the one the day's last completed check read: unchanged, the run skips the
check (a file announced twice, the scheduled run after the arrival run); changed (a late
file, a corrected resend), the whole day is validated again, so uniqueness and the
manifest totals see every file. The same goes for a change of the rules file (a new
release, an accepted schema change), or of the reference data the job reads
(`reference/merchants/`): the day is checked again. Runs a person asks for (a manual
trigger, a reprocess, a run someone cleared) always check and never wait.

The partition is identified by its objects' keys, sizes and ETags (S3's content hash for
a single-part upload; a corrected file of the same name and size has another ETag), the
reference data the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fintech_dq.orchestration.run_plan import ARRIVAL_PREFIX

if TYPE_CHECKING:
    from fintech_dq.pipeline.locations import PipelineLocations

CHECKED_DOCUMENT = "last_checked.json"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LandedObject:
    key: str
    size: int
    etag: str
    last_modified: datetime


def list_landed(s3: Any, bucket: str, prefix: str) -> list[LandedObject]:
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found.append(
                LandedObject(
                    key=str(item["Key"]),
                    size=int(item["Size"]),
                    etag=str(item.get("ETag", "")).strip('"'),
                    last_modified=item["LastModified"],
                )
            )
    return sorted(found, key=lambda o: o.key)


def fingerprint(objects: list[LandedObject]) -> str:
    """The partition's identity: its keys, sizes and ETags (not the times: an object
    copied onto itself to re-announce it is the same file)."""
    digest = hashlib.sha256()
    for item in sorted(objects, key=lambda o: o.key):
        digest.update(f"{item.key}\t{item.size}\t{item.etag}\n".encode())
    return digest.hexdigest()


def quiet_for(objects: list[LandedObject], now: datetime) -> timedelta:
    """How long since the newest object landed (zero for an empty partition: not settled)."""
    if not objects:
        return timedelta(0)
    return now - max(item.last_modified for item in objects)


def is_routine(
    run_id: str, run_type: str, conf: dict[str, Any] | None, clear_number: int | None = 0
) -> bool:
    """A run the pipeline started by itself (scheduled, or for a landing announcement)
    that nobody has cleared since.

    Only those wait for a quiet partition and skip an unchanged one; a manual run, a
    reprocess or a cleared run (the dag run's `clear_number` > 0: Airflow counts every
    Clear of the run or of its tasks, and nothing else) is a person's request to check the
    day now: clearing is the documented way to rerun a day.
    """
    if (conf or {}).get("reprocess_request") or (clear_number or 0) > 0:
        return False
    # Airflow hands the run type as its DagRunType enum, whose str() is the member's name
    kind = str(getattr(run_type, "value", run_type))
    return kind == "scheduled" or run_id.startswith(ARRIVAL_PREFIX)


def checked_key(results_prefix: str, business_date: date) -> str:
    """Beside the day's results documents (bucket C, under `results/`): the record of the
    partition its last completed check read."""
    return f"{results_prefix}business_date={business_date.isoformat()}/{CHECKED_DOCUMENT}"


def read_checked(s3: Any, where: PipelineLocations, business_date: date) -> dict[str, Any] | None:
    """What the day's last completed check recorded (record_checked), or None. A record
    that cannot be read counts as none (logged with its key): the day is checked again,
    the safe side, instead of the run failing on a file only the pipeline writes."""
    key = checked_key(where.results_prefix, business_date)
    try:
        body = s3.get_object(Bucket=where.audit_bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    try:
        document = json.loads(body)
    except ValueError as error:
        _log.warning("s3://%s/%s is not JSON (%s): checking the day again",
                     where.audit_bucket, key, error)  # fmt: skip
        return None
    return document if isinstance(document, dict) else None


def record_checked(
    s3: Any,
    where: PipelineLocations,
    business_date: date,
    settled: dict[str, Any],
    run_id: str,
    rules_sha256: str,
) -> None:
    """After a check of the day completed: which partition (fingerprint, files) it read,
    under which rules (the sha256 of the rules file its results document names)."""
    document = {**settled, "run_id": run_id, "rules_sha256": rules_sha256}
    s3.put_object(
        Bucket=where.audit_bucket,
        Key=checked_key(where.results_prefix, business_date),
        Body=json.dumps(document, indent=2, sort_keys=True).encode(),
        ContentType="application/json",
    )


def why_check(
    last: dict[str, Any] | None, settled: dict[str, Any], rules_sha256: str
) -> str | None:
    """Why a routine run must check the day (None: the last check read these files under
    these rules and reference data). A record from before rules (or the reference data)
    were recorded counts as other rules (reference data)."""
    if last is None:
        return "no completed check of the day is recorded"
    if last.get("fingerprint") != settled["fingerprint"]:
        return "the day's files changed since its last check"
    if last.get("rules_sha256") != rules_sha256:
        return "the rules changed since the day's last check"
    if last.get("reference_fingerprint") != settled.get("reference_fingerprint"):
        return "the reference data (reference/merchants/) changed since the day's last check"
    return None


def partition_state(s3: Any, where: PipelineLocations, business_date: date) -> dict[str, Any]:
    """The day's partition and the reference data as a check about to run reads them (what
    record_checked keeps)."""
    return summary(
        list_landed(s3, where.raw_bucket, where.landing_prefix(business_date)),
        list_landed(s3, where.raw_bucket, where.merchants_prefix),
    )


def summary(objects: list[LandedObject], reference: list[LandedObject]) -> dict[str, Any]:
    """The identity of what a check reads: the day's files, and the reference tables the
    job looks rows up in (a corrected merchants table changes the outcome of a day)."""
    return {
        "fingerprint": fingerprint(objects),
        "files": len(objects),
        "reference_fingerprint": fingerprint(reference),
        "reference_files": len(reference),
    }
