"""The data-quality report: a self-contained HTML page per run and an index across days."""

from fintech_dq.report.publisher import (
    ReportError,
    index_key,
    latest_run_id,
    publish_run_report,
)

__all__ = ["ReportError", "index_key", "latest_run_id", "publish_run_report"]
