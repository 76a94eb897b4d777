"""Lambda entry point `schema_change_processor.handler`: the body is in the core package
(fintech_dq.alerts.handlers), shipped as the layer."""

from fintech_dq.alerts.handlers import schema_change_processor as handler

__all__ = ["handler"]
