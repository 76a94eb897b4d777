"""Schema detection and drift: crawl the landed partition into the catalog, diff it with
the contract (the rules file) and the previous table version, and act on the result.
See docs/schema-drift.md."""

from fintech_dq.schema.accept import AcceptedChange, CannotAccept, accept_change
from fintech_dq.schema.crawl import crawl_locally
from fintech_dq.schema.drift import CatalogTableMissing, DriftOutcome, check_drift
from fintech_dq.schema.model import CatalogUpdate

__all__ = [
    "AcceptedChange",
    "CannotAccept",
    "CatalogTableMissing",
    "CatalogUpdate",
    "DriftOutcome",
    "accept_change",
    "check_drift",
    "crawl_locally",
]
