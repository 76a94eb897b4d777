"""fintech_dq: the core of the fintech transaction data-quality pipeline.

One package imported by the Airflow DAGs, the Glue jobs and the Lambda functions alike;
it knows nothing of Airflow.
"""

__version__ = "0.1.0"
