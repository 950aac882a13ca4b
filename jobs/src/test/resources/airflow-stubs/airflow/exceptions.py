"""Stub of airflow.exceptions: the two exceptions a task raises to fail (with or without retries)."""


class AirflowException(Exception):
    """A task failure; Airflow retries the task if it has retries left."""


class AirflowFailException(AirflowException):
    """A task failure that Airflow does not retry."""
