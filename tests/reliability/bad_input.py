"""The bad-input cases: one list drives the test and the table in docs/reliability.md.

Each case builds an operator (or trigger) from good defaults plus one bad setting, optionally
renders templates, then executes it with a SageMaker client that counts every API call. The
case passes when an ``AutoMLValidationError`` naming the field, the value and what is allowed
is raised, and the client saw no call at all.

``python -m tests.reliability.bad_input`` rewrites the table in docs/reliability.md.
"""

from __future__ import annotations

import importlib
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
CANDIDATE = {
    "CandidateName": "best",
    "FinalAutoMLJobObjectiveMetric": {"MetricName": "F1", "Value": 0.9},
    "InferenceContainers": [CONTAINER],
}
CSV = "text/csv;header=present"


def _channel(uri: str = TRAIN, **overrides: Any) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "ChannelType": "training",
        "ContentType": CSV,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
    }
    channel.update(overrides)
    return {k: v for k, v in channel.items() if v is not None}


def _factory(path: str, **defaults: Any) -> Callable[..., Any]:
    """A builder of the class at ``path`` from good defaults and one bad setting (imported lazily)."""
    module, _, name = path.rpartition(".")

    def build(**kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(**{**defaults, **kwargs})

    return build


_AWS = {"aws_conn_id": None, "region_name": "us-east-1"}
_JOB = {"job_name": "bad-input-job", **_AWS}
_OPERATORS = "airflow_provider_automl.operators"

create_v2 = _factory(
    f"{_OPERATORS}.automl.SageMakerCreateAutoMLJobOperator",
    task_id="create",
    input_data_config=TRAIN,
    output_path=OUTPUT,
    role_arn=ROLE,
    problem_type_config=TABULAR,
    wait_for_completion=False,
    **_JOB,
)


def create_v1(**kwargs: Any) -> Any:
    return create_v2(
        **{"api_version": "v1", "problem_type_config": None, "target_attribute": "label", **kwargs}
    )


describe = _factory(f"{_OPERATORS}.automl.SageMakerDescribeAutoMLJobOperator", task_id="describe", **_JOB)
list_candidates = _factory(
    f"{_OPERATORS}.automl.SageMakerListAutoMLCandidatesOperator", task_id="list", **_JOB
)
stop = _factory(f"{_OPERATORS}.automl.SageMakerStopAutoMLJobOperator", task_id="stop", **_JOB)
sensor = _factory("airflow_provider_automl.sensors.automl.SageMakerAutoMLJobSensor", task_id="sense", **_JOB)
trigger = _factory(
    "airflow_provider_automl.triggers.automl.SageMakerAutoMLJobTrigger",
    job_name="bad-input-job",
    aws_conn_id=None,
)
create_model = _factory(
    f"{_OPERATORS}.model.SageMakerCreateModelFromCandidateOperator",
    task_id="create_model",
    containers=[CONTAINER],
    execution_role_arn=ROLE,
    model_name="bad-input-model",
    **_AWS,
)
register = _factory(
    f"{_OPERATORS}.model.SageMakerRegisterCandidateOperator",
    task_id="register",
    model_package_group_name="churn",
    containers=[CONTAINER],
    **_AWS,
)
approve = _factory(
    f"{_OPERATORS}.model.SageMakerApproveModelPackageOperator",
    task_id="approve",
    model_package_arn=PACKAGE_ARN,
    **_AWS,
)


OPERATORS: dict[str, Callable[..., Any]] = {
    "SageMakerCreateAutoMLJobOperator (V2)": create_v2,
    "SageMakerCreateAutoMLJobOperator (V1)": create_v1,
    "SageMakerDescribeAutoMLJobOperator": describe,
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
        "job_name",
        "20240101",
        "Expected a string",
    ),
    BadInput(
        "model-name-bad",
        "name",
        "SageMakerCreateModelFromCandidateOperator",
        {"model_name": "best model"},
        "ModelName",
        "best model",
        "1-63 letters, digits and hyphens",
    ),
    BadInput(
        "package-group-bad",
        "name",
        "SageMakerRegisterCandidateOperator",
        {"model_package_group_name": "churn models!"},
        "ModelPackageGroupName",
        "churn models!",
        "1-63 letters, digits and hyphens",
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
        "ExecutionRoleArn",
        "user/bob",
        "IAM role ARN",
    ),
    BadInput(
        "model-package-arn-bad",
        "uri",
        "SageMakerApproveModelPackageOperator",
        {"model_package_arn": "churn/1"},
        "ModelPackageArn",
        "churn/1",
        "model-package",
    ),
    BadInput(
        "model-data-ftp",
        "uri",
        "SageMakerCreateModelFromCandidateOperator",
        {"containers": [{**CONTAINER, "ModelDataUrl": "ftp://host/model.tar.gz"}]},
        "Containers[0].ModelDataUrl",
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
        "(3 items)",
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
        "positive number of seconds",
    ),
    BadInput(
        "approval-status",
        "limits",
        "SageMakerApproveModelPackageOperator",
        {"approval_status": "Yes"},
        "ModelApprovalStatus",
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
        "max_candidates",
        "ten",
        "Expected an integer",
        {"n": "ten"},
    ),
    BadInput(
        "tpl-validation-fraction-text",
        "template",
        V2,
        {"validation_fraction": "{{ params.f }}"},
        "validation_fraction",
        "a fifth",
        "Expected a number",
        {"f": "a fifth"},
    ),
    BadInput(
        "tpl-problem-config-text",
        "template",
        V2,
        {"problem_type_config": "{{ params.cfg }}"},
        "problem_type_config",
        "tabular",
        "Expected a mapping",
        {"cfg": "tabular"},
    ),
    BadInput(
        "tpl-max-runtime-float",
        "template",
        V1,
        {"max_job_runtime": "{{ params.t }}"},
        "max_job_runtime",
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
        "Expected a list or a mapping",
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


DESCRIBE = "SageMakerDescribeAutoMLJobOperator"
LIST = "SageMakerListAutoMLCandidatesOperator"
STOP = "SageMakerStopAutoMLJobOperator"
SENSOR = "SageMakerAutoMLJobSensor"
TRIGGER = "SageMakerAutoMLJobTrigger"
MODEL = "SageMakerCreateModelFromCandidateOperator"
REGISTER = "SageMakerRegisterCandidateOperator"
APPROVE = "SageMakerApproveModelPackageOperator"
NAME_RULE = "A job name is 1-32 characters"
UNSET = "leave the argument unset (None) instead"
REQUIRED = "it is required"
NOT_TEMPLATED = "Must be True or False (this argument is not templated)."
SECONDS = "Must be a positive number of seconds."
TAG_KEY = "Tag keys are 1-128 letters, digits, spaces and _ . : / = + - @."
NOT_TEXT = "the text is neither JSON nor a Python literal"
INSTANCE = "InferenceSpecification.SupportedRealtimeInferenceInstanceTypes[0]"


def _many_tags(count: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(count)}


# Every operator's request path, the sensor and the trigger: the inputs that used to reach SageMaker.
CASES += [
    # -- job names on the describe, list, stop, sensor and trigger paths ----------------------
    *[
        BadInput(
            f"{short}-name-bang",
            "name",
            op,
            {"job_name": "churn_model!"},
            "AutoMLJobName",
            "churn_model!",
            NAME_RULE,
        )
        for short, op in [
            ("describe", DESCRIBE),
            ("list", LIST),
            ("stop", STOP),
            ("sensor", SENSOR),
            ("trigger", TRIGGER),
        ]
    ],
    *[
        BadInput(f"{short}-name-none", "name", op, {"job_name": None}, "job_name", "None", "Required")
        for short, op in [("describe", DESCRIBE), ("list", LIST), ("stop", STOP), ("sensor", SENSOR)]
    ],
    BadInput(
        "trigger-name-none", "name", TRIGGER, {"job_name": None}, "AutoMLJobName", "None", "Expected a string"
    ),
    BadInput(
        "trigger-name-empty", "name", TRIGGER, {"job_name": ""}, "AutoMLJobName", "''", "It has 0 characters"
    ),
    BadInput(
        "describe-name-renders-none",
        "name",
        DESCRIBE,
        {"job_name": "{{ params.n }}"},
        "job_name",
        "None",
        REQUIRED,
        {"n": None},
    ),
    BadInput(
        "describe-name-blank", "name", DESCRIBE, {"job_name": " churn"}, "job_name", "' churn'", "blanks"
    ),
    BadInput(
        "describe-name-too-long",
        "name",
        DESCRIBE,
        {"job_name": "a" * 40},
        "AutoMLJobName",
        "a" * 40,
        "It has 40",
    ),
    BadInput("stop-name-empty", "name", STOP, {"job_name": ""}, "job_name", "''", REQUIRED),
    BadInput(
        "sensor-name-renders-none",
        "name",
        SENSOR,
        {"job_name": "{{ params.n }}"},
        "job_name",
        "None",
        REQUIRED,
        {"n": None},
    ),
    BadInput(
        "create-name-renders-none",
        "name",
        V2,
        {"job_name": "{{ params.n }}"},
        "job_name",
        "None",
        UNSET,
        {"n": None},
    ),
    BadInput(
        "model-name-renders-none",
        "name",
        MODEL,
        {"model_name": "{{ params.m }}"},
        "model_name",
        "None",
        UNSET,
        {"m": None},
    ),
    BadInput(
        "group-name-renders-none",
        "name",
        REGISTER,
        {"model_package_group_name": "{{ params.g }}"},
        "model_package_group_name",
        "None",
        REQUIRED,
        {"g": None},
    ),
    BadInput(
        "register-job-name-renders-none",
        "name",
        REGISTER,
        {"job_name": "{{ params.j }}"},
        "job_name",
        "None",
        UNSET,
        {"j": None},
    ),
    # -- listing candidates -------------------------------------------------------------------
    BadInput(
        "list-status-lowercase",
        "listing",
        LIST,
        {"status_equals": "completed"},
        "StatusEquals",
        "completed",
        "Allowed: Completed, InProgress, Failed, Stopped, Stopping.",
    ),
    BadInput(
        "list-sort-by-name",
        "listing",
        LIST,
        {"sort_by": "Name"},
        "SortBy",
        "Name",
        "Allowed: CreationTime, Status, FinalObjectiveMetricValue.",
    ),
    BadInput(
        "list-sort-order-asc",
        "listing",
        LIST,
        {"sort_order": "asc"},
        "SortOrder",
        "asc",
        "Ascending, Descending",
    ),
    BadInput(
        "list-candidate-name-empty",
        "listing",
        LIST,
        {"candidate_name_equals": ""},
        "candidate_name_equals",
        "''",
        UNSET,
    ),
    BadInput(
        "list-candidate-name-too-long",
        "listing",
        LIST,
        {"candidate_name_equals": "c" * 65},
        "CandidateNameEquals",
        "ccc",
        "At most 64 characters",
    ),
    BadInput(
        "list-top-k-text",
        "listing",
        LIST,
        {"top_k": "{{ params.k }}"},
        "top_k",
        "three",
        "Expected an integer",
        {"k": "three"},
    ),
    BadInput(
        "list-status-renders-none",
        "listing",
        LIST,
        {"status_equals": "{{ params.s }}"},
        "status_equals",
        "None",
        UNSET,
        {"s": None},
    ),
    # -- arguments that are never templated ---------------------------------------------------
    BadInput(
        "create-deferrable-text",
        "not templated",
        V2,
        {"deferrable": "False"},
        "deferrable",
        "'False'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "create-wait-text",
        "not templated",
        V2,
        {"wait_for_completion": "no"},
        "wait_for_completion",
        "'no'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "create-check-interval-text",
        "not templated",
        V1,
        {"check_interval": "60"},
        "check_interval",
        "'60'",
        SECONDS,
    ),
    BadInput("create-max-wait-text", "not templated", V2, {"max_wait": "1h"}, "max_wait", "'1h'", SECONDS),
    BadInput(
        "stop-check-interval-text",
        "not templated",
        STOP,
        {"check_interval": "30"},
        "check_interval",
        "'30'",
        SECONDS,
    ),
    BadInput(
        "stop-wait-text",
        "not templated",
        STOP,
        {"wait_for_completion": "False"},
        "wait_for_completion",
        "'False'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "sensor-deferrable-text",
        "not templated",
        SENSOR,
        {"deferrable": "False"},
        "deferrable",
        "'False'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "sensor-accept-stopped-text",
        "not templated",
        SENSOR,
        {"accept_stopped": "yes"},
        "accept_stopped",
        "'yes'",
        NOT_TEMPLATED,
    ),
    # -- the trigger refuses bad arguments when constructed -------------------------------------
    BadInput(
        "trigger-deadline-text",
        "trigger",
        TRIGGER,
        {"deadline": "2026-01-01"},
        "deadline",
        "2026-01-01",
        "epoch seconds",
    ),
    BadInput(
        "trigger-accept-stopped-text",
        "trigger",
        TRIGGER,
        {"accept_stopped": "no"},
        "accept_stopped",
        "'no'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "trigger-coalesce-text",
        "trigger",
        TRIGGER,
        {"coalesce": "False"},
        "coalesce",
        "'False'",
        NOT_TEMPLATED,
    ),
    BadInput(
        "trigger-poll-interval-text",
        "trigger",
        TRIGGER,
        {"poll_interval": "60"},
        "poll_interval",
        "'60'",
        SECONDS,
    ),
    BadInput("trigger-verify-number", "trigger", TRIGGER, {"verify": 5}, "verify", "5", "Expected a string"),
    BadInput(
        "trigger-botocore-config-text",
        "trigger",
        TRIGGER,
        {"botocore_config": "fast"},
        "botocore_config",
        "fast",
        NOT_TEXT,
    ),
    BadInput("trigger-conn-empty", "trigger", TRIGGER, {"aws_conn_id": ""}, "aws_conn_id", "''", UNSET),
    BadInput(
        "trigger-last-status-number",
        "trigger",
        TRIGGER,
        {"last_secondary_status": 3},
        "last_secondary_status",
        "3",
        "a string",
    ),
    # -- connection arguments -----------------------------------------------------------------
    BadInput(
        "sensor-region-bad",
        "connection",
        SENSOR,
        {"region_name": "Virginia"},
        "region_name",
        "Virginia",
        "AWS region",
    ),
    BadInput(
        "create-region-blank",
        "connection",
        V2,
        {"region_name": "us-east-1 "},
        "region_name",
        "us-east-1 ",
        "blanks",
    ),
    BadInput(
        "model-botocore-config-list",
        "connection",
        MODEL,
        {"botocore_config": ["retries"]},
        "botocore_config",
        "retries",
        "mapping",
    ),
    BadInput(
        "stop-conn-renders-none",
        "connection",
        STOP,
        {"aws_conn_id": "{{ params.c }}"},
        "aws_conn_id",
        "None",
        UNSET,
        {"c": None},
    ),
    # -- values the model allows but SageMaker would keep or choke on ---------------------------
    BadInput(
        "kms-empty",
        "request",
        V2,
        {"security_config": {"VolumeKmsKeyId": ""}},
        "SecurityConfig.VolumeKmsKeyId",
        "''",
        "Empty; leave the field out",
    ),
    BadInput(
        "v1-kms-empty",
        "request",
        V1,
        {"security_config": {"VolumeKmsKeyId": ""}},
        "AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId",
        "''",
        "Empty; leave the field out",
    ),
    BadInput(
        "output-trailing-blank", "request", V2, {"output_path": OUTPUT + " "}, "output_path", OUTPUT, "blanks"
    ),
    BadInput(
        "input-trailing-blank",
        "request",
        V1,
        {"input_data_config": TRAIN + " "},
        "input_data_config",
        TRAIN,
        "blanks",
    ),
    BadInput(
        "validation-leading-blank",
        "request",
        V2,
        {"validation_input": " " + TRAIN},
        "validation_input",
        TRAIN,
        "blanks",
    ),
    BadInput(
        "role-renders-empty",
        "request",
        V2,
        {"role_arn": "{{ params.r }}"},
        "role_arn",
        "''",
        REQUIRED,
        {"r": ""},
    ),
    BadInput(
        "extra-none-value",
        "request",
        V2,
        {"request": {"SecurityConfig": {"EnableInterContainerTrafficEncryption": None}}},
        "SecurityConfig.EnableInterContainerTrafficEncryption",
        "None",
        "Leave the field out",
    ),
    BadInput(
        "compression-renders-none",
        "request",
        V2,
        {"compression": "{{ params.c }}"},
        "compression",
        "None",
        UNSET,
        {"c": None},
    ),
    BadInput(
        "input-list-text-broken",
        "request",
        V2,
        {"input_data_config": "[{'ChannelType': 'training'"},
        "input_data_config",
        "ChannelType",
        NOT_TEXT,
    ),
    BadInput(
        "v1-mode-lowercase",
        "request",
        V1,
        {"mode": "auto"},
        "AutoMLJobConfig.Mode",
        "auto",
        "AUTO, ENSEMBLING",
    ),
    BadInput(
        "v1-max-candidates-decimal",
        "request",
        V1,
        {"max_candidates": "5.0"},
        "max_candidates",
        "5.0",
        "integer",
    ),
    BadInput(
        "v1-max-candidates-bool",
        "request",
        V1,
        {"max_candidates": True},
        "max_candidates",
        "True",
        "not a boolean",
    ),
    BadInput("v1-target-empty", "request", V1, {"target_attribute": ""}, "target_attribute", "''", UNSET),
    BadInput(
        "v1-with-problem-config",
        "pairing",
        V1,
        {"problem_type_config": TABULAR},
        "problem_type_config",
        "TabularJobConfig",
        "Only used with api_version='v2'",
    ),
    BadInput(
        "api-version-renders-none",
        "pairing",
        V2,
        {"api_version": "{{ params.v }}"},
        "api_version",
        "None",
        REQUIRED,
        {"v": None},
    ),
    # -- tags: one normaliser for every operator -------------------------------------------------
    BadInput(
        "tag-value-none",
        "tags",
        V2,
        {"tags": {"team": None}},
        "tags['team'].Value",
        "None",
        "Tag values are strings",
    ),
    BadInput("tags-51", "tags", V1, {"tags": _many_tags(51)}, "Tags", "(51 items)", "At most 50 items"),
    BadInput(
        "tags-duplicate-key",
        "tags",
        V2,
        {"tags": [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]},
        "Tags[1].Key",
        "team",
        "unique",
    ),
    BadInput(
        "tag-key-hash", "tags", V2, {"tags": {"cost#centre": "1"}}, "Tags[0].Key", "cost#centre", TAG_KEY
    ),
    BadInput(
        "tags-text-broken",
        "tags",
        V2,
        {"tags": "{{ params.t }}"},
        "tags",
        "team=ml",
        NOT_TEXT,
        {"t": "team=ml"},
    ),
    BadInput(
        "model-tags-51", "tags", MODEL, {"tags": _many_tags(51)}, "Tags", "(51 items)", "At most 50 items"
    ),
    BadInput(
        "model-tag-value-none",
        "tags",
        MODEL,
        {"tags": {"team": None}},
        "tags['team'].Value",
        "None",
        "Tag values are strings",
    ),
    BadInput(
        "register-tag-value-none",
        "tags",
        REGISTER,
        {"tags": {"team": None}},
        "tags['team'].Value",
        "None",
        "strings",
    ),
    BadInput(
        "register-tag-key-aws",
        "tags",
        REGISTER,
        {"tags": {"aws:team": "ml"}},
        "Tags[0].Key",
        "aws:team",
        "reserved",
    ),
    BadInput(
        "model-tag-shape",
        "tags",
        MODEL,
        {"tags": [{"Name": "team"}]},
        "tags[0]",
        "Name",
        '{"Key": ..., "Value": ...}',
    ),
    # -- CreateModel ----------------------------------------------------------------------------
    BadInput(
        "image-blanks",
        "model",
        MODEL,
        {"containers": [{**CONTAINER, "Image": "   "}]},
        "Containers[0].Image",
        "'   '",
        "blanks",
    ),
    BadInput(
        "model-data-no-bucket",
        "model",
        MODEL,
        {"containers": [{**CONTAINER, "ModelDataUrl": "s3://"}]},
        "Containers[0].ModelDataUrl",
        "s3://",
        "naming a bucket or host",
    ),
    BadInput(
        "env-empty-key",
        "model",
        MODEL,
        {"containers": [{**CONTAINER, "Environment": {"": "x"}}]},
        "Containers[0].Environment key",
        "''",
        "Empty",
    ),
    BadInput(
        "env-value-1025",
        "model",
        MODEL,
        {"containers": [{**CONTAINER, "Environment": {"MODE": "v" * 1025}}]},
        "Containers[0].Environment['MODE']",
        "vvv",
        "At most 1024 characters",
    ),
    BadInput(
        "env-value-number",
        "model",
        MODEL,
        {"containers": [{**CONTAINER, "Environment": {"WORKERS": 4}}]},
        "Containers[0].Environment['WORKERS']",
        "4",
        "Expected a string",
    ),
    BadInput(
        "security-groups-6",
        "model",
        MODEL,
        {"vpc_config": {"SecurityGroupIds": [f"sg-{i}" for i in range(6)], "Subnets": ["subnet-1"]}},
        "VpcConfig.SecurityGroupIds",
        "sg-5",
        "At most 5 items",
    ),
    BadInput(
        "vpc-no-subnets",
        "model",
        MODEL,
        {"vpc_config": {"SecurityGroupIds": ["sg-1"]}},
        "VpcConfig.Subnets",
        "None",
        "requires Subnets",
    ),
    BadInput("vpc-text", "model", MODEL, {"vpc_config": "sg-1"}, "vpc_config", "sg-1", NOT_TEXT),
    BadInput(
        "containers-nested-text",
        "model",
        MODEL,
        {"containers": "[" * 50_000 + "]" * 50_000},
        "containers",
        "[[[",
        "Nested deeper than 32 levels",
    ),
    BadInput(
        "network-isolation-text",
        "model",
        MODEL,
        {"enable_network_isolation": "{{ params.x }}"},
        "enable_network_isolation",
        "yes",
        "Expected a boolean",
        {"x": "yes"},
    ),
    BadInput(
        "model-role-blank",
        "model",
        MODEL,
        {"execution_role_arn": ROLE + " "},
        "execution_role_arn",
        ROLE,
        "blanks",
    ),
    BadInput(
        "response-keys-bare-text",
        "model",
        MODEL,
        {"inference_response_keys": "predicted_label"},
        "inference_response_keys",
        "predicted_label",
        "Expected a list of strings",
    ),
    # -- CreateModelPackage(Group) --------------------------------------------------------------
    BadInput(
        "instance-type-huge",
        "registry",
        REGISTER,
        {"realtime_instance_types": ["ml.m5.huge"]},
        INSTANCE,
        "ml.m5.huge",
        "ml.m5.large",
    ),
    BadInput(
        "metadata-47",
        "registry",
        REGISTER,
        {
            "containers": None,
            "candidate": CANDIDATE,
            "job_name": "churn-job",
            "customer_metadata": _many_tags(47),
        },
        "customer_metadata",
        "<47 entries>",
        "At most 45 entries",
    ),
    BadInput(
        "metadata-key-bang",
        "registry",
        REGISTER,
        {"customer_metadata": {"owner!": "ml"}},
        "CustomerMetadataProperties key",
        "owner!",
        "Keys are 1-128",
    ),
    BadInput(
        "metadata-reserved-key",
        "registry",
        REGISTER,
        {"customer_metadata": {"AirflowIdempotencyKey": "mine"}},
        "customer_metadata",
        "AirflowIdempotencyKey",
        "set by the operator",
    ),
    BadInput(
        "package-description-1025",
        "registry",
        REGISTER,
        {"description": "d" * 1025},
        "ModelPackageDescription",
        "ddd",
        "At most 1024 characters",
    ),
    BadInput(
        "group-description-1025",
        "registry",
        REGISTER,
        {"group_description": "d" * 1025},
        "ModelPackageGroupDescription",
        "ddd",
        "At most 1024 characters",
    ),
    BadInput(
        "content-type-empty",
        "registry",
        REGISTER,
        {"content_types": [""]},
        "InferenceSpecification.SupportedContentTypes[0]",
        "''",
        "Empty",
    ),
    BadInput(
        "response-type-no-slash",
        "registry",
        REGISTER,
        {"response_types": ["csv"]},
        "InferenceSpecification.SupportedResponseMIMETypes[0]",
        "csv",
        "Must match the pattern",
    ),
    BadInput(
        "register-approval-lowercase",
        "registry",
        REGISTER,
        {"approval_status": "approved"},
        "ModelApprovalStatus",
        "approved",
        "Approved",
    ),
    BadInput(
        "register-candidate-text", "registry", REGISTER, {"candidate": "best"}, "candidate", "best", NOT_TEXT
    ),
    # -- UpdateModelPackage ---------------------------------------------------------------------
    BadInput(
        "approve-description-1025",
        "registry",
        APPROVE,
        {"approval_description": "d" * 1025},
        "ApprovalDescription",
        "ddd",
        "At most 1024 characters",
    ),
    BadInput(
        "approve-arn-trailing-blank",
        "registry",
        APPROVE,
        {"model_package_arn": PACKAGE_ARN + " "},
        "model_package_arn",
        PACKAGE_ARN,
        "blanks",
    ),
    BadInput(
        "approve-status-lowercase",
        "registry",
        APPROVE,
        {"approval_status": "approved"},
        "ModelApprovalStatus",
        "approved",
        "Approved",
    ),
    BadInput(
        "approve-arn-renders-none",
        "registry",
        APPROVE,
        {"model_package_arn": "{{ params.a }}"},
        "model_package_arn",
        "None",
        REQUIRED,
        {"a": None},
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
