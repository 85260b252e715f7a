"""Reattach: compare a create request with DescribeAutoMLJobV2 of the existing job."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError
from tests.unit.requests.common import OUT, ROLE, TRAIN, VALID


def _described_from_v2(request: dict[str, Any]) -> dict[str, Any]:
    """What DescribeAutoMLJobV2 answers (json-safe) for a job created by ``request``."""
    config_key = next(iter(request["AutoMLProblemTypeConfig"]))
    described = {
        "AutoMLJobName": request["AutoMLJobName"],
        "AutoMLJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:automl-job/{request['AutoMLJobName']}",
        "AutoMLJobInputDataConfig": copy.deepcopy(request["AutoMLJobInputDataConfig"]),
        "OutputDataConfig": copy.deepcopy(request["OutputDataConfig"]),
        "RoleArn": request["RoleArn"],
        "AutoMLProblemTypeConfig": copy.deepcopy(request["AutoMLProblemTypeConfig"]),
        "AutoMLProblemTypeConfigName": {v: k for k, v in rq.PROBLEM_TYPE_CONFIG_KEYS.items()}[config_key],
        "AutoMLJobStatus": "InProgress",
        "AutoMLJobSecondaryStatus": "Starting",
        "CreationTime": "2024-01-01T00:00:00+00:00",
        "LastModifiedTime": "2024-01-01T00:00:00+00:00",
    }
    if "AutoMLJobObjective" in request:
        described["AutoMLJobObjective"] = dict(request["AutoMLJobObjective"])
    return described


def _described_from_v1(request: dict[str, Any]) -> dict[str, Any]:
    """DescribeAutoMLJobV2 of a V1-created job: V2 channels, target inside TabularJobConfig."""
    channels = [
        {
            key: value
            for key, value in channel.items()
            if key not in ("TargetAttributeName", "SampleWeightAttributeName")
        }
        for channel in request["InputDataConfig"]
    ]
    tabular: dict[str, Any] = {"TargetAttributeName": request["InputDataConfig"][0]["TargetAttributeName"]}
    if "ProblemType" in request:
        tabular["ProblemType"] = request["ProblemType"]
    described = {
        "AutoMLJobName": request["AutoMLJobName"],
        "AutoMLJobInputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": request["OutputDataConfig"]["S3OutputPath"] + "/"},
        "RoleArn": request["RoleArn"],
        "AutoMLProblemTypeConfig": {"TabularJobConfig": tabular},
        "AutoMLProblemTypeConfigName": "Tabular",
        "AutoMLJobObjective": {
            "MetricName": (request.get("AutoMLJobObjective") or {}).get("MetricName", "F1")
        },
    }
    return described


def _v2_request(**kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "job_name": "reattach",
        "input_data_config": rq.input_channels(TRAIN, validation=VALID),
        "output_path": OUT,
        "role_arn": ROLE,
        "problem_type_config": rq.tabular_config(target_attribute="y", problem_type="BinaryClassification"),
        "objective_metric": "AUC",
    }
    params.update(kwargs)
    return rq.build_v2_request(**params)


def _v1_request(**kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "job_name": "reattach",
        "input_data_config": rq.input_channels(TRAIN, validation=VALID),
        "output_path": OUT,
        "role_arn": ROLE,
        "target_attribute": "y",
    }
    params.update(kwargs)
    return rq.build_v1_request(**params)


@pytest.mark.parametrize(
    "make",
    [
        lambda: _v2_request(),
        lambda: _v2_request(
            problem_type_config=rq.time_series_config(
                target_attribute="y",
                timestamp_attribute="t",
                item_identifier_attribute="i",
                forecast_frequency="D",
                forecast_horizon=3,
            ),
            input_data_config=TRAIN,
            objective_metric=None,
        ),
        lambda: _v2_request(
            problem_type_config=rq.text_classification_config(content_column="c", target_label_column="l"),
            objective_metric="Accuracy",
        ),
        lambda: _v2_request(problem_type_config=rq.image_classification_config(), objective_metric=None),
    ],
    ids=["tabular", "time-series", "text", "image"],
)
def test_reattach_v2_same_inputs_match(make: Callable[[], dict[str, Any]]) -> None:
    request = make()
    assert rq.reattach_mismatches(request, _described_from_v2(request), api_version="v2") == []


def test_reattach_v2_reports_every_difference() -> None:
    request = _v2_request()
    described = _described_from_v2(
        _v2_request(
            input_data_config=rq.input_channels("s3://other-bucket/train/"),
            output_path="s3://other-bucket/out",
            role_arn="arn:aws:iam::123456789012:role/Other",
            problem_type_config=rq.tabular_config(
                target_attribute="z", problem_type="MulticlassClassification"
            ),
            objective_metric="Accuracy",
        )
    )
    assert rq.reattach_mismatches(request, described, api_version="v2") == [
        "input channels: requested [('training', 'S3Prefix', 's3://my-bucket/data/train'), "
        "('validation', 'S3Prefix', 's3://my-bucket/data/validation')], existing job has "
        "[('training', 'S3Prefix', 's3://other-bucket/train')]",
        "OutputDataConfig.S3OutputPath: requested 's3://my-bucket/output', existing job has 's3://other-bucket/out'",
        "target column: requested 'y', existing job has 'z'",
        "ProblemType: requested 'BinaryClassification', existing job has 'MulticlassClassification'",
        "AutoMLJobObjective.MetricName: requested 'AUC', existing job has 'Accuracy'",
        "RoleArn: requested 'arn:aws:iam::123456789012:role/SageMakerRole', existing job has "
        "'arn:aws:iam::123456789012:role/Other'",
    ]


def test_reattach_v2_problem_type_differs() -> None:
    request = _v2_request()
    described = _described_from_v2(
        _v2_request(problem_type_config=rq.image_classification_config(), objective_metric=None)
    )
    assert rq.reattach_mismatches(request, described, api_version="v2") == [
        "problem type: requested 'Tabular', existing job has 'ImageClassification'",
    ]


def test_reattach_ignores_what_autopilot_resolved() -> None:
    # The request let Autopilot pick problem type and metric; the described job carries them.
    request = _v2_request(problem_type_config=rq.tabular_config(target_attribute="y"), objective_metric=None)
    described = _described_from_v2(_v2_request())
    assert rq.reattach_mismatches(request, described, api_version="v2") == []


def test_reattach_v1_created_job_matches() -> None:
    request = _v1_request(problem_type="Regression", objective_metric="RMSE")
    assert rq.reattach_mismatches(request, _described_from_v1(request), api_version="v1") == []


def test_reattach_v1_created_job_differences() -> None:
    request = _v1_request()
    described = _described_from_v1(_v1_request(target_attribute="other", input_data_config=TRAIN))
    assert rq.reattach_mismatches(request, described, api_version="v1") == [
        "input channels: requested [('training', 'S3Prefix', 's3://my-bucket/data/train'), "
        "('validation', 'S3Prefix', 's3://my-bucket/data/validation')], existing job has "
        "[('training', 'S3Prefix', 's3://my-bucket/data/train')]",
        "target column: requested 'y', existing job has 'other'",
    ]


def test_reattach_v1_request_against_v2_tabular_job() -> None:
    v2 = _v2_request(problem_type_config=rq.tabular_config(target_attribute="y"), objective_metric=None)
    v1 = _v1_request()
    assert rq.reattach_mismatches(v1, _described_from_v2(v2), api_version="v1") == []


def test_reattach_rejects_unknown_api_version() -> None:
    with pytest.raises(AutoMLValidationError, match=r"^Invalid api_version: 'v3'\. Allowed: v1, v2\.$"):
        rq.reattach_mismatches({}, {}, api_version="v3")
