"""Shared fixtures: canned SageMaker responses validated against botocore's model, stubbed clients.

Response builders return dicts shaped like what boto3 returns (datetimes, not strings) and
check them with :func:`validate_output` so a canned response can never drift from the API.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.stub import Stubber
from botocore.validate import validate_parameters

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/AutoMLRole"
T0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


@cache
def sagemaker_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("sagemaker")


def operation_model(operation_name: str) -> OperationModel:
    return sagemaker_model().operation_model(operation_name)


def _check_enums(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    # botocore's ParamValidator checks required keys, unknown keys and types, not enum values.
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for key, member in value.items():
            if key in shape.members:
                _check_enums(member, shape.members[key], f"{path}.{key}", errors)
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, item in enumerate(value):
            _check_enums(item, shape.member, f"{path}[{i}]", errors)
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, item in value.items():
            _check_enums(item, shape.value, f"{path}.{key}", errors)
    elif getattr(shape, "enum", None) and value not in shape.enum:  # type: ignore[attr-defined]
        errors.append(f"{path}: {value!r} not one of {shape.enum}")


def validate_output(operation_name: str, response: Mapping[str, Any]) -> dict[str, Any]:
    """Raise when ``response`` does not match the operation's output shape (types, required, enums)."""
    shape = operation_model(operation_name).output_shape
    assert shape is not None, f"{operation_name} has no output"
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    validate_parameters(body, shape)
    errors: list[str] = []
    _check_enums(body, shape, operation_name, errors)
    if errors:
        raise AssertionError("; ".join(errors))
    return dict(response)


