"""Lambda entry point `validation_issue_handler.handler`: the body is in the core package
(fintech_dq.alerts.handlers), shipped as the layer."""

from fintech_dq.alerts.handlers import validation_issue_handler as handler

__all__ = ["handler"]
