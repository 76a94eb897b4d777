"""The pipeline's events (versioned detail on the EventBridge bus) and their publication.

`publish_event` is the one way the pipeline, the schema diff, Airflow's deadline callback
and the alerting functions put an event on the bus; `local_delivery` carries them to the
handler functions where the emulator cannot (it does not invoke Lambda).
"""

from fintech_dq.events.model import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    SEVERITIES,
    SOURCE,
    EventError,
    PipelineEvent,
)
from fintech_dq.events.publisher import publish_event

__all__ = [
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "SOURCE",
    "EventError",
    "PipelineEvent",
    "publish_event",
]
