"""Every AutoML error the local backend answers, with AWS codes, plus moto pass-through."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, tabular_v1_request, tabular_v2_request, unique

pytestmark = pytest.mark.integration


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(
    "action",
    [
        "describe_auto_ml_job",
        "describe_auto_ml_job_v2",
        "list_candidates_for_auto_ml_job",
        "stop_auto_ml_job",
    ],
)
def test_unknown_job_is_resource_not_found(sagemaker, action):
    code, message, status = error_of(getattr(sagemaker, action), AutoMLJobName="no-such-job-anywhere")

    assert (code, status) == ("ResourceNotFound", 400)
    assert "no-such-job-anywhere" in message


def test_job_names_are_unique_case_insensitively(sagemaker, breast_cancer_uri):
    name = unique("it-Dup")
    request = tabular_v2_request(name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)
    sagemaker.create_auto_ml_job_v2(**request)

    code, message, status = error_of(
        sagemaker.create_auto_ml_job_v2, **{**request, "AutoMLJobName": name.upper()}
    )
    assert (code, status) == ("ResourceInUse", 400)
    assert name in message
    code, _, _ = error_of(sagemaker.create_auto_ml_job, **tabular_v1_request(name.lower(), breast_cancer_uri))
    assert code == "ResourceInUse"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"ImageClassificationJobConfig": {}}, "Invalid ContentType: 'text/csv' for ImageClassification"),
        (
            {"TextGenerationJobConfig": {"BaseModelName": "Falcon8B"}},
            "Invalid TextGenerationJobConfig.BaseModelName",
        ),
    ],
)
def test_problem_type_rules_are_validation_errors(sagemaker, breast_cancer_uri, config, expected):
    request = tabular_v2_request(unique("it-img"), breast_cancer_uri)
    request["AutoMLJobInputDataConfig"][0]["ContentType"] = "text/csv"
    request["AutoMLProblemTypeConfig"] = config

    code, message, status = error_of(sagemaker.create_auto_ml_job_v2, **request)
    assert (code, status) == ("ValidationException", 400)
    assert expected in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"AutoMLJobName": "bad_name!"}, "regular expression pattern"),
        (
            {"AutoMLJobObjective": {"MetricName": "MSE"}, "problem_type": "BinaryClassification"},
            "Allowed: F1",
        ),
        ({"DataSplitConfig": {"ValidationFraction": 0.3}, "validation_channel": True}, "ValidationFraction"),
        ({"OutputDataConfig": {"S3OutputPath": "https://example.com/out"}}, "S3OutputPath"),
        ({"algorithms": ["arima"]}, "Invalid AutoMLAlgorithms"),
    ],
)
def test_invalid_create_requests_are_validation_errors(sagemaker, breast_cancer_uri, change, expected):
    change = dict(change)
    tabular: dict[str, Any] = {}
    if "problem_type" in change:
        tabular["ProblemType"] = change.pop("problem_type")
    if "algorithms" in change:
        tabular["CandidateGenerationConfig"] = {
            "AlgorithmsConfig": [{"AutoMLAlgorithms": change.pop("algorithms")}]
        }
    request = tabular_v2_request(unique("it-bad"), breast_cancer_uri, **tabular)
    if change.pop("validation_channel", False):
        channel = dict(request["AutoMLJobInputDataConfig"][0], ChannelType="validation")
        request["AutoMLJobInputDataConfig"].append(channel)
    request.update(change)

    code, message, status = error_of(sagemaker.create_auto_ml_job_v2, **request)
    assert (code, status) == ("ValidationException", 400)
    assert expected in message
    with pytest.raises(ClientError):  # nothing was created
        sagemaker.describe_auto_ml_job_v2(AutoMLJobName=request["AutoMLJobName"])


def test_stopping_a_finished_job_is_a_validation_error(sagemaker, hpo_job):
    code, message, _ = error_of(sagemaker.stop_auto_ml_job, AutoMLJobName=hpo_job["AutoMLJobName"])

    assert code == "ValidationException"
    assert "Completed" in message


def test_foreign_next_token_is_a_validation_error(sagemaker, hpo_job):
    name = hpo_job["AutoMLJobName"]
    first = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, MaxResults=1)

    code, message, _ = error_of(
        sagemaker.list_candidates_for_auto_ml_job,
        AutoMLJobName=name,
        MaxResults=1,
        SortBy="Status",
        NextToken=first["NextToken"],
    )
    assert code == "ValidationException"
    assert "NextToken" in message
    code, _, _ = error_of(sagemaker.list_auto_ml_jobs, NextToken="not-a-token")
    assert code == "ValidationException"


def test_moto_answers_s3_and_other_sagemaker_actions(sagemaker, s3, hpo_job):
    """The best candidate's containers are exactly what CreateModel accepts (moto answers CreateModel)."""
    model_name = unique("it-model")
    sagemaker.create_model(
        ModelName=model_name,
        Containers=hpo_job["BestCandidate"]["InferenceContainers"],
        ExecutionRoleArn=ROLE_ARN,
    )

    described = sagemaker.describe_model(ModelName=model_name)
    assert [c["Image"] for c in described["Containers"]] == [
        c["Image"] for c in hpo_job["BestCandidate"]["InferenceContainers"]
    ]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="output/")["Contents"]]
    assert any(k.endswith("model.tar.gz") for k in keys)
