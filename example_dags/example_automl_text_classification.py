"""Text classification with Autopilot V2: review sentiment."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_automl.example_data import (
    BUCKET,
    MAX_RUNTIME,
    ROLE_ARN,
    RUN_PREFIX,
    reviews_csv,
    upload,
)
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.requests import text_classification_config

with DAG(
    dag_id="example_automl_text_classification",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl"],
) as dag:

    @task
    def upload_reviews(prefix: str) -> str:
        return upload(reviews_csv(), f"{prefix}/input/reviews.csv")

    # [START howto_operator_automl_create_v2_text]
    classify = SageMakerCreateAutoMLJobOperator(
        task_id="create_text_classification_job",
        input_data_config=upload_reviews(RUN_PREFIX),
        content_type="text/csv;header=present",
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=text_classification_config(
            content_column="review",
            target_label_column="sentiment",
            max_job_runtime=MAX_RUNTIME,
        ),
        deferrable=True,
        check_interval=5,
    )
    # [END howto_operator_automl_create_v2_text]
