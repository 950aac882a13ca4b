"""Stub of airflow.sdk (Airflow 3): DAG and BaseOperator, strict about their arguments."""
from __future__ import annotations

import datetime
import re

_current_dag = None

DAG_ARGS = {
    "dag_id", "description", "schedule", "start_date", "end_date", "catchup", "max_active_runs",
    "max_active_tasks", "default_args", "tags", "params", "doc_md", "dagrun_timeout",
    "render_template_as_native_obj", "template_searchpath", "user_defined_macros", "owner_links",
    "fail_fast", "dag_display_name", "is_paused_upon_creation", "on_success_callback",
    "on_failure_callback", "access_control", "max_consecutive_failed_dag_runs",
}

BASE_OPERATOR_ARGS = {
    "task_id", "owner", "email", "email_on_retry", "email_on_failure", "retries", "retry_delay",
    "retry_exponential_backoff", "max_retry_delay", "start_date", "end_date", "depends_on_past",
    "wait_for_downstream", "dag", "params", "default_args", "priority_weight", "weight_rule", "queue",
    "pool", "pool_slots", "execution_timeout", "on_execute_callback", "on_failure_callback",
    "on_success_callback", "on_retry_callback", "trigger_rule", "resources", "run_as_user",
    "max_active_tis_per_dag", "executor_config", "do_xcom_push", "doc_md", "task_display_name",
    "map_index_template",
}

_MACRO = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class DAG:
    def __init__(self, dag_id=None, **kwargs):
        unknown = set(kwargs) - DAG_ARGS
        if unknown:
            raise TypeError(f"DAG() got unexpected keyword arguments {sorted(unknown)}")
        if not dag_id:
            raise TypeError("DAG() needs a dag_id")
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.default_args = dict(kwargs.get("default_args") or {})
        self.tasks = []

    def __enter__(self):
        global _current_dag
        _current_dag = self
        return self

    def __exit__(self, *exc):
        global _current_dag
        _current_dag = None
        return False


class BaseOperator:
    template_fields: tuple = ()

    def __init__(self, **kwargs):
        unknown = set(kwargs) - BASE_OPERATOR_ARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(unknown)}")
        dag = kwargs.get("dag") or _current_dag
        if dag is None:
            raise RuntimeError(f"operator {kwargs.get('task_id')} created outside a DAG")
        if not kwargs.get("task_id"):
            raise TypeError("operator without task_id")
        merged = dict(dag.default_args)
        merged.update(kwargs)
        self.task_id = merged["task_id"]
        self.retries = merged.get("retries", 0)
        self.retry_delay = merged.get("retry_delay", datetime.timedelta(seconds=300))
        self.retry_exponential_backoff = merged.get("retry_exponential_backoff", False)
        self.execution_timeout = merged.get("execution_timeout")
        self.upstream_task_ids = set()
        self.dag = dag
        if any(t.task_id == self.task_id for t in dag.tasks):
            raise ValueError(f"duplicate task_id {self.task_id}")
        dag.tasks.append(self)

    def __rshift__(self, other):
        other.upstream_task_ids.add(self.task_id)
        return other

    def render(self, context: dict) -> dict:
        """This task's template fields rendered for a context: only {{ name }} macros are supported."""

        def render_value(value):
            if isinstance(value, str):
                def sub(match):
                    name = match.group(1)
                    if name not in context:
                        raise KeyError(f"task {self.task_id}: unknown template variable '{name}'")
                    return str(context[name])

                rendered = _MACRO.sub(sub, value)
                if "{{" in rendered or "{%" in rendered:
                    raise ValueError(f"task {self.task_id}: unsupported template in {value!r}")
                return rendered
            if isinstance(value, (list, tuple)):
                return [render_value(v) for v in value]
            if isinstance(value, dict):
                return {k: render_value(v) for k, v in value.items()}
            return value

        return {field: render_value(getattr(self, field)) for field in self.template_fields}
