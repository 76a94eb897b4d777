"""What a validation run is asked to do, where it writes, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fintech_dq.masking import mask_card_numbers_in_text


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

    def __post_init__(self) -> None:
        # The run id names a folder of the 7-year results history and every written row
        # (dq_run_id): it cannot be masked there, so it must not hold a card number.
        if self.run_id is not None and mask_card_numbers_in_text(self.run_id) != self.run_id:
            raise ValueError(
                "the run id holds a card number (13-19 digits passing Luhn): choose another"
            )


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
