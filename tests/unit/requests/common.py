"""Shared by the request tests: values that pass, and botocore's own check of a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.validate

from airflow_provider_automl import requests as rq

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
TRAIN = "s3://my-bucket/data/train/"
VALID = "s3://my-bucket/data/validation/"
OUT = "s3://my-bucket/output"


def assert_botocore_accepts(service_model: Any, request: dict[str, Any], operation: str) -> None:
    shape = service_model.operation_model(operation).input_shape
    report = botocore.validate.ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def tabular_v2(**kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "job_name": "merge",
        "input_data_config": TRAIN,
        "output_path": OUT,
        "role_arn": ROLE,
        "problem_type_config": rq.tabular_config(target_attribute="y", max_candidates=5),
    }
    params.update(kwargs)
    return rq.build_v2_request(**params)


PROBLEM_CONFIGS: dict[str, Callable[[], dict[str, Any]]] = {
    "tabular-minimal": lambda: rq.tabular_config(target_attribute="label"),
    "tabular-full": lambda: rq.tabular_config(
        target_attribute="label",
        problem_type="BinaryClassification",
        max_candidates=20,
        max_runtime_per_training_job=600,
        max_job_runtime=7200,
        mode="ENSEMBLING",
        algorithms=["xgboost", "lightgbm", "catboost"],
        feature_specification_s3_uri="s3://my-bucket/features.json",
        generate_candidate_definitions_only=False,
        sample_weight_attribute="weight",
    ),
    "tabular-hpo": lambda: rq.tabular_config(
        target_attribute="price",
        problem_type="Regression",
        mode="HYPERPARAMETER_TUNING",
        algorithms=["linear-learner", "mlp"],
    ),
    "time-series-minimal": lambda: rq.time_series_config(
        target_attribute="demand",
        timestamp_attribute="ts",
        item_identifier_attribute="item",
        forecast_frequency="D",
        forecast_horizon=14,
    ),
    "time-series-full": lambda: rq.time_series_config(
        target_attribute="demand",
        timestamp_attribute="ts",
        item_identifier_attribute="item",
        forecast_frequency="1H",
        forecast_horizon="48",
        forecast_quantiles=["p10", "p50", "p90", "p99", "p1"],
        grouping_attributes=["store", "region"],
        filling={
            "demand": {"middlefill": "zero", "backfill": "zero"},
            "price": {"futurefill": "value", "futurefill_value": "0"},
        },
        aggregation={"demand": "sum", "price": "avg"},
        holiday_country_code="US",
        max_candidates=1,
        max_job_runtime=86400,
        feature_specification_s3_uri="s3://my-bucket/ts-features.json",
        algorithms=["cnn-qr", "deepar", "prophet"],
    ),
    "text-classification": lambda: rq.text_classification_config(
        content_column="text", target_label_column="label", max_candidates=1, max_job_runtime=3600
    ),
    "image-classification-minimal": lambda: rq.image_classification_config(),
    "image-classification-full": lambda: rq.image_classification_config(
        max_candidates="1", max_runtime_per_training_job=3600, max_job_runtime=7200
    ),
    "text-generation-minimal": lambda: rq.text_generation_config(),
    "text-generation-full": lambda: rq.text_generation_config(
        base_model_name="Falcon7BInstruct",
        hyperparameters={
            "epochCount": 3,
            "learningRate": 0.0001,
            "batchSize": "8",
            "learningRateWarmupSteps": 10,
        },
        accept_eula=True,
        max_runtime_per_training_job=259200,
    ),
}