def validate_input(operation_name: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """Raise when ``request`` does not match the operation's input shape."""
    shape = operation_model(operation_name).input_shape
    validate_parameters(dict(request), shape)
    errors: list[str] = []
    _check_enums(request, shape, operation_name, errors)
    if errors:
        raise AssertionError("; ".join(errors))
    return dict(request)


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:automl-job/{name.lower()}"


def make_candidate(
    name: str = "cand-1",
    *,
    status: str = "Completed",
    metric: str = "F1",
    value: float = 0.91,
    definitions: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """One ListCandidatesForAutoMLJob / BestCandidate entry (validated as part of a response)."""
    containers = [
        {
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sklearn-automl:2.5-1-cpu-py3",
            "ModelDataUrl": f"s3://bucket/output/{name}/data-processor-models/model.tar.gz",
            "Environment": {
                "AUTOML_TRANSFORM_MODE": "feature-transform",
                "SAGEMAKER_PROGRAM": "sagemaker_serve",
            },
        },
        {
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": f"s3://bucket/output/{name}/tuning/model.tar.gz",
            "Environment": {
                "MAX_CONTENT_LENGTH": "20971520",
                "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
            },
        },
    ]
    candidate: dict[str, Any] = {
        "CandidateName": name,
        "FinalAutoMLJobObjectiveMetric": {"Type": "Maximize", "MetricName": metric, "Value": value},
        "ObjectiveStatus": "Succeeded",
        "CandidateSteps": [
            {
                "CandidateStepType": "AWS::SageMaker::TrainingJob",
                "CandidateStepArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}",
                "CandidateStepName": name,
            }
        ],
        "CandidateStatus": status,
        "InferenceContainers": containers,
        "CreationTime": T0,
        "EndTime": T0 + dt.timedelta(minutes=40),
        "LastModifiedTime": T0 + dt.timedelta(minutes=41),
        "CandidateProperties": {
            "CandidateArtifactLocations": {
                "Explainability": f"s3://bucket/output/{name}/explainability",
                "ModelInsights": f"s3://bucket/output/{name}/insights",
            },
            "CandidateMetrics": [{"MetricName": metric, "Value": value, "Set": "Validation"}],
        },
    }
    if definitions:
        candidate["InferenceContainerDefinitions"] = {
            "text/csv": copy.deepcopy(containers),
            "application/x-recordio-protobuf": copy.deepcopy(containers[:1]),
        }
    candidate.update(overrides)
    return candidate


def make_describe_v2(
    name: str = "my-automl-job",
    *,
    status: str = "Completed",
    secondary_status: str | None = None,
    best_candidate: dict[str, Any] | bool | None = True,
    **overrides: Any,
) -> dict[str, Any]:
    """A DescribeAutoMLJobV2 response (as boto3 returns it), validated against botocore's model.

    ``best_candidate=True`` adds a default candidate, a dict uses it, None/False leaves it out.
    Keyword overrides replace top-level keys; a value of None removes the key.
    """
    secondary = (
        secondary_status
        or {
            "InProgress": "TrainingModels",
            "Completed": "Completed",
            "Failed": "Failed",
            "Stopped": "Stopped",
            "Stopping": "Stopping",
        }[status]
    )
    response: dict[str, Any] = {
        "AutoMLJobName": name,
        "AutoMLJobArn": job_arn(name),
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "ContentType": "text/csv;header=present",
                "CompressionType": "None",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output/"},
        "RoleArn": ROLE_ARN,
        "AutoMLJobObjective": {"MetricName": "F1"},
        "AutoMLProblemTypeConfig": {
            "TabularJobConfig": {
                "CompletionCriteria": {"MaxCandidates": 10},
                "ProblemType": "BinaryClassification",
                "TargetAttributeName": "label",
            }
        },
        "AutoMLProblemTypeConfigName": "Tabular",
        "CreationTime": T0,
        "LastModifiedTime": T0 + dt.timedelta(hours=1),
        "AutoMLJobStatus": status,
        "AutoMLJobSecondaryStatus": secondary,
        "ResolvedAttributes": {
            "AutoMLJobObjective": {"MetricName": "F1"},
            "CompletionCriteria": {"MaxCandidates": 10},
            "AutoMLProblemTypeResolvedAttributes": {
                "TabularResolvedAttributes": {"ProblemType": "BinaryClassification"}
            },
        },
        "ResponseMetadata": {
            "RequestId": "0f6e",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    if status in ("Completed", "Failed", "Stopped"):
        response["EndTime"] = T0 + dt.timedelta(hours=1)
    if status == "Failed":
        response["FailureReason"] = "ClientError: The training data has fewer than 500 rows."
        response["PartialFailureReasons"] = [{"PartialFailureMessage": "Candidate cand-3 failed: OOM"}]
    if best_candidate is True:
        best_candidate = make_candidate() if status == "Completed" else None
    if best_candidate:
        response["BestCandidate"] = best_candidate
    for key, value in overrides.items():
        if value is None:
            response.pop(key, None)
        else:
            response[key] = value
    return validate_output("DescribeAutoMLJobV2", response)


def make_describe_v1(
    name: str = "my-v1-job", *, status: str = "Completed", **overrides: Any
) -> dict[str, Any]:
    """A V1 DescribeAutoMLJob response, validated."""
    response: dict[str, Any] = {
        "AutoMLJobName": name,
        "AutoMLJobArn": job_arn(name),
        "InputDataConfig": [
            {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}},
                "TargetAttributeName": "label",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/v1-output/"},
        "RoleArn": ROLE_ARN,
        "ProblemType": "Regression",
        "AutoMLJobObjective": {"MetricName": "MSE"},
        "CreationTime": T0,
        "EndTime": T0 + dt.timedelta(hours=2),
        "LastModifiedTime": T0 + dt.timedelta(hours=2),
        "BestCandidate": make_candidate("v1-best", metric="MSE", value=12.5),
        "AutoMLJobStatus": status,
        "AutoMLJobSecondaryStatus": "MaxCandidatesReached" if status == "Completed" else status,
        "ResolvedAttributes": {
            "AutoMLJobObjective": {"MetricName": "MSE"},
            "ProblemType": "Regression",
            "CompletionCriteria": {"MaxCandidates": 250},
        },
        "ResponseMetadata": {
            "RequestId": "1a2b",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    response.update(overrides)
    return validate_output("DescribeAutoMLJob", response)


def make_sagemaker_client() -> Any:
    """A real boto3 SageMaker client that can never reach AWS (fake creds, unroutable endpoint)."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("sagemaker", endpoint_url="http://127.0.0.1:9")


@pytest.fixture
def sagemaker_client() -> Any:
    return make_sagemaker_client()


@pytest.fixture
def stubbed_hook(sagemaker_client: Any) -> Iterator[tuple[Any, Stubber]]:
    """``(SageMakerAutoMLHook, Stubber)``: the hook's cached ``conn`` is a stubbed real client.

    The stubber checks every request and canned response against botocore's model and, on
    teardown, that every queued response was consumed.
    """
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION)
    hook.__dict__["conn"] = sagemaker_client  # cached_property: the instance dict wins
    with Stubber(sagemaker_client) as stubber:
        yield hook, stubber
        stubber.assert_no_pending_responses()


class LogCapture:
    """Log text from stdlib logging (Airflow 2) and structlog (Airflow 3's ``self.log``)."""

    def __init__(self, caplog: pytest.LogCaptureFixture, events: list[dict[str, Any]]) -> None:
        self._caplog = caplog
        self._events = events

    @property
    def messages(self) -> list[str]:
        return [r.getMessage() for r in self._caplog.records] + [str(e.get("event")) for e in self._events]

    @property
    def text(self) -> str:
        return "\n".join(self.messages)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[LogCapture]:
    caplog.set_level("DEBUG")
    try:
        from structlog.testing import capture_logs
    except ImportError:  # Airflow 2.11 logs through stdlib logging only
        yield LogCapture(caplog, [])
        return
    with capture_logs() as events:
        yield LogCapture(caplog, events)
