"""Every bucket, key and URI of one environment, in one place.

The layout is the one docs/infrastructure.md documents and the CloudFormation stacks
create; the same names hold on AWS and in the local emulator, so code that takes a
`PipelineLocations` never asks which runtime it is in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.infra.deploy import bucket_names

ENV_NAME_VARIABLE = "FDQ_ENV_NAME"
DEFAULT_ENV_NAME = "local"


@dataclass(frozen=True)
class PipelineLocations:
    env_name: str
    account: str
    dataset: str = "transactions"

    @classmethod
    def resolve(
        cls, settings: aws.AwsSettings | None = None, env_name: str | None = None
    ) -> PipelineLocations:
        """The environment named by `env_name`, else FDQ_ENV_NAME, else `local`; the account
        is asked of STS (the emulator answers too)."""
        name = env_name or os.environ.get(ENV_NAME_VARIABLE) or DEFAULT_ENV_NAME
        return cls(env_name=name, account=aws.account_id(settings))

    # Buckets -------------------------------------------------------------------------
    @property
    def _buckets(self) -> dict[str, str]:
        return bucket_names(self.env_name, self.account)

    @property
    def raw_bucket(self) -> str:
        """Bucket A: files as delivered."""
        return self._buckets["raw"]

    @property
    def processed_bucket(self) -> str:
        """Bucket B: processed, quarantined and rejected rows."""
        return self._buckets["processed"]

    @property
    def audit_bucket(self) -> str:
        """Bucket C: results, metrics, schema diffs, audit trail, logs, reports (Object Lock)."""
        return self._buckets["audit"]

    @property
    def artefacts_bucket(self) -> str:
        return self._buckets["artefacts"]

    # Names of other resources ------------------------------------------------------------
    @property
    def event_bus(self) -> str:
        return f"fdq-{self.env_name}"

    @property
    def glue_database(self) -> str:
        return f"fdq_{self.env_name}"

    @property
    def catalog_table(self) -> str:
        """The table the crawler keeps for the dataset (named after the crawled folder)."""
        return self.dataset

    @property
    def crawler(self) -> str:
        return f"fdq-{self.env_name}-raw-{self.dataset}"

    @property
    def validation_job(self) -> str:
        return f"fdq-{self.env_name}-validate-{self.dataset}"

    @property
    def alerts_table(self) -> str:
        return f"fdq-{self.env_name}-alerts"

    def alert_topic(self, tier: int) -> str:
        return f"fdq-{self.env_name}-alerts-tier{tier}"

    # Keys in bucket A --------------------------------------------------------------------
    def landing_prefix(self, business_date: date) -> str:
        """The batch of a business date lands under its own ingest_date partition."""
        return f"{self.dataset}/ingest_date={business_date.isoformat()}/"

    @property
    def merchants_prefix(self) -> str:
        return "reference/merchants/"

    # Keys in bucket B --------------------------------------------------------------------
    def output_prefix(self, kind: str) -> str:
        """kind: processed, quarantine or rejected; each partitioned by business_date=."""
        if kind not in ("processed", "quarantine", "rejected"):
            raise ValueError(f"unknown output kind {kind!r}")
        return f"{kind}/{self.dataset}/"

    # Keys in bucket C --------------------------------------------------------------------
    @property
    def results_prefix(self) -> str:
        """Every run's results document; also the engine's trailing-window history."""
        return f"results/{self.dataset}/"

    def results_key(self, business_date: date, run_id: str) -> str:
        return (
            f"{self.results_prefix}business_date={business_date.isoformat()}/"
            f"run_id={run_id}/results.json"
        )

    def report_key(self, business_date: date, run_id: str) -> str:
        return (
            f"reports/{self.dataset}/business_date={business_date.isoformat()}/"
            f"run_id={run_id}/report.html"
        )

    @property
    def schema_prefix(self) -> str:
        return f"schema/{self.dataset}/"

    @property
    def metrics_prefix(self) -> str:
        return f"metrics/{self.dataset}/"

    @property
    def audit_prefix(self) -> str:
        return "audit/"

    @property
    def logs_prefix(self) -> str:
        return "logs/"

    # URIs ----------------------------------------------------------------------------
    def s3_uri(self, bucket: str, key: str = "") -> str:
        return f"s3://{bucket}/{key}"

    def describe(self) -> dict[str, Any]:
        """What a person needs to find things (printed by the demo and `fdq local env`)."""
        return {
            "env_name": self.env_name,
            "raw": self.s3_uri(self.raw_bucket, f"{self.dataset}/"),
            "processed": self.s3_uri(self.processed_bucket, self.output_prefix("processed")),
            "quarantine": self.s3_uri(self.processed_bucket, self.output_prefix("quarantine")),
            "rejected": self.s3_uri(self.processed_bucket, self.output_prefix("rejected")),
            "results": self.s3_uri(self.audit_bucket, self.results_prefix),
        }
