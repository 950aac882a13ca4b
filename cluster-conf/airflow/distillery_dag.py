"""Distillery on Airflow: one task per stage, teacher -> distill -> prune -> export -> publish.

Every task is a spark-submit of the Distillery application jar running one stage command of the
same run. The run id comes from the DAG run's logical date, so

* a retried task continues the run its earlier attempt started: finished stages are skipped, and a
  training stage resumes from its last checkpoint;
* clearing a finished task (or the whole DAG run) re-runs commands that change nothing;
* `publish` publishes a run at most once: a repeated publish reports the version it already made.

Every command exits non-zero on failure (2 config, 3 data, 4 storage, 5 training, 6 verification;
see docs/launch.md), which fails the task; `distillery runs list` shows the run's state. Exit codes
2, 3 and 6 fail the task at once: a config typo, bad data or a model below its quality gate does not
get better by retrying (docs/launch.md). Storage and training failures, and a JVM that died, are
retried with back-off.

Settings come from the environment of the Airflow workers (or edit the defaults below):

  DISTILLERY_JAR              the application jar (distillery-jobs-<version>-app.jar)
  DISTILLERY_JOB_CONF         the job config (YAML); run_dir and publish.base_path must be on storage
                              every task can reach (hdfs://, s3a://)
  DISTILLERY_SPARK_PROPERTIES spark-submit --properties-file (cluster-conf/<cluster>/spark-defaults.conf)
  DISTILLERY_SPARK_CONN_ID    the Airflow Spark connection (master, deploy mode, spark-submit binary)
  DISTILLERY_WORKERS          data-parallel training tasks per stage (--workers), default 1
  DISTILLERY_DEPLOY_MODE      "client" (the driver runs on the Airflow worker) or "cluster" (the job
                              config is shipped with --files); default: spark.submit.deployMode of
                              DISTILLERY_SPARK_PROPERTIES (cluster for the YARN and Kubernetes
                              profiles), else client
  DISTILLERY_SCHEDULE         cron expression or preset, default "@daily"
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import re

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAR = os.environ.get("DISTILLERY_JAR", "/opt/distillery/distillery-jobs-app.jar")
JOB_CONF = os.environ.get("DISTILLERY_JOB_CONF", "/opt/distillery/job.yaml")
SPARK_PROPERTIES = os.environ.get("DISTILLERY_SPARK_PROPERTIES", "/opt/distillery/cluster-conf/yarn/spark-defaults.conf")
SPARK_CONN_ID = os.environ.get("DISTILLERY_SPARK_CONN_ID", "spark_default")
WORKERS = int(os.environ.get("DISTILLERY_WORKERS", "1"))

def properties_deploy_mode(path: str) -> str | None:
    """spark.submit.deployMode of a spark-defaults.conf, if it sets one."""
    try:
        with open(path) as f:
            for line in f:
                parts = line.split(None, 1)
                if len(parts) == 2 and parts[0] == "spark.submit.deployMode":
                    return parts[1].strip()
    except OSError:
        pass
    return None


DEPLOY_MODE = os.environ.get("DISTILLERY_DEPLOY_MODE") or properties_deploy_mode(SPARK_PROPERTIES) or "client"
SCHEDULE = os.environ.get("DISTILLERY_SCHEDULE", "@daily")

MAIN_CLASS = "io.distillery.jobs.cli.Main"
# One id per DAG run, from its logical date: every task and every retry of it works on the same run.
RUN_ID = "airflow-{{ ts_nodash }}"
STAGES = ["teacher", "distill", "prune", "export", "publish"]

if DEPLOY_MODE not in ("client", "cluster"):
    raise ValueError(f"DISTILLERY_DEPLOY_MODE must be client or cluster, found {DEPLOY_MODE!r}")
if WORKERS < 1:
    raise ValueError(f"DISTILLERY_WORKERS must be >= 1, found {WORKERS}")


# Distillery's exit codes that no retry can fix (docs/launch.md): bad config, bad data, quality gate.
NOT_RETRIED = {2: "bad command line or config", 3: "bad data", 6: "verification failed or quality gate missed"}


class DistillerySubmitOperator(SparkSubmitOperator):
    """spark-submit of one stage; fails without retries on the exit codes that retrying cannot fix."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            # SparkSubmitHook: "Cannot execute: <command>. Error code is: <n>."
            m = re.search(r"Error code is: (\d+)", str(e))
            code = int(m.group(1)) if m else None
            if code in NOT_RETRIED:
                raise AirflowFailException(
                    f"distillery {self.task_id} exited {code} ({NOT_RETRIED[code]}): not retried; "
                    f"see the task log and `distillery runs list`") from e
            raise


def stage_args(stage: str) -> list[str]:
    """The Distillery command line of one stage (after the jar on the spark-submit line)."""
    # In cluster mode the driver runs elsewhere: --files puts the job config in its working directory.
    conf = JOB_CONF if DEPLOY_MODE == "client" else os.path.basename(JOB_CONF)
    return [stage, "--conf", conf, "--run-id", RUN_ID, "--workers", str(WORKERS)]


with DAG(
    dag_id="distillery",
    description="Teacher -> distilled student -> pruned -> exported -> published model version",
    schedule=SCHEDULE,
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # Runs share the model path; one at a time keeps versions in the order of their logical dates.
    max_active_runs=1,
    default_args={
        "owner": "ml-platform",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=12),
    },
    tags=["distillery", "spark", "ml"],
) as dag:
    previous = None
    for stage in STAGES:
        task = DistillerySubmitOperator(
            task_id=stage,
            conn_id=SPARK_CONN_ID,
            application=JAR,
            java_class=MAIN_CLASS,
            name=f"distillery-{stage}-{RUN_ID}",
            application_args=stage_args(stage),
            properties_file=SPARK_PROPERTIES,
            deploy_mode=DEPLOY_MODE,
            files=JOB_CONF if DEPLOY_MODE == "cluster" else None,
            conf={"spark.dynamicAllocation.enabled": "false"},
            env_vars={"TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        if previous is not None:
            previous >> task
        previous = task
