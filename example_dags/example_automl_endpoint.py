"""
Real-time inference: an Autopilot job that deploys its best candidate itself (``ModelDeployConfig``),
a task that calls the endpoint with ``InvokeEndpoint``, and a clean-up that deletes the endpoint.

The endpoint's name is in the job's ``ModelDeployResult`` once the job completes. Runs unchanged
against AWS or the local backend: only the ``aws_default`` connection differs.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_automl.example_data import (
    BUCKET,
    CHECK_INTERVAL,
    MAX_CANDIDATES,
    MAX_RUNTIME,
    ROLE_ARN,
    RUN_PREFIX,
    churn_csv,
    upload,
)
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.requests import tabular_config

# Three customers to score: tenure_months, monthly_charges, support_calls, contract.
CUSTOMERS = "2,99.5,7,monthly\n60,25.0,0,two_year\n30,70.0,2,annual\n"

with DAG(
    dag_id="example_automl_endpoint",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl", "endpoint"],
) as dag:

    @task
    def upload_training_data(prefix: str) -> str:
        return upload(churn_csv(), f"{prefix}/input/train.csv")

    # [START howto_operator_automl_deploy]
    create_job = SageMakerCreateAutoMLJobOperator(
        task_id="create_automl_job",
        input_data_config=upload_training_data(RUN_PREFIX),
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=tabular_config(
            target_attribute="churned",
            problem_type="BinaryClassification",
            max_candidates=MAX_CANDIDATES,
            max_job_runtime=MAX_RUNTIME,
        ),
        objective_metric="F1",
        model_deploy_config={"AutoGenerateEndpointName": True},  # Autopilot deploys the best candidate
        deferrable=True,
        check_interval=CHECK_INTERVAL,
    )

    @task
    def endpoint_of(job: dict[str, Any]) -> str:
        """The endpoint Autopilot deployed: the job record's ModelDeployResult."""
        deployed = job["ModelDeployResult"]
        if not deployed:
            status = job["AutoMLJobSecondaryStatus"]
            raise ValueError(f"job {job['AutoMLJobName']} deployed nothing ({status})")
        return str(deployed["EndpointName"])

    @task
    def invoke(endpoint: str) -> list[dict[str, Any]]:
        """Score three customers in real time: CSV rows in, JSON predictions out."""
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        runtime = AwsBaseHook(aws_conn_id="aws_default", client_type="sagemaker-runtime").conn
        answer = runtime.invoke_endpoint(
            EndpointName=endpoint, ContentType="text/csv", Accept="application/json", Body=CUSTOMERS
        )
        predictions = json.loads(answer["Body"].read())["predictions"]
        print(f"InvokeEndpoint {endpoint} ({answer['InvokedProductionVariant']}) answered {predictions}")
        if len(predictions) != 3 or any(p["predicted_label"] not in ("yes", "no") for p in predictions):
            raise ValueError(f"unexpected predictions: {predictions}")
        return list(predictions)

    # [END howto_operator_automl_deploy]

    @task(trigger_rule="all_done")
    def delete_endpoint(endpoint: str | None) -> None:
        """An endpoint costs money while it runs (on AWS): delete it when done."""
        from airflow.providers.amazon.aws.hooks.sagemaker import SageMakerHook

        if not endpoint:  # nothing was deployed
            return
        SageMakerHook(aws_conn_id="aws_default").conn.delete_endpoint(EndpointName=endpoint)

    endpoint = endpoint_of(create_job.output)
    invoke(endpoint) >> delete_endpoint(endpoint)
