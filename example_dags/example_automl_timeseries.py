"""Time-series forecasting with Autopilot V2: daily demand per item, quantile forecasts."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG, task

from airflow_provider_automl.example_data import BUCKET, MAX_RUNTIME, ROLE_ARN, RUN_PREFIX, demand_csv, upload
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.requests import time_series_config

with DAG(
    dag_id="example_automl_timeseries",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl"],
) as dag:

    @task
    def upload_history(prefix: str) -> str:
        return upload(demand_csv(), f"{prefix}/input/demand.csv")

    # [START howto_operator_automl_create_v2_timeseries]
    forecast = SageMakerCreateAutoMLJobOperator(
        task_id="create_forecasting_job",
        input_data_config=upload_history(RUN_PREFIX),
        content_type="text/csv;header=present",
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=time_series_config(
            target_attribute="demand",
            timestamp_attribute="timestamp",
            item_identifier_attribute="item_id",
            forecast_frequency="D",
            forecast_horizon=14,
            forecast_quantiles=["p10", "p50", "p90"],
            max_job_runtime=MAX_RUNTIME,
        ),
        objective_metric="AverageWeightedQuantileLoss",
        deferrable=True,
        check_interval=5,
    )
    # [END howto_operator_automl_create_v2_timeseries]
