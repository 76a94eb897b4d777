"""Structured JSON run logs in bucket C, tied by run id, redacted (docs/audit-and-monitoring.md)."""

from fintech_dq.run_logs.redaction import redacted, redacted_text
from fintech_dq.run_logs.run_log import RunLog, read_run_log, run_prefix

__all__ = ["RunLog", "read_run_log", "redacted", "redacted_text", "run_prefix"]
