"""Landing a business day into bucket A, as a sender would deliver it.

Used by the demo and the end-to-end tests: the sample generator writes the day (data
files, manifests, the merchants reference table) to a local folder in bucket A's layout,
and every file is uploaded to the same key. Each upload is an S3 "Object Created" event,
so landing a day is what starts the event-driven path.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fintech_dq.infra import aws
from fintech_dq.ingest.discover import MANIFEST_SUFFIX
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import list_keys, upload_tree
from fintech_dq.sample import DefectMix, generate_day
from fintech_dq.sample.generator import MERCHANTS_PATH, day_folder


def land_sample_day(
    locations: PipelineLocations,
    business_date: date,
    rows: int,
    defects: str = "default",
    settings: aws.AwsSettings | None = None,
    *,
    seed: int = 7,
    workdir: Path | None = None,
) -> list[str]:
    """Generate one realistic day and upload it to bucket A; returns the keys written.

    The generator's ground truth (which rows carry which defect) stays in `workdir` under
    ground_truth/ when a workdir is given: it is test evidence, not a delivery.
    """
    with tempfile.TemporaryDirectory(prefix="fdq-landing-") as scratch:
        root = workdir or Path(scratch)
        generate_day(root, business_date, rows, seed, DefectMix.named(defects))
        return upload_local_day(locations, root, business_date, settings)


def upload_local_day(
    locations: PipelineLocations,
    root: Path,
    business_date: date,
    settings: aws.AwsSettings | None = None,
) -> list[str]:
    """Upload a day already in bucket A's layout under `root` (and the merchants table)."""
    s3 = aws.client("s3", settings)
    keys: list[str] = []
    merchants = root / MERCHANTS_PATH
    if merchants.is_file():
        key = locations.merchants_prefix + merchants.name
        s3.upload_file(str(merchants), locations.raw_bucket, key)
        keys.append(key)
    folder = day_folder(root, business_date)
    if not folder.is_dir():
        raise FileNotFoundError(f"no delivery for {business_date} under {folder}")
    keys += upload_tree(s3, folder, locations.raw_bucket, locations.landing_prefix(business_date))
    return keys


class NothingLanded(FileNotFoundError):
    """No data file of the business date in bucket A (manifests alone are no delivery)."""


def require_landed(
    locations: PipelineLocations, business_date: date, settings: aws.AwsSettings | None = None
) -> list[str]:
    """The data files (not manifests) landed in bucket A for the business date, or
    NothingLanded: what a step that reads the day asks before it does (or writes) anything."""
    prefix = locations.landing_prefix(business_date)
    keys = list_keys(aws.client("s3", settings), locations.raw_bucket, prefix)
    landed = [k for k in keys if not k.endswith("/") and not k.endswith(MANIFEST_SUFFIX)]
    if not landed:
        where = locations.s3_uri(locations.raw_bucket, prefix)
        raise NothingLanded(f"nothing landed for {business_date.isoformat()} under {where}")
    return landed
