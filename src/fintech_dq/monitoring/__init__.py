"""Monitoring: CloudWatch metrics per run, their history in bucket C, anomaly bands."""

from fintech_dq.monitoring.anomalies import AnomalyBand, anomaly_bands
from fintech_dq.monitoring.publisher import metrics_key, publish_run_metrics
from fintech_dq.monitoring.run_metrics import NAMESPACE, run_metrics

__all__ = [
    "NAMESPACE",
    "AnomalyBand",
    "anomaly_bands",
    "metrics_key",
    "publish_run_metrics",
    "run_metrics",
]
