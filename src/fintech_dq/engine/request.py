"""What a validation run is asked to do, where it writes, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OutputLocations:
    """Roots (local paths or s3:// URIs) laid out as in the buckets.

    processed/quarantine/rejected hold `business_date=YYYY-MM-DD/` partitions; results holds
    `business_date=YYYY-MM-DD/run_id=<id>/results.json` and is also the metrics history.
    The processed root doubles as the history of ids already seen.
    """

    processed: str
    quarantine: str
    rejected: str
    results: str

    @classmethod
    def under(cls, root: str | Path) -> OutputLocations:
        base = str(root).rstrip("/")
        return cls(
            processed=f"{base}/processed",
            quarantine=f"{base}/quarantine",
            rejected=f"{base}/rejected",
            results=f"{base}/results",
        )


@dataclass(frozen=True)
class ValidationRequest:
    dataset: str
    business_date: date
    inputs: list[str]
    outputs: OutputLocations
    references: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None
    now: datetime | None = None  # the run's clock; injectable for tests
    location_aliases: dict[str, str] = field(default_factory=dict)
    """Local prefix -> the URI it is a staged copy of (the local runtime stages bucket A):
    file names in outputs and the results document then name what was delivered."""
    staging_root: str | None = None
    """Where ingest puts copies Spark must read instead of a delivered file (plain copies of
    damaged gzip files, ...): an s3:// prefix the cluster can read (the Glue job's TempDir),
    or None for a local temp directory. Deleted at the end of the run."""


@dataclass
class RunResult:
    """The results document (JSON-ready) and where the run wrote it."""

    document: dict[str, Any]
    results_uri: str

    @property
    def status(self) -> str:
        return str(self.document["status"])

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"
