"""Lambda entry point `escalation_checker.handler`: the body is in the core package
(fintech_dq.alerts.handlers), shipped as the layer."""

from fintech_dq.alerts.handlers import escalation_checker as handler

__all__ = ["handler"]
