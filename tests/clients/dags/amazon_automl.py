"""The amazon provider's own AutoML operator and sensor, as a DAG author writes them today.

Run by tests/clients/test_amazon_provider.py with ``airflow dags test`` against the local backend;
the job names' prefix and the training data come from the environment.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.operators.sagemaker import (
    SageMakerAutoMLOperator,
    SageMakerDeleteModelOperator,
    SageMakerEndpointOperator,
)
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
    waited = SageMakerAutoMLOperator(
        task_id="automl_wait", job_name=f"{PREFIX}-wait", time_limit=900, extras=job_config(2), **COMMON
    )
    sensed >> waited

    # Deploy the best candidate with the amazon provider's endpoint operator (model, endpoint config
    # and endpoint in one task, waiting with botocore's endpoint_in_service waiter), call it, clean up.
    @task
    def endpoint_config(returned: dict) -> dict:
        best = returned.get("BestCandidate", returned)
        name = f"{PREFIX}-ep"
        return {
            "Model": {
                "ModelName": name,
                "Containers": best["InferenceContainers"],
                "ExecutionRoleArn": ROLE_ARN,
            },
            "EndpointConfig": {
                "EndpointConfigName": name,
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": name,
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                    }
                ],
            },
            "Endpoint": {"EndpointName": name, "EndpointConfigName": name},
        }

    deployed = SageMakerEndpointOperator(
        task_id="deploy_endpoint",
        config=endpoint_config(waited.output),
        wait_for_completion=True,
        check_interval=1,
        max_ingestion_time=300,
    )

    # The same model behind a second endpoint, waited for on the triggerer (deferrable: the amazon
    # provider's SageMakerTrigger with aiobotocore's endpoint_in_service waiter).
    deferred = SageMakerEndpointOperator(
        task_id="deploy_endpoint_deferrable",
        config={
            "EndpointConfig": {
                "EndpointConfigName": f"{PREFIX}-ep-d",
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": f"{PREFIX}-ep",
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                    }
                ],
            },
            "Endpoint": {"EndpointName": f"{PREFIX}-ep-d", "EndpointConfigName": f"{PREFIX}-ep-d"},
        },
        deferrable=True,
        check_interval=1,
        max_ingestion_time=300,
    )

    @task
    def invoke_endpoint() -> str:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        runtime = AwsBaseHook(client_type="sagemaker-runtime").conn
        answers = [
            runtime.invoke_endpoint(
                EndpointName=name, ContentType="text/csv", Body="1.2,0.3,0.5,r\n-1.5,-0.8,0.1,b\n"
            )["Body"].read()
            for name in (f"{PREFIX}-ep", f"{PREFIX}-ep-d")
        ]
        if answers[0] != answers[1]:
            raise ValueError(f"the two endpoints of one model answered differently: {answers}")
        return str(answers[0].decode())

    @task(trigger_rule="all_done")
    def delete_endpoint() -> None:
        from airflow.providers.amazon.aws.hooks.sagemaker import SageMakerHook

        conn = SageMakerHook().conn
        for name in (f"{PREFIX}-ep", f"{PREFIX}-ep-d"):
            conn.delete_endpoint(EndpointName=name)
            conn.delete_endpoint_config(EndpointConfigName=name)

    (
        deployed
        >> deferred
        >> invoke_endpoint()
        >> delete_endpoint()
        >> SageMakerDeleteModelOperator(task_id="delete_model", config={"ModelName": f"{PREFIX}-ep"})
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
