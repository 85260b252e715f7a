"""
Tabular AutoML end to end: upload data, run an Autopilot V2 job, rank its candidates.

Runs unchanged against AWS or against the local backend: only the ``aws_default``
connection differs (``endpoint_url`` in its extra points at the local backend).

Settings come from environment variables so the same file serves both:
``AUTOML_EXAMPLE_BUCKET`` (default ``automl-example``), ``AUTOML_EXAMPLE_ROLE_ARN`` and
``AUTOML_EXAMPLE_MAX_RUNTIME`` (seconds for the whole job, default 600).
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_automl.operators.automl import (
    SageMakerCreateAutoMLJobOperator,
    SageMakerListAutoMLCandidatesOperator,
)
from airflow_provider_automl.requests import tabular_config

BUCKET = os.environ.get("AUTOML_EXAMPLE_BUCKET", "automl-example")
ROLE_ARN = os.environ.get("AUTOML_EXAMPLE_ROLE_ARN", "arn:aws:iam::123456789012:role/SageMakerAutopilot")
MAX_RUNTIME = int(os.environ.get("AUTOML_EXAMPLE_MAX_RUNTIME", "600"))
PREFIX = "example_automl_tabular/{{ run_id | replace(':', '-') | replace('+', '-') }}"


def churn_dataset(rows: int = 2000, seed: int = 7) -> str:
    """A customer-churn table with real signal, generated so the example needs no download."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tenure_months", "monthly_charges", "support_calls", "contract", "churned"])
    for _ in range(rows):
        tenure = rng.randint(1, 72)
        charges = round(rng.uniform(20, 120), 2)
        calls = rng.randint(0, 9)
        contract = rng.choice(["monthly", "annual", "two_year"])
        score = (
            1.5
            - 0.05 * tenure
            + 0.02 * charges
            + 0.35 * calls
            - {"monthly": 0, "annual": 1.2, "two_year": 2.4}[contract]
        )
        churned = "yes" if rng.random() < 1 / (1 + math.exp(-score)) else "no"
        writer.writerow([tenure, charges, calls, contract, churned])
    return out.getvalue()


with DAG(
    dag_id="example_automl_tabular",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl"],
) as dag:

    @task
    def upload_training_data(prefix: str) -> str:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        s3 = S3Hook(aws_conn_id="aws_default")
        if not s3.check_for_bucket(BUCKET):
            s3.create_bucket(bucket_name=BUCKET)
        key = f"{prefix}/input/train.csv"
        s3.load_string(churn_dataset(), key=key, bucket_name=BUCKET, replace=True)
        return f"s3://{BUCKET}/{key}"

    training_data = upload_training_data(PREFIX)

    # [START howto_operator_automl_create_v2_tabular]
    create_job = SageMakerCreateAutoMLJobOperator(
        task_id="create_automl_job",
        input_data_config=training_data,
        output_path=f"s3://{BUCKET}/{PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=tabular_config(
            target_attribute="churned",
            problem_type="BinaryClassification",
            max_candidates=5,
            max_job_runtime=MAX_RUNTIME,
        ),
        objective_metric="F1",
        deferrable=True,
        check_interval=5,
    )
    # [END howto_operator_automl_create_v2_tabular]

    # [START howto_operator_automl_list_candidates]
    top_candidates = SageMakerListAutoMLCandidatesOperator(
        task_id="list_top_candidates",
        job_name="{{ ti.xcom_pull(task_ids='create_automl_job')['AutoMLJobName'] }}",
        top_k=5,
    )
    # [END howto_operator_automl_list_candidates]

    @task
    def report(job: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any]:
        best = job["BestCandidate"]
        metric = best["FinalAutoMLJobObjectiveMetric"]
        print(f"Best candidate: {best['CandidateName']} {metric['MetricName']} = {metric['Value']:.4f}")
        print(f"{len(candidates)} ranked candidate(s); containers: {len(best['InferenceContainers'])}")
        return {"candidate": best["CandidateName"], "metric": metric}

    report(create_job.output, top_candidates.output)
