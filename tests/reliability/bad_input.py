"""The bad-input cases: one list drives the test and the table in docs/reliability.md.

Each case builds an operator (or trigger) from good defaults plus one bad setting, optionally
renders templates, then executes it with a SageMaker client that counts every API call. The
case passes when an ``AutoMLValidationError`` naming the field, the value and what is allowed
is raised, and the client saw no call at all.

``python -m tests.reliability.bad_input`` rewrites the table in docs/reliability.md.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/AutoMLRole"
TRAIN = "s3://reliability-bucket/train/"
OUTPUT = "s3://reliability-bucket/output/"
TABULAR = {"TabularJobConfig": {"TargetAttributeName": "label"}}
TIME_SERIES = {
    "TimeSeriesForecastingJobConfig": {
        "ForecastFrequency": "D",
        "ForecastHorizon": 7,
        "TimeSeriesConfig": {
            "TargetAttributeName": "demand",
            "TimestampAttributeName": "ts",
            "ItemIdentifierAttributeName": "item",
        },
    }
}
CONTAINER = {
    "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    "ModelDataUrl": "s3://reliability-bucket/output/best/model.tar.gz",
    "Environment": {"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label"},
}
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"
CSV = "text/csv;header=present"


def _channel(uri: str = TRAIN, **overrides: Any) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "ChannelType": "training",
        "ContentType": CSV,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
    }
    channel.update(overrides)
    return {k: v for k, v in channel.items() if v is not None}


def create_v2(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator

    params: dict[str, Any] = {
        "task_id": "create",
        "job_name": "bad-input-job",
        "input_data_config": TRAIN,
        "output_path": OUTPUT,
        "role_arn": ROLE,
        "problem_type_config": TABULAR,
        "aws_conn_id": None,
        "region_name": "us-east-1",
        "wait_for_completion": False,
    }
    params.update(kwargs)
    return SageMakerCreateAutoMLJobOperator(**params)


def create_v1(**kwargs: Any) -> Any:
    params: dict[str, Any] = {"api_version": "v1", "problem_type_config": None, "target_attribute": "label"}
    params.update(kwargs)
    return create_v2(**params)


def list_candidates(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.automl import SageMakerListAutoMLCandidatesOperator

    return SageMakerListAutoMLCandidatesOperator(
        task_id="list", job_name="bad-input-job", aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def stop(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.automl import SageMakerStopAutoMLJobOperator

    return SageMakerStopAutoMLJobOperator(
        task_id="stop", job_name="bad-input-job", aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def sensor(**kwargs: Any) -> Any:
    from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor

    return SageMakerAutoMLJobSensor(
        task_id="sense", job_name="bad-input-job", aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def trigger(**kwargs: Any) -> Any:
    from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger

    return SageMakerAutoMLJobTrigger(job_name="bad-input-job", aws_conn_id=None, **kwargs)


def create_model(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.model import SageMakerCreateModelFromCandidateOperator

    params: dict[str, Any] = {
        "task_id": "create_model",
        "containers": [CONTAINER],
        "execution_role_arn": ROLE,
        "model_name": "bad-input-model",
        "aws_conn_id": None,
        "region_name": "us-east-1",
    }
    params.update(kwargs)
    return SageMakerCreateModelFromCandidateOperator(**params)


def register(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.model import SageMakerRegisterCandidateOperator

    params: dict[str, Any] = {
        "task_id": "register",
        "model_package_group_name": "churn",
        "containers": [CONTAINER],
        "aws_conn_id": None,
        "region_name": "us-east-1",
    }
    params.update(kwargs)
    return SageMakerRegisterCandidateOperator(**params)


def approve(**kwargs: Any) -> Any:
    from airflow_provider_automl.operators.model import SageMakerApproveModelPackageOperator

    params: dict[str, Any] = {
        "task_id": "approve",
        "model_package_arn": PACKAGE_ARN,
        "aws_conn_id": None,
        "region_name": "us-east-1",
    }
    params.update(kwargs)
    return SageMakerApproveModelPackageOperator(**params)


OPERATORS: dict[str, Callable[..., Any]] = {
    "SageMakerCreateAutoMLJobOperator (V2)": create_v2,
    "SageMakerCreateAutoMLJobOperator (V1)": create_v1,
    "SageMakerListAutoMLCandidatesOperator": list_candidates,
    "SageMakerStopAutoMLJobOperator": stop,
    "SageMakerAutoMLJobSensor": sensor,
    "SageMakerAutoMLJobTrigger": trigger,
    "SageMakerCreateModelFromCandidateOperator": create_model,
    "SageMakerRegisterCandidateOperator": register,
    "SageMakerApproveModelPackageOperator": approve,
}


@dataclass(frozen=True)
class BadInput:
    id: str
    category: str
    operator: str  # a key of OPERATORS
    kwargs: dict[str, Any]
    field: str  # AutoMLValidationError.field
    shows: str  # text of the bad value that the message must show
    allowed: str  # text the "what is allowed" part must contain
    params: dict[str, Any] = field(default_factory=dict)  # template context: {{ params.x }}

    def build(self) -> Any:
        return OPERATORS[self.operator](**self.kwargs)


V2 = "SageMakerCreateAutoMLJobOperator (V2)"
V1 = "SageMakerCreateAutoMLJobOperator (V1)"


def _tabular(**config: Any) -> dict[str, Any]:
    return {"TabularJobConfig": {"TargetAttributeName": "label", **config}}


CASES: list[BadInput] = [
    # -- names --------------------------------------------------------------------------------
    BadInput(
        "name-underscore",
        "name",
        V2,
        {"job_name": "churn_model"},
        "AutoMLJobName",
        "churn_model",
        "1-32 characters",
    ),
    BadInput(
        "name-too-long", "name", V2, {"job_name": "a" * 33}, "AutoMLJobName", "a" * 33, "1-32 characters"
    ),
    BadInput(
        "name-leading-hyphen",
        "name",
        V1,
        {"job_name": "-churn"},
        "AutoMLJobName",
        "-churn",
        "starting and ending with a letter or digit",
    ),
    BadInput(
        "name-templated-not-string",
        "name",
        V2,
        {"job_name": 20240101},
        "AutoMLJobName",
        "20240101",
        "Expected a string",
    ),
    BadInput(
        "model-name-bad",
        "name",
        "SageMakerCreateModelFromCandidateOperator",
        {"model_name": "best model"},
        "model_name",
        "best model",
        "1-63 characters",
    ),
    BadInput(
        "package-group-bad",
        "name",
        "SageMakerRegisterCandidateOperator",
        {"model_package_group_name": "churn models!"},
        "model_package_group_name",
        "churn models!",
        "1-63 characters",
    ),
    # -- S3 URIs and ARNs ---------------------------------------------------------------------
    BadInput(
        "input-not-s3",
        "uri",
        V2,
        {"input_data_config": "reliability-bucket/train/"},
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri",
        "reliability-bucket/train/",
        "s3://bucket/key",
    ),
    BadInput(
        "input-bad-bucket",
        "uri",
        V2,
        {"input_data_config": "s3://Bad_Bucket/train/"},
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri",
        "s3://Bad_Bucket/train/",
        "S3 naming rules",
    ),
    BadInput(
        "output-https",
        "uri",
        V2,
        {"output_path": "https://reliability-bucket/out"},
        "OutputDataConfig.S3OutputPath",
        "https://reliability-bucket/out",
        "s3://bucket/key",
    ),
    BadInput(
        "output-too-long",
        "uri",
        V1,
        {"output_path": "s3://reliability-bucket/" + "o" * 500},
        "OutputDataConfig.S3OutputPath",
        "s3://reliability-bucket/ooo",
        "at most 512",
    ),
    BadInput(
        "validation-bucket-short",
        "uri",
        V2,
        {"validation_input": "s3://ab/val/"},
        "AutoMLJobInputDataConfig[1].DataSource.S3DataSource.S3Uri",
        "s3://ab/val/",
        "S3 naming rules",
    ),
    BadInput("role-not-arn", "uri", V2, {"role_arn": "AutoMLRole"}, "RoleArn", "AutoMLRole", "IAM role ARN"),
    BadInput(
        "role-short-account",
        "uri",
        V1,
        {"role_arn": "arn:aws:iam::1234:role/AutoMLRole"},
        "RoleArn",
        "arn:aws:iam::1234:role/AutoMLRole",
        "IAM role ARN",
    ),
    BadInput(
        "model-role-bad",
        "uri",
        "SageMakerCreateModelFromCandidateOperator",
        {"execution_role_arn": "arn:aws:iam::123456789012:user/bob"},
        "execution_role_arn",
        "user/bob",
        "IAM role ARN",
    ),
    BadInput(
        "model-package-arn-bad",
        "uri",
        "SageMakerApproveModelPackageOperator",
        {"model_package_arn": "churn/1"},
        "model_package_arn",
        "churn/1",
        "model-package",
    ),
    BadInput(
        "model-data-ftp",
        "uri",
        "SageMakerCreateModelFromCandidateOperator",
        {"containers": [{**CONTAINER, "ModelDataUrl": "ftp://host/model.tar.gz"}]},
        "containers[0].ModelDataUrl",
        "ftp://host/model.tar.gz",
        "s3:// or https://",
    ),
    # -- channels -----------------------------------------------------------------------------
    BadInput(
        "channels-empty",
        "channels",
        V2,
        {"input_data_config": []},
        "AutoMLJobInputDataConfig",
        "[]",
        "At least 1",
    ),
    BadInput(
        "channels-two-training",
        "channels",
        V2,
        {"input_data_config": [_channel(), _channel("s3://reliability-bucket/more/")]},
        "AutoMLJobInputDataConfig",
        "training",
        "exactly one training channel",
    ),
    BadInput(
        "channels-three",
        "channels",
        V2,
        {
            "input_data_config": [
                _channel(),
                _channel(ChannelType="validation"),
                _channel(ChannelType="validation"),
            ]
        },
        "AutoMLJobInputDataConfig",
        "validation",
        "At most 2",
    ),
    BadInput(
        "channel-no-datasource",
        "channels",
        V2,
        {"input_data_config": [_channel(DataSource=None)]},
        "AutoMLJobInputDataConfig[0].DataSource",
        "None",
        "needs a DataSource",
    ),
    BadInput(
        "channel-type-unknown",
        "channels",
        V2,
        {"input_data_config": [_channel(ChannelType="test")]},
        "AutoMLJobInputDataConfig[0].ChannelType",
        "test",
        "Allowed: training, validation",
    ),
    BadInput(
        "channel-s3-data-type",
        "channels",
        V2,
        {
            "input_data_config": [
                _channel(DataSource={"S3DataSource": {"S3DataType": "Manifest", "S3Uri": TRAIN}})
            ]
        },
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3DataType",
        "Manifest",
        "S3Prefix",
    ),
    BadInput(
        "channel-augmented-tabular",
        "channels",
        V2,
        {
            "input_data_config": [
                _channel(DataSource={"S3DataSource": {"S3DataType": "AugmentedManifestFile", "S3Uri": TRAIN}})
            ]
        },
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3DataType",
        "AugmentedManifestFile",
        "not allowed for Tabular",
    ),
    BadInput(
        "channel-not-mapping",
        "channels",
        V1,
        {"input_data_config": ["s3://reliability-bucket/train/"]},
        "InputDataConfig[0]",
        "s3://reliability-bucket/train/",
        "channel mapping",
    ),
    # -- content types and compression --------------------------------------------------------
    BadInput(
        "content-type-csv-no-header",
        "content type",
        V2,
        {"content_type": "text/csv"},
        "AutoMLJobInputDataConfig[0].ContentType",
        "text/csv",
        "Allowed for Tabular",
    ),
    BadInput(
        "content-type-image-for-tabular",
        "content type",
        V1,
        {"content_type": "image/png"},
        "InputDataConfig[0].ContentType",
        "image/png",
        "Allowed for",
    ),
    BadInput(
        "content-type-mismatch",
        "content type",
        V2,
        {
            "input_data_config": [
                _channel(),
                _channel(ChannelType="validation", ContentType="x-application/vnd.amazon+parquet"),
            ]
        },
        "AutoMLJobInputDataConfig[*].ContentType",
        "parquet",
        "share the same ContentType",
    ),
    BadInput(
        "content-type-csv-for-images",
        "content type",
        V2,
        {"problem_type_config": {"ImageClassificationJobConfig": {}}, "content_type": CSV},
        "AutoMLJobInputDataConfig[0].ContentType",
        CSV,
        "image/png",
    ),
    BadInput(
        "compression-zip",
        "content type",
        V2,
        {"compression": "Zip"},
        "AutoMLJobInputDataConfig[0].CompressionType",
        "Zip",
        "Allowed: None, Gzip",
    ),
    BadInput(
        "compression-gzip-images",
        "content type",
        V2,
        {
            "problem_type_config": {"ImageClassificationJobConfig": {}},
            "content_type": "image/png",
            "compression": "Gzip",
        },
        "AutoMLJobInputDataConfig[0].CompressionType",
        "Gzip",
        "only for tabular",
    ),
    # -- metrics per problem type -------------------------------------------------------------
    BadInput(
        "metric-mse-binary",
        "metric",
        V2,
        {"problem_type_config": _tabular(ProblemType="BinaryClassification"), "objective_metric": "MSE"},
        "AutoMLJobObjective.MetricName",
        "MSE",
        "Allowed for BinaryClassification",
    ),
    BadInput(
        "metric-f1-regression",
        "metric",
        V1,
        {"problem_type": "Regression", "objective_metric": "F1"},
        "AutoMLJobObjective.MetricName",
        "F1",
        "Allowed for Regression",
    ),
    BadInput(
        "metric-auc-multiclass",
        "metric",
        V2,
        {"problem_type_config": _tabular(ProblemType="MulticlassClassification"), "objective_metric": "AUC"},
        "AutoMLJobObjective.MetricName",
        "AUC",
        "Allowed for MulticlassClassification",
    ),
    BadInput(
        "metric-accuracy-forecast",
        "metric",
        V2,
        {"problem_type_config": TIME_SERIES, "objective_metric": "Accuracy"},
        "AutoMLJobObjective.MetricName",
        "Accuracy",
        "Allowed for TimeSeriesForecasting",
    ),
    BadInput(
        "metric-f1-text",
        "metric",
        V2,
        {
            "problem_type_config": {
                "TextClassificationJobConfig": {"ContentColumn": "text", "TargetLabelColumn": "label"}
            },
            "objective_metric": "F1",
        },
        "AutoMLJobObjective.MetricName",
        "F1",
        "Allowed for TextClassification",
    ),
    BadInput(
        "metric-text-generation",
        "metric",
        V2,
        {"problem_type_config": {"TextGenerationJobConfig": {}}, "objective_metric": "Accuracy"},
        "AutoMLJobObjective.MetricName",
        "Accuracy",
        "TextGeneration jobs take no objective metric",
    ),
    BadInput(
        "metric-wrong-case",
        "metric",
        V2,
        {"objective_metric": "f1"},
        "AutoMLJobObjective.MetricName",
        "f1",
        "F1",
    ),
    # -- ProblemType / objective pairing ------------------------------------------------------
    BadInput(
        "problem-type-without-metric-v2",
        "pairing",
        V2,
        {"problem_type_config": _tabular(ProblemType="Regression")},
        "AutoMLJobObjective.MetricName",
        "None",
        "together or neither",
    ),
    BadInput(
        "metric-without-problem-type-v1",
        "pairing",
        V1,
        {"objective_metric": "F1"},
        "ProblemType",
        "None",
        "together or neither",
    ),
    BadInput(
        "problem-type-unknown-v1",
        "pairing",
        V1,
        {"problem_type": "Binary", "objective_metric": "F1"},
        "ProblemType",
        "Binary",
        "BinaryClassification",
    ),
    BadInput(
        "v2-arg-needs-config",
        "pairing",
        V2,
        {"max_candidates": 5},
        "max_candidates",
        "5",
        "problem_type_config",
    ),
    BadInput(
        "v2-without-problem-config",
        "pairing",
        V2,
        {"problem_type_config": None},
        "problem_type_config",
        "None",
        "tabular_config",
    ),
    BadInput("api-version-unknown", "pairing", V2, {"api_version": "v3"}, "api_version", "v3", "v1, v2"),
    # -- limits and options -------------------------------------------------------------------
    BadInput(
        "max-candidates-zero",
        "limits",
        V1,
        {"max_candidates": 0},
        "AutoMLJobConfig.CompletionCriteria.MaxCandidates",
        "0",
        "between 1 and 750",
    ),
    BadInput(
        "max-candidates-751",
        "limits",
        V2,
        {"problem_type_config": _tabular(CompletionCriteria={"MaxCandidates": 751})},
        "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
        "751",
        "between 1 and 750",
    ),
    BadInput(
        "validation-fraction-1.5",
        "limits",
        V2,
        {"validation_fraction": 1.5},
        "DataSplitConfig.ValidationFraction",
        "1.5",
        "between 0 and 1",
    ),
    BadInput(
        "forecast-frequency",
        "limits",
        V2,
        {
            "problem_type_config": {
                "TimeSeriesForecastingJobConfig": {
                    **TIME_SERIES["TimeSeriesForecastingJobConfig"],
                    "ForecastFrequency": "2Q",
                }
            }
        },
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastFrequency",
        "2Q",
        "Allowed frequencies",
    ),
    BadInput(
        "forecast-quantile-p100",
        "limits",
        V2,
        {
            "problem_type_config": {
                "TimeSeriesForecastingJobConfig": {
                    **TIME_SERIES["TimeSeriesForecastingJobConfig"],
                    "ForecastQuantiles": ["p50", "p100"],
                }
            }
        },
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastQuantiles[1]",
        "p100",
        "p1 to p99",
    ),
    BadInput(
        "tag-aws-prefix", "limits", V2, {"tags": {"aws:owner": "me"}}, "Tags[0].Key", "aws:owner", "reserved"
    ),
    BadInput(
        "deploy-both",
        "limits",
        V2,
        {"model_deploy_config": {"AutoGenerateEndpointName": True, "EndpointName": "churn"}},
        "ModelDeployConfig",
        "churn",
        "not both",
    ),
    BadInput(
        "extra-conflict",
        "limits",
        V2,
        {
            "objective_metric": "F1",
            "problem_type_config": _tabular(ProblemType="BinaryClassification"),
            "request": {"AutoMLJobObjective": {"MetricName": "AUC"}},
        },
        "AutoMLJobObjective.MetricName",
        "AUC",
        "set it in one place only",
    ),
    BadInput(
        "extra-typo",
        "limits",
        V2,
        {"request": {"AutoMLJobObjectve": {"MetricName": "F1"}}},
        "AutoMLJobObjectve",
        "MetricName",
        "Unknown field",
    ),
    BadInput(
        "action-if-exists",
        "limits",
        V2,
        {"action_if_job_exists": "overwrite"},
        "action_if_job_exists",
        "overwrite",
        "reattach, fail, timestamp",
    ),
    BadInput(
        "check-interval-zero",
        "limits",
        V2,
        {"check_interval": 0},
        "check_interval",
        "0",
        "positive number of seconds",
    ),
    BadInput(
        "stop-max-wait-negative",
        "limits",
        "SageMakerStopAutoMLJobOperator",
        {"max_wait": -5},
        "max_wait",
        "-5",
        "positive number of seconds",
    ),
    BadInput(
        "list-top-k-zero",
        "limits",
        "SageMakerListAutoMLCandidatesOperator",
        {"top_k": 0},
        "top_k",
        "0",
        "positive integer",
    ),
    BadInput(
        "trigger-poll-interval",
        "limits",
        "SageMakerAutoMLJobTrigger",
        {"poll_interval": -1},
        "poll_interval",
        "-1",
        "seconds > 0",
    ),
    BadInput(
        "approval-status",
        "limits",
        "SageMakerApproveModelPackageOperator",
        {"approval_status": "Yes"},
        "approval_status",
        "Yes",
        "Approved, Rejected, PendingManualApproval",
    ),
    BadInput(
        "response-keys-unknown",
        "limits",
        "SageMakerCreateModelFromCandidateOperator",
        {"inference_response_keys": ["score"]},
        "inference_response_keys",
        "score",
        "predicted_label",
    ),
    # -- templated values rendering to the wrong type -----------------------------------------
    BadInput(
        "tpl-max-candidates-text",
        "template",
        V1,
        {"max_candidates": "{{ params.n }}"},
        "AutoMLJobConfig.CompletionCriteria.MaxCandidates",
        "ten",
        "Expected an integer",
        {"n": "ten"},
    ),
    BadInput(
        "tpl-validation-fraction-text",
        "template",
        V2,
        {"validation_fraction": "{{ params.f }}"},
        "DataSplitConfig.ValidationFraction",
        "a fifth",
        "Expected a number",
        {"f": "a fifth"},
    ),
    BadInput(
        "tpl-problem-config-text",
        "template",
        V2,
        {"problem_type_config": "{{ params.cfg }}"},
        "AutoMLProblemTypeConfig",
        "TabularJobConfig",
        "Expected a mapping",
        {"cfg": {"TabularJobConfig": {"TargetAttributeName": "label"}}},
    ),
    BadInput(
        "tpl-max-runtime-float",
        "template",
        V1,
        {"max_job_runtime": "{{ params.t }}"},
        "AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds",
        "3600.5",
        "Expected an integer",
        {"t": 3600.5},
    ),
    BadInput(
        "tpl-containers-not-json",
        "template",
        "SageMakerCreateModelFromCandidateOperator",
        {"containers": "{{ params.c }}"},
        "containers",
        "no-such-xcom",
        "list or dict",
        {"c": "no-such-xcom"},
    ),
    # -- empty or broken containers for registration ------------------------------------------
    BadInput(
        "register-empty-containers",
        "containers",
        "SageMakerRegisterCandidateOperator",
        {"containers": []},
        "containers",
        "[]",
        "non-empty list of containers",
    ),
    BadInput(
        "register-candidate-no-containers",
        "containers",
        "SageMakerRegisterCandidateOperator",
        {"containers": None, "candidate": {"CandidateName": "best", "InferenceContainers": []}},
        "candidate.InferenceContainers",
        "[]",
        "non-empty list of containers",
    ),
    BadInput(
        "register-tpl-empty-containers",
        "containers",
        "SageMakerRegisterCandidateOperator",
        {"containers": "{{ params.c }}"},
        "containers",
        "[]",
        "non-empty list of containers",
        {"c": []},
    ),
    BadInput(
        "model-empty-containers",
        "containers",
        "SageMakerCreateModelFromCandidateOperator",
        {"containers": []},
        "containers",
        "[]",
        "non-empty list of containers",
    ),
    BadInput(
        "container-no-image",
        "containers",
        "SageMakerRegisterCandidateOperator",
        {"containers": [{"ModelDataUrl": CONTAINER["ModelDataUrl"]}]},
        "containers[0].Image",
        "None",
        "non-empty Image",
    ),
]


def markdown_table() -> str:
    """The docs table: one row per case, with the message the provider actually gives."""
    from tests.reliability.runner import run_case

    lines = ["| # | category | operator | bad input | message |", "| --- | --- | --- | --- | --- |"]
    for number, case in enumerate(CASES, 1):
        outcome = run_case(case)
        # Backslash-escape Markdown punctuation: regex patterns like [a-z](-*[a-z]) read as links.
        message = re.sub(r"([\\`*_\[\]<>|])", r"\\\1", str(outcome.error)).replace("\n", " ")
        if len(message) > 260:
            message = message[:257] + "..."
        setting = ", ".join(f"{k}={_short(v)}" for k, v in case.kwargs.items())
        if case.params:
            setting += " with " + ", ".join(f"params.{k}={_short(v)}" for k, v in case.params.items())
        lines.append(
            f"| {number} | {case.category} | {case.operator} | `{setting.replace('|', '/')}` | {message} |"
        )
    return "\n".join(lines)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


START = "<!-- bad-input-table:start -->"
END = "<!-- bad-input-table:end -->"


def write_table(doc: Path) -> None:
    """Replace the table between the markers in ``doc`` with the generated one."""
    text = doc.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    doc.write_text(f"{head}{START}\n{markdown_table()}\n{END}{tail}")


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
    )
    write_table(target)
    print(f"wrote {len(CASES)} cases to {target}", file=sys.stderr)
