"""Stub of the airflow package (Airflow 2 import path: `from airflow import DAG`)."""
from airflow.sdk import DAG  # noqa: F401
