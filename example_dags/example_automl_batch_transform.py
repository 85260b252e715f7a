"""
Score a table with the best candidate: train an Autopilot job, create a SageMaker model from its
best candidate, run a batch transform over new customers with the amazon provider's
``SageMakerTransformOperator``, then read the predictions and check them.

The transform keeps each row's customer id out of the model (``InputFilter``) and joins it back to
the prediction (``JoinSource`` / ``OutputFilter``), so the output reads ``id,label,probability``.
Runs unchanged against AWS or the local backend: only the ``aws_default`` connection differs.
Note: importing the amazon provider's operators loads boto3 when the DAG file is parsed.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import datetime
from typing import Any

from airflow.providers.amazon.aws.operators.sagemaker import SageMakerTransformOperator
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
from airflow_provider_automl.operators.model import SageMakerCreateModelFromCandidateOperator
from airflow_provider_automl.requests import tabular_config

SCORING_ROWS = int(os.environ.get("AUTOML_EXAMPLE_SCORING_ROWS", "500"))
MIN_ACCURACY = float(os.environ.get("AUTOML_EXAMPLE_MIN_ACCURACY", "0.6"))
JOB = "{{ ti.xcom_pull(task_ids='create_automl_job')['AutoMLJobName'] }}"

with DAG(
    dag_id="example_automl_batch_transform",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "automl", "transform"],
) as dag:

    @task
    def upload_training_data(prefix: str) -> str:
        return upload(churn_csv(), f"{prefix}/input/train.csv")

    @task
    def upload_customers_to_score(prefix: str) -> dict[str, str]:
        """New customers as headerless CSV rows, an id first; returns their true labels by id."""
        rows = list(csv.reader(io.StringIO(churn_csv(rows=SCORING_ROWS, seed=99))))[1:]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        labels = {}
        for index, row in enumerate(rows):
            customer = f"customer-{index:05d}"
            writer.writerow([customer, *row[:-1]])  # the features; the label stays out
            labels[customer] = row[-1]
        upload(out.getvalue(), f"{prefix}/score/customers.csv")
        return labels

    labels = upload_customers_to_score(RUN_PREFIX)

    create_job = SageMakerCreateAutoMLJobOperator(
        task_id="create_automl_job",
        input_data_config=upload_training_data(RUN_PREFIX),
        output_path=f"s3://{BUCKET}/{RUN_PREFIX}/output",
        role_arn=ROLE_ARN,
        problem_type_config=tabular_config(
            target_attribute="churned",
            problem_type="BinaryClassification",
            mode="HYPERPARAMETER_TUNING",  # Autopilot's 3-container pipeline
            max_candidates=MAX_CANDIDATES,
            max_job_runtime=MAX_RUNTIME,
        ),
        objective_metric="F1",
        deferrable=True,
        check_interval=CHECK_INTERVAL,
    )

    # [START howto_operator_automl_batch_transform]
    create_model = SageMakerCreateModelFromCandidateOperator(
        task_id="create_model",
        candidate=create_job.output["best_candidate"],
        execution_role_arn=ROLE_ARN,
        inference_response_keys=["predicted_label", "probability"],
    )

    transform = SageMakerTransformOperator(
        task_id="batch_transform",
        config={
            "TransformJobName": f"scores-{JOB}",
            "ModelName": "{{ ti.xcom_pull(task_ids='create_model')['ModelName'] }}",
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{RUN_PREFIX}/score/"}
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            "TransformOutput": {
                "S3OutputPath": f"s3://{BUCKET}/{RUN_PREFIX}/scored/",
                "Accept": "text/csv",
                "AssembleWith": "Line",
            },
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            # The id is no feature: filter it out, join it back, keep id + the model's answer.
            "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-2,-1]"},
        },
        check_interval=CHECK_INTERVAL,
    )
    # [END howto_operator_automl_batch_transform]

    @task
    def check_predictions(result: dict[str, Any], truth: dict[str, str]) -> float:
        """Read ``customers.csv.out`` (``id,predicted_label,probability`` per row) and check it."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        output = result["Transform"]["TransformOutput"]["S3OutputPath"].rstrip("/") + "/customers.csv.out"
        bucket, key = output[len("s3://") :].split("/", 1)
        rows = list(csv.reader(io.StringIO(S3Hook(aws_conn_id="aws_default").read_key(key, bucket))))
        if [row[0] for row in rows] != list(truth):
            raise ValueError(f"{output} does not hold one prediction per customer, in order")
        for customer, label, probability in rows:
            if label not in ("yes", "no") or not 0.0 <= float(probability) <= 1.0:
                raise ValueError(f"unexpected prediction for {customer}: {label}, {probability}")
        accuracy = sum(label == truth[customer] for customer, label, _ in rows) / len(rows)
        print(f"Checked {len(rows)} predictions in {output}: accuracy {accuracy:.3f}")
        if accuracy < MIN_ACCURACY:
            raise ValueError(f"accuracy {accuracy:.3f} is below {MIN_ACCURACY}")
        return accuracy

    create_job >> create_model >> transform
    check_predictions(transform.output, labels)
