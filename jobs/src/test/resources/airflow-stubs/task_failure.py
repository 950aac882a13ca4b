"""Runs one task of an Airflow DAG file (against the stubs) whose spark-submit exits with a code, and
prints which exception Airflow would see: AirflowFailException (no retry) or AirflowException (retry).

usage: python3 task_failure.py DAG_FILE TASK_ID EXIT_CODE
"""
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from airflow.exceptions import AirflowException  # noqa: E402  (the stub)
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: E402
from airflow.sdk import DAG  # noqa: E402


def main(dag_file, task_id, code):
    def failing_submit(self, context):  # what SparkSubmitHook raises for a non-zero exit
        raise AirflowException(f"Cannot execute: spark-submit ... {task_id}. Error code is: {code}.")

    SparkSubmitOperator.execute = failing_submit
    spec = importlib.util.spec_from_file_location("dag_under_test", dag_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = [v for v in vars(module).values() if isinstance(v, DAG)][0]
    task = [t for t in dag.tasks if t.task_id == task_id][0]
    try:
        task.execute({})
        print("no failure")
    except AirflowException as e:
        print(type(e).__name__ + ": " + str(e))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
