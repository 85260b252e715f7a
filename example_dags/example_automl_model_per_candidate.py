"""Dynamic task mapping: one SageMaker model per top-k candidate of a finished AutoML job."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_automl.example_data import ROLE_ARN
from airflow_provider_automl.operators.automl import SageMakerListAutoMLCandidatesOperator
from airflow_provider_automl.operators.model import SageMakerCreateModelFromCandidateOperator

with DAG(
    dag_id="example_automl_model_per_candidate",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"job_name": os.environ.get("AUTOML_EXAMPLE_JOB_NAME", "my-finished-automl-job")},
    tags=["example", "automl"],
) as dag:
    # [START howto_operator_automl_model_per_candidate]
    top_candidates = SageMakerListAutoMLCandidatesOperator(
        task_id="list_top_candidates",
        job_name="{{ params.job_name }}",
        top_k=3,
    )

    SageMakerCreateModelFromCandidateOperator.partial(
        task_id="create_model",
        execution_role_arn=ROLE_ARN,
    ).expand(candidate=top_candidates.output)
    # [END howto_operator_automl_model_per_candidate]
