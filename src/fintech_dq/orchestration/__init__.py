"""Airflow-side helpers of the pipeline: imported only by the DAG files in dags/.

The core package knows nothing of Airflow; this sub-package is the one place that does.
Everything here is safe at DAG parse time (no AWS call, no Spark, no heavy import at
module level): the task bodies import the core lazily when a task runs.
"""
