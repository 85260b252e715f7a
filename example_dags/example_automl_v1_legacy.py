"""
The V1 API (CreateAutoMLJob), created without waiting, then watched by the sensor in
reschedule mode, so no worker slot is held between checks.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_automl.example_data import BUCKET, MAX_RUNTIME, ROLE_ARN, RUN_PREFIX, churn_csv, upload
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor

with DAG(
    dag_id="example_automl_v1_legacy",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl"],
) as dag:

    @task
    def upload_training_data(prefix: str) -> str:
        return upload(churn_csv(), f"{prefix}/input/train.csv")

    # [START howto_operator_automl_create_v1]
    create_job = SageMakerCreateAutoMLJobOperator(
        task_id="create_automl_job_v1",
        api_version="v1",
        input_data_config=upload_training_data(RUN_PREFIX),
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        target_attribute="churned",
        problem_type="BinaryClassification",
        objective_metric="F1",
        max_candidates=3,
        max_job_runtime=MAX_RUNTIME,
        mode="HYPERPARAMETER_TUNING",
        wait_for_completion=False,
    )
    # [END howto_operator_automl_create_v1]

    # [START howto_sensor_automl_job]
    wait_for_job = SageMakerAutoMLJobSensor(
        task_id="wait_for_automl_job",
        job_name="{{ ti.xcom_pull(task_ids='create_automl_job_v1')['AutoMLJobName'] }}",
        mode="reschedule",
        poke_interval=5,
        timeout=2 * MAX_RUNTIME,
    )
    # [END howto_sensor_automl_job]

    create_job >> wait_for_job
