"""The pipeline's steps as plain functions (no Airflow in here): where things live, landing
a day, running the validation job. DAGs, the CLI and tests call these."""

from fintech_dq.pipeline.locations import PipelineLocations

__all__ = ["PipelineLocations"]
