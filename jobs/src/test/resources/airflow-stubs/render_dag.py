"""Imports an Airflow DAG file against the stubs next to this script and prints, as JSON, its DAG
settings and every task rendered for one logical date: what Airflow would run.

usage: python3 render_dag.py DAG_FILE LOGICAL_DATE   (LOGICAL_DATE like 2025-03-01T00:00:00+00:00)
"""
import datetime
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from airflow.sdk import DAG  # noqa: E402  (the stub)


def main(dag_file, logical_date):
    spec = importlib.util.spec_from_file_location("dag_under_test", dag_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dags = [v for v in vars(module).values() if isinstance(v, DAG)]
    if len(dags) != 1:
        raise SystemExit(f"expected one DAG in {dag_file}, found {len(dags)}")
    dag = dags[0]
    when = datetime.datetime.fromisoformat(logical_date)
    context = {
        "ds": when.strftime("%Y-%m-%d"),
        "ds_nodash": when.strftime("%Y%m%d"),
        "ts": when.isoformat(),
        "ts_nodash": when.strftime("%Y%m%dT%H%M%S"),
        "run_id": "scheduled__" + when.isoformat(),
    }
    tasks = []
    for t in dag.tasks:
        rendered = t.render(context)
        tasks.append({
            "task_id": t.task_id,
            "type": type(t).__name__,
            "upstream": sorted(t.upstream_task_ids),
            "retries": t.retries,
            "retry_delay_seconds": t.retry_delay.total_seconds() if t.retry_delay else None,
            "java_class": getattr(t, "java_class", None),
            "conn_id": getattr(t, "conn_id", None),
            "deploy_mode": getattr(t, "deploy_mode", None),
            **rendered,
        })
    kwargs = dag.kwargs
    print(json.dumps({
        "dag_id": dag.dag_id,
        "schedule": kwargs.get("schedule"),
        "catchup": kwargs.get("catchup"),
        "max_active_runs": kwargs.get("max_active_runs"),
        "tasks": tasks,
    }, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
