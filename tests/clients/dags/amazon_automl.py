"""The amazon provider's own AutoML operator and sensor, as a DAG author writes them today.

Run by tests/clients/test_amazon_provider.py with ``airflow dags test`` against the local backend;
the job names' prefix and the training data come from the environment.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.operators.sagemaker import SageMakerAutoMLOperator
from airflow.providers.amazon.aws.sensors.sagemaker import SageMakerAutoMLSensor
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

PREFIX = os.environ.get("AUTOML_CLIENTS_PREFIX", "amzn")
TRAIN_URI = os.environ.get("AUTOML_CLIENTS_TRAIN_URI", "s3://automl-clients/data/train.csv")
OUTPUT = os.environ.get("AUTOML_CLIENTS_OUTPUT", "s3://automl-clients/amazon-provider/")
ROLE_ARN = "arn:aws:iam::123456789012:role/automl-clients"


def job_config(max_candidates: int) -> dict:
    return {
        "ProblemType": "BinaryClassification",
        "AutoMLJobObjective": {"MetricName": "F1"},
        "AutoMLJobConfig": {
            "Mode": "HYPERPARAMETER_TUNING",
            "CompletionCriteria": {"MaxCandidates": max_candidates},
        },
    }


COMMON = {
    "s3_input": TRAIN_URI,
    "target_attribute": "target",
    "s3_output": OUTPUT,
    "role_arn": ROLE_ARN,
    "check_interval": 1,
}

with DAG(
    "clients_amazon_automl",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["clients"],
    # A stuck job must fail the test, not hang it: the operator's own wait has no limit.
    default_args={"execution_timeout": timedelta(minutes=5)},
):
    # Start without waiting, then the sensor pokes until the job ends. It runs first, so it sees the
    # job in progress; everything else waits for it.
    start = SageMakerAutoMLOperator(
        task_id="automl_start",
        job_name=f"{PREFIX}-sensed",
        wait_for_completion=False,
        extras=job_config(3),
        **COMMON,
    )
    sensed = start >> SageMakerAutoMLSensor(
        task_id="automl_sensor", job_name=f"{PREFIX}-sensed", poke_interval=1
    )

    # Waits in the task and returns the BestCandidate. time_limit is given too: the operator's extras
    # replace its AutoMLJobConfig wholesale, so the limit is silently dropped (checked by the test).
    sensed >> SageMakerAutoMLOperator(
        task_id="automl_wait", job_name=f"{PREFIX}-wait", time_limit=900, extras=job_config(2), **COMMON
    )

    # A stopped job: the sensor treats Stopped as success.
    start_long = SageMakerAutoMLOperator(
        task_id="automl_start_long",
        job_name=f"{PREFIX}-stopped",
        wait_for_completion=False,
        extras=job_config(50),
        **COMMON,
    )

    @task
    def stop_job() -> None:
        from airflow.providers.amazon.aws.hooks.sagemaker import SageMakerHook

        SageMakerHook().conn.stop_auto_ml_job(AutoMLJobName=f"{PREFIX}-stopped")

    (
        sensed
        >> start_long
        >> stop_job()
        >> SageMakerAutoMLSensor(
            task_id="automl_sensor_stopped", job_name=f"{PREFIX}-stopped", poke_interval=1
        )
    )

    # A job that fails (no such target column): the sensor fails, with the reason lost.
    start_bad = SageMakerAutoMLOperator(
        task_id="automl_start_bad",
        job_name=f"{PREFIX}-failed",
        wait_for_completion=False,
        extras=job_config(2),
        **{**COMMON, "target_attribute": "no_such_column"},
    )
    (
        sensed
        >> start_bad
        >> SageMakerAutoMLSensor(task_id="automl_sensor_failed", job_name=f"{PREFIX}-failed", poke_interval=1)
        # Keeps the run itself green so the test sees every task's state.
        >> EmptyOperator(task_id="after_failed_sensor", trigger_rule="all_done")
    )
