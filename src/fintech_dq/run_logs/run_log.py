"""Structured JSON run logs in bucket C, tied together by run id.

Every component of a run (the DAG's tasks, the Glue job, each Lambda) writes its lines
under `logs/<dataset>/run_id=<run>/<component>/`, one new object per flush (bucket C never
overwrites), so `read_run_log` traces one run end to end across them. Each line passes
through redaction first: no card number or secret is ever written.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.pipeline.locations import PipelineLocations
from fintech_dq.pipeline.staging import list_keys
from fintech_dq.run_logs.redaction import redacted, redacted_text

JSON_LINES = "application/x-ndjson"


def run_prefix(locations: PipelineLocations, run_id: str) -> str:
    return f"{locations.logs_prefix}{locations.dataset}/run_id={run_id}/"


class RunLog:
    def __init__(
        self,
        locations: PipelineLocations,
        run_id: str,
        component: str,
        settings: aws.AwsSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not run_id or "/" in run_id or not component or "/" in component:
            raise ValueError("a run log needs a run id and a component name without '/'")
        self.locations, self.run_id, self.component = locations, run_id, component
        self._settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lines: list[str] = []

    def event(self, level: str, message: str, **fields: Any) -> dict[str, Any]:
        """Buffer one line; returns it as it will be written (redacted)."""
        line = {
            "time": self._clock().astimezone(UTC).isoformat(timespec="milliseconds"),
            "level": level.upper(),
            "run_id": self.run_id,
            "component": self.component,
            "dataset": self.locations.dataset,
            "message": redacted_text(message),
            **{k: redacted(v, k) for k, v in fields.items()},
        }
        self._lines.append(json.dumps(line, sort_keys=True, default=str))
        return line

    def info(self, message: str, **fields: Any) -> dict[str, Any]:
        return self.event("INFO", message, **fields)

    def error(self, message: str, **fields: Any) -> dict[str, Any]:
        return self.event("ERROR", message, **fields)

    def flush(self) -> str | None:
        """Write the buffered lines as a new object; returns its key (None: nothing to write)."""
        if not self._lines:
            return None
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
        key = f"{run_prefix(self.locations, self.run_id)}{self.component}/{name}"
        body = ("\n".join(self._lines) + "\n").encode()
        aws.client("s3", self._settings).put_object(
            Bucket=self.locations.audit_bucket, Key=key, Body=body, ContentType=JSON_LINES
        )
        self._lines = []
        return key

    @contextmanager
    def capturing(self, logger: logging.Logger) -> Iterator[RunLog]:
        """Standard `logging` calls of a Glue job or Lambda handler become lines of this
        run log for the duration; flushed at the end, also when the body raises."""
        handler = _Handler(self)
        logger.addHandler(handler)
        try:
            yield self
        except BaseException as error:
            self.error("run step failed", error=f"{type(error).__name__}: {error}")
            raise
        finally:
            logger.removeHandler(handler)
            self.flush()


class _Handler(logging.Handler):
    def __init__(self, log: RunLog) -> None:
        super().__init__()
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        fields: dict[str, Any] = {"logger": record.name}
        if record.exc_info:
            fields["exception"] = logging.Formatter().formatException(record.exc_info)
        self._log.event(record.levelname, record.getMessage(), **fields)


def read_run_log(
    locations: PipelineLocations, run_id: str, settings: aws.AwsSettings | None = None
) -> list[dict[str, Any]]:
    """Every line every component wrote for the run, in time order."""
    s3 = aws.client("s3", settings)
    lines: list[dict[str, Any]] = []
    for key in list_keys(s3, locations.audit_bucket, run_prefix(locations, run_id)):
        body = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read()
        lines.extend(json.loads(text) for text in body.decode().splitlines() if text.strip())
    return sorted(lines, key=lambda line: (line["time"], line["component"]))
