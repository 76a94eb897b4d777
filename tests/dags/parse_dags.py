"""Parse dags/ as the DAG processor would and print what the integrity tests check, as
JSON (run as a child process so that the environment, e.g. FDQ_RUNTIME, is its own)."""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    started = time.monotonic()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.dag_cycle_tester import check_cycle

    bag = DagBag(dag_folder=sys.argv[1])
    dags = {}
    for dag_id, dag in bag.dags.items():
        check_cycle(dag)  # type: ignore[arg-type]
        dags[dag_id] = {
            "tags": sorted(dag.tags),
            "doc_md": bool(dag.doc_md and len(dag.doc_md) > 100),
            "timezone": str(dag.timezone),
            "deadline": bool(dag.deadline),
            "tasks": {
                task.task_id: {
                    "type": task.task_type,
                    "retries": task.retries,
                    "backoff": float(task.retry_exponential_backoff or 0),
                    "owner": task.owner,
                    "doc_md": bool(task.doc_md),
                    "upstream": sorted(task.upstream_task_ids),
                    "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
                    # a mapped operator keeps its operator's arguments in partial_kwargs
                    "reset_dag_run": getattr(task, "partial_kwargs", {}).get(
                        "reset_dag_run", getattr(task, "reset_dag_run", None)
                    ),
                }
                for task in dag.tasks
            },
        }
    stats = {s.file.rsplit("/", 1)[-1]: s.duration.total_seconds() for s in bag.dagbag_stats}
    print(
        json.dumps(
            {
                "errors": {k: str(v) for k, v in bag.import_errors.items()},
                "dags": dags,
                "file_seconds": stats,
                "total_seconds": time.monotonic() - started,
            }
        )
    )


if __name__ == "__main__":
    main()
