"""The audit trail: hash-chained JSON Lines records in bucket C (docs/audit-and-monitoring.md)."""

from fintech_dq.audit.record import STREAMS, AuditRecord
from fintech_dq.audit.trail import AuditAppendConflict, AuditTrail
from fintech_dq.audit.verification import AuditProblem

__all__ = ["STREAMS", "AuditAppendConflict", "AuditProblem", "AuditRecord", "AuditTrail"]
