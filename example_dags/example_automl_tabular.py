"""
Tabular AutoML end to end: upload data, run an Autopilot V2 job (deferrable), rank its
candidates, register the best one in the Model Registry and approve it.

Runs unchanged against AWS or the local backend: only the ``aws_default`` connection
differs (``endpoint_url`` in its extra points at the local backend).
"""

from __future__ import annotations

import os
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
from airflow_provider_automl.operators.automl import (
    SageMakerCreateAutoMLJobOperator,
    SageMakerListAutoMLCandidatesOperator,
)
from airflow_provider_automl.operators.model import (
    SageMakerApproveModelPackageOperator,
    SageMakerRegisterCandidateOperator,
)
from airflow_provider_automl.requests import tabular_config

MODEL_PACKAGE_GROUP = os.environ.get("AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP", "example-automl-churn")
JOB_NAME = "{{ ti.xcom_pull(task_ids='create_automl_job')['AutoMLJobName'] }}"

with DAG(
    dag_id="example_automl_tabular",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl"],
) as dag:

    @task
    def upload_training_data(prefix: str) -> str:
        return upload(churn_csv(), f"{prefix}/input/train.csv")

    training_data = upload_training_data(RUN_PREFIX)

    # [START howto_operator_automl_create_v2_tabular]
    create_job = SageMakerCreateAutoMLJobOperator(
        task_id="create_automl_job",
        input_data_config=training_data,
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=tabular_config(
            target_attribute="churned",
            problem_type="BinaryClassification",
            max_candidates=MAX_CANDIDATES,
            max_job_runtime=MAX_RUNTIME,
        ),
        objective_metric="F1",
        deferrable=True,
        check_interval=CHECK_INTERVAL,
    )
    # [END howto_operator_automl_create_v2_tabular]

    # [START howto_operator_automl_list_candidates]
    top_candidates = SageMakerListAutoMLCandidatesOperator(
        task_id="list_top_candidates",
        job_name=JOB_NAME,
        top_k=5,
    )
    # [END howto_operator_automl_list_candidates]

    @task
    def report(job: dict[str, Any], candidates: list[dict[str, Any]]) -> str:
        best = job["BestCandidate"]
        metric = best["FinalAutoMLJobObjectiveMetric"]
        print(f"Best candidate {best['CandidateName']}: {metric['MetricName']} = {metric['Value']:.4f}")
        for rank, candidate in enumerate(candidates, start=1):
            score = candidate["FinalAutoMLJobObjectiveMetric"]
            print(f"  {rank}. {candidate['CandidateName']} {score['MetricName']} = {score['Value']:.4f}")
        return str(best["CandidateName"])

    # [START howto_operator_automl_register_candidate]
    register = SageMakerRegisterCandidateOperator(
        task_id="register_best_candidate",
        model_package_group_name=MODEL_PACKAGE_GROUP,
        candidate=create_job.output["best_candidate"],
        job_name=JOB_NAME,
        description="Churn model from example_automl_tabular",
    )
    # [END howto_operator_automl_register_candidate]

    # [START howto_operator_automl_approve_model_package]
    approve = SageMakerApproveModelPackageOperator(
        task_id="approve_model_package",
        model_package_arn=register.output,
        approval_description="Approved by example_automl_tabular",
    )
    # [END howto_operator_automl_approve_model_package]

    create_job >> top_candidates  # the job name reaches it through a template, not an XComArg
    report(create_job.output, top_candidates.output) >> register >> approve
