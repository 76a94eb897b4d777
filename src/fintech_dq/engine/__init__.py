"""The validation engine: one business day of a dataset in, every row accounted for out."""

from fintech_dq.engine.request import OutputLocations, RunResult, ValidationRequest
from fintech_dq.engine.runner import validate_batch

__all__ = ["OutputLocations", "RunResult", "ValidationRequest", "validate_batch"]
