"""Lambda entry point `alert_dispatcher.handler`: the body is in the core package
(fintech_dq.alerts.handlers), shipped as the layer."""

from fintech_dq.alerts.handlers import alert_dispatcher as handler

__all__ = ["handler"]
