"""Stub of apache-airflow-providers-apache-spark's SparkSubmitOperator: same arguments, no execution."""
from __future__ import annotations

from airflow.sdk import BaseOperator

# The operator's own keyword arguments (provider 5.x), all optional.
SPARK_SUBMIT_ARGS = {
    "application", "conf", "conn_id", "files", "py_files", "archives", "driver_class_path", "jars",
    "java_class", "packages", "exclude_packages", "repositories", "total_executor_cores",
    "executor_cores", "executor_memory", "driver_memory", "keytab", "principal", "proxy_user", "name",
    "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose", "spark_binary",
    "properties_file", "yarn_queue", "deploy_mode", "use_krb5ccache", "post_submit_commands",
    "track_driver_via_k8s_api", "yarn_track_via_rm_api", "yarn_rm_auth",
    "openlineage_inject_parent_job_info", "openlineage_inject_transport_info", "durable",
}


class SparkSubmitOperator(BaseOperator):
    template_fields = (
        "application", "conf", "files", "py_files", "jars", "driver_class_path", "packages",
        "exclude_packages", "keytab", "principal", "proxy_user", "name", "application_args", "env_vars",
        "post_submit_commands", "properties_file",
    )

    def __init__(self, *, application="", conf=None, conn_id="spark_default", files=None, py_files=None,
                 jars=None, driver_class_path=None, java_class=None, packages=None, exclude_packages=None,
                 keytab=None, principal=None, proxy_user=None, name="arrow-spark", application_args=None,
                 env_vars=None, post_submit_commands=None, properties_file=None, deploy_mode=None, **kwargs):
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in SPARK_SUBMIT_ARGS}
        super().__init__(**kwargs)
        if application_args is not None and not isinstance(application_args, list):
            raise TypeError("application_args must be a list")
        self.application = application
        self.conf = conf
        self.conn_id = conn_id
        self.files = files
        self.py_files = py_files
        self.jars = jars
        self.driver_class_path = driver_class_path
        self.java_class = java_class
        self.packages = packages
        self.exclude_packages = exclude_packages
        self.keytab = keytab
        self.principal = principal
        self.proxy_user = proxy_user
        self.name = name
        self.application_args = application_args or []
        self.env_vars = env_vars
        self.post_submit_commands = post_submit_commands
        self.properties_file = properties_file
        self.deploy_mode = deploy_mode
        self.other_args = own
