# The rule table keeps each expected message on one line, so it can be read against docs/requests.md.
"""The one validator: one row per rule, each asserting its message."""

from __future__ import annotations

import copy
import re
from typing import Any

import botocore.session
import pytest

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError, show_value
from tests.unit.requests.common import OUT, ROLE, TRAIN, VALID, assert_botocore_accepts

DELETE = object()


def _channel(uri: str = TRAIN, kind: str | None = "training", **extra: Any) -> dict[str, Any]:
    channel: dict[str, Any] = {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}}}
    if kind is not None:
        channel["ChannelType"] = kind
    channel.update(extra)
    return channel


BASES: dict[str, dict[str, Any]] = {
    "tabular": {
        "AutoMLJobName": "base",
        "AutoMLJobInputDataConfig": [_channel(), _channel(VALID, "validation")],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "y"}},
    },
    "ts": {
        "AutoMLJobName": "base",
        "AutoMLJobInputDataConfig": [_channel()],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
        "AutoMLProblemTypeConfig": {
            "TimeSeriesForecastingJobConfig": {
                "ForecastFrequency": "D",
                "ForecastHorizon": 7,
                "TimeSeriesConfig": {
                    "TargetAttributeName": "y",
                    "TimestampAttributeName": "t",
                    "ItemIdentifierAttributeName": "i",
                },
            }
        },
    },
    "text": {
        "AutoMLJobName": "base",
        "AutoMLJobInputDataConfig": [_channel()],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
        "AutoMLProblemTypeConfig": {
            "TextClassificationJobConfig": {"ContentColumn": "c", "TargetLabelColumn": "l"}
        },
    },
    "image": {
        "AutoMLJobName": "base",
        "AutoMLJobInputDataConfig": [_channel()],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
        "AutoMLProblemTypeConfig": {"ImageClassificationJobConfig": {}},
    },
    "textgen": {
        "AutoMLJobName": "base",
        "AutoMLJobInputDataConfig": [_channel()],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
        "AutoMLProblemTypeConfig": {"TextGenerationJobConfig": {}},
    },
    "v1": {
        "AutoMLJobName": "base",
        "InputDataConfig": [
            _channel(TargetAttributeName="y"),
            _channel(VALID, "validation", TargetAttributeName="y"),
        ],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
    },
}

TABULAR = "AutoMLProblemTypeConfig.TabularJobConfig"
TS = "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig"
TEXTGEN = "AutoMLProblemTypeConfig.TextGenerationJobConfig"
NAME_RULE = (
    "A job name is 1-32 characters: letters, digits and hyphens, starting and ending with a letter or "
    "digit (pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,31})."
)
BUCKET_RULE = (
    "breaks S3 naming rules: 3-63 characters of lowercase letters, digits, dots and hyphens, starting "
    "and ending with a letter or digit, no '..', not an IP address."
)
_GZIP_MANIFEST_CHANNEL = {
    "CompressionType": "Gzip",
    "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://my-bucket/manifest.json"}},
}
TOGETHER = "give ProblemType and the objective metric together or neither (Autopilot infers both)."

# (id, base, {path: new value}, field, value, allowed)
RULES: list[tuple[str, str, dict[str, Any], str, Any, str]] = [
    # job name
    ("name-type", "tabular", {"AutoMLJobName": 42}, "AutoMLJobName", 42, "Expected a string. " + NAME_RULE),
    (
        "name-length",
        "tabular",
        {"AutoMLJobName": "a" * 33},
        "AutoMLJobName",
        "a" * 33,
        "It has 33 characters. " + NAME_RULE,
    ),
    ("name-empty", "v1", {"AutoMLJobName": ""}, "AutoMLJobName", "", "It has 0 characters. " + NAME_RULE),
    ("name-underscore", "tabular", {"AutoMLJobName": "my_job"}, "AutoMLJobName", "my_job", NAME_RULE),
    ("name-trailing-hyphen", "v1", {"AutoMLJobName": "job-"}, "AutoMLJobName", "job-", NAME_RULE),
    # S3 URIs
    (
        "s3-scheme",
        "tabular",
        {"OutputDataConfig.S3OutputPath": "https://my-bucket/out"},
        "OutputDataConfig.S3OutputPath",
        "https://my-bucket/out",
        "Expected an S3 URI of the form s3://bucket/key.",
    ),
    (
        "s3-no-scheme",
        "v1",
        {"InputDataConfig[0].DataSource.S3DataSource.S3Uri": "my-bucket/train"},
        "InputDataConfig[0].DataSource.S3DataSource.S3Uri",
        "my-bucket/train",
        "Expected an S3 URI of the form s3://bucket/key.",
    ),
    (
        "s3-bucket-uppercase",
        "tabular",
        {"AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri": "s3://My-Bucket/x"},
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri",
        "s3://My-Bucket/x",
        f"Bucket name 'My-Bucket' {BUCKET_RULE}",
    ),
    (
        "s3-bucket-short",
        "tabular",
        {"OutputDataConfig.S3OutputPath": "s3://ab/out"},
        "OutputDataConfig.S3OutputPath",
        "s3://ab/out",
        f"Bucket name 'ab' {BUCKET_RULE}",
    ),
    (
        "s3-bucket-ip",
        "tabular",
        {"OutputDataConfig.S3OutputPath": "s3://192.168.1.1/out"},
        "OutputDataConfig.S3OutputPath",
        "s3://192.168.1.1/out",
        f"Bucket name '192.168.1.1' {BUCKET_RULE}",
    ),
    (
        "s3-bucket-double-dot",
        "tabular",
        {"OutputDataConfig.S3OutputPath": "s3://my..bucket/out"},
        "OutputDataConfig.S3OutputPath",
        "s3://my..bucket/out",
        f"Bucket name 'my..bucket' {BUCKET_RULE}",
    ),
    (
        "s3-input-too-long",
        "tabular",
        {"AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri": "s3://my-bucket/" + "k" * 1010},
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3Uri",
        "s3://my-bucket/" + "k" * 1010,
        "It has 1025 characters; at most 1024 are allowed.",
    ),
    (
        "s3-output-too-long",
        "v1",
        {"OutputDataConfig.S3OutputPath": "s3://my-bucket/" + "k" * 500},
        "OutputDataConfig.S3OutputPath",
        "s3://my-bucket/" + "k" * 500,
        "It has 515 characters; at most 512 are allowed.",
    ),
    (
        "s3-feature-spec",
        "tabular",
        {f"{TABULAR}.FeatureSpecificationS3Uri": "/local/features.json"},
        f"{TABULAR}.FeatureSpecificationS3Uri",
        "/local/features.json",
        "Expected an S3 URI of the form s3://bucket/key.",
    ),
    # role
    (
        "role-arn",
        "tabular",
        {"RoleArn": "SageMakerRole"},
        "RoleArn",
        "SageMakerRole",
        "Expected an IAM role ARN such as arn:aws:iam::123456789012:role/SageMakerRole.",
    ),
    (
        "role-arn-user",
        "v1",
        {"RoleArn": "arn:aws:iam::123456789012:user/bob"},
        "RoleArn",
        "arn:aws:iam::123456789012:user/bob",
        "Expected an IAM role ARN such as arn:aws:iam::123456789012:role/SageMakerRole.",
    ),
    # channels
    (
        "channels-none",
        "tabular",
        {"AutoMLJobInputDataConfig": []},
        "AutoMLJobInputDataConfig",
        [],
        "At least 1 items required; got 0.",
    ),
    (
        "channels-three",
        "tabular",
        {"AutoMLJobInputDataConfig": [_channel(), _channel(VALID, "validation"), _channel()]},
        "AutoMLJobInputDataConfig",
        [_channel(), _channel(VALID, "validation"), _channel()],
        "At most 2 items allowed; got 3.",
    ),
    (
        "channels-two-validation",
        "tabular",
        {"AutoMLJobInputDataConfig": [_channel(VALID, "validation"), _channel(VALID, "validation")]},
        "AutoMLJobInputDataConfig",
        ["validation", "validation"],
        "Give exactly one training channel and at most one validation channel (ChannelType defaults to training).",
    ),
    (
        "channels-two-training",
        "v1",
        {"InputDataConfig[1].ChannelType": DELETE},
        "InputDataConfig",
        ["training", "training"],
        "Give exactly one training channel and at most one validation channel (ChannelType defaults to training).",
    ),
    (
        "channel-type-enum",
        "tabular",
        {"AutoMLJobInputDataConfig[1].ChannelType": "test"},
        "AutoMLJobInputDataConfig[1].ChannelType",
        "test",
        "Allowed: training, validation.",
    ),
    (
        "channel-no-data-source",
        "text",
        {"AutoMLJobInputDataConfig[0].DataSource": DELETE},
        "AutoMLJobInputDataConfig[0].DataSource",
        None,
        "Each channel needs a DataSource.",
    ),
    (
        "channel-content-types-differ",
        "tabular",
        {
            "AutoMLJobInputDataConfig[0].ContentType": rq.CSV,
            "AutoMLJobInputDataConfig[1].ContentType": rq.PARQUET,
        },
        "AutoMLJobInputDataConfig[*].ContentType",
        [rq.CSV, rq.PARQUET],
        "Training and validation channels must share the same ContentType.",
    ),
    (
        "v1-target-missing",
        "v1",
        {"InputDataConfig[0].TargetAttributeName": DELETE},
        "InputDataConfig[0].TargetAttributeName",
        None,
        "AutoMLChannel requires TargetAttributeName.",
    ),
    (
        "v1-target-differs",
        "v1",
        {"InputDataConfig[1].TargetAttributeName": "z"},
        "InputDataConfig[*].TargetAttributeName",
        ["y", "z"],
        "All channels must share the same TargetAttributeName.",
    ),
    (
        "v1-weight-differs",
        "v1",
        {"InputDataConfig[0].SampleWeightAttributeName": "w"},
        "InputDataConfig[*].SampleWeightAttributeName",
        ["w", None],
        "All channels must share the same SampleWeightAttributeName.",
    ),
    # content type / compression / data type per problem type
    (
        "content-type-tabular",
        "tabular",
        {
            "AutoMLJobInputDataConfig[0].ContentType": "text/csv",
            "AutoMLJobInputDataConfig[1].ContentType": "text/csv",
        },
        "AutoMLJobInputDataConfig[0].ContentType",
        "text/csv",
        "Allowed for Tabular: text/csv;header=present, x-application/vnd.amazon+parquet.",
    ),
    (
        "content-type-image",
        "image",
        {"AutoMLJobInputDataConfig[0].ContentType": rq.CSV},
        "AutoMLJobInputDataConfig[0].ContentType",
        rq.CSV,
        "Allowed for ImageClassification: image/png, image/jpeg, image/*.",
    ),
    (
        "content-type-text",
        "text",
        {"AutoMLJobInputDataConfig[0].ContentType": "image/png"},
        "AutoMLJobInputDataConfig[0].ContentType",
        "image/png",
        "Allowed for TextClassification: text/csv;header=present, x-application/vnd.amazon+parquet.",
    ),
    (
        "content-type-textgen",
        "textgen",
        {"AutoMLJobInputDataConfig[0].ContentType": "application/json"},
        "AutoMLJobInputDataConfig[0].ContentType",
        "application/json",
        "Allowed for TextGeneration: text/csv;header=present, x-application/vnd.amazon+parquet.",
    ),
    (
        "content-type-ts",
        "ts",
        {"AutoMLJobInputDataConfig[0].ContentType": "text/csv;header=absent"},
        "AutoMLJobInputDataConfig[0].ContentType",
        "text/csv;header=absent",
        "Allowed for TimeSeriesForecasting: text/csv;header=present, x-application/vnd.amazon+parquet.",
    ),
    (
        "content-type-v1",
        "v1",
        {"InputDataConfig[0].ContentType": "image/png", "InputDataConfig[1].ContentType": "image/png"},
        "InputDataConfig[0].ContentType",
        "image/png",
        "Allowed for V1 (tabular): text/csv;header=present, x-application/vnd.amazon+parquet.",
    ),
    (
        "gzip-not-tabular",
        "text",
        {"AutoMLJobInputDataConfig[0].CompressionType": "Gzip"},
        "AutoMLJobInputDataConfig[0].CompressionType",
        "Gzip",
        "Gzip is allowed only for tabular data with S3DataType S3Prefix (here: TextClassification, S3Prefix); use None.",
    ),
    (
        "gzip-manifest",
        "tabular",
        {"AutoMLJobInputDataConfig": [_GZIP_MANIFEST_CHANNEL]},
        "AutoMLJobInputDataConfig[0].CompressionType",
        "Gzip",
        "Gzip is allowed only for tabular data with S3DataType S3Prefix (here: Tabular, ManifestFile); use None.",
    ),
    (
        "compression-enum",
        "tabular",
        {"AutoMLJobInputDataConfig[0].CompressionType": "zip"},
        "AutoMLJobInputDataConfig[0].CompressionType",
        "zip",
        "Allowed: None, Gzip.",
    ),
    (
        "augmented-manifest-tabular",
        "tabular",
        {"AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3DataType": "AugmentedManifestFile"},
        "AutoMLJobInputDataConfig[0].DataSource.S3DataSource.S3DataType",
        "AugmentedManifestFile",
        "AugmentedManifestFile is not allowed for Tabular; it is for V2 image/text classification and time-series forecasting.",
    ),
    (
        "augmented-manifest-v1",
        "v1",
        {"InputDataConfig[0].DataSource.S3DataSource.S3DataType": "AugmentedManifestFile"},
        "InputDataConfig[0].DataSource.S3DataSource.S3DataType",
        "AugmentedManifestFile",
        "AugmentedManifestFile is not allowed for V1 (tabular); it is for V2 image/text classification and time-series forecasting.",
    ),
    # data split
    (
        "validation-fraction-zero",
        "tabular",
        {"DataSplitConfig": {"ValidationFraction": 0}},
        "DataSplitConfig.ValidationFraction",
        0,
        "ValidationFraction must be greater than 0 and less than 1.",
    ),
    (
        "validation-fraction-one",
        "v1",
        {"AutoMLJobConfig": {"DataSplitConfig": {"ValidationFraction": 1.0}}},
        "AutoMLJobConfig.DataSplitConfig.ValidationFraction",
        1.0,
        "ValidationFraction must be greater than 0 and less than 1.",
    ),
    (
        "validation-fraction-range",
        "tabular",
        {"DataSplitConfig": {"ValidationFraction": 1.5}},
        "DataSplitConfig.ValidationFraction",
        1.5,
        "Must be between 0 and 1.",
    ),
    (
        "validation-fraction-type",
        "tabular",
        {"DataSplitConfig": {"ValidationFraction": "0.2"}},
        "DataSplitConfig.ValidationFraction",
        "0.2",
        "Expected a number.",
    ),
    (
        "data-split-time-series",
        "ts",
        {"DataSplitConfig": {"ValidationFraction": 0.2}},
        "DataSplitConfig",
        {"ValidationFraction": 0.2},
        "Not allowed for TimeSeriesForecasting: Autopilot splits the data itself.",
    ),
    # candidates
    (
        "max-candidates-tabular",
        "tabular",
        {f"{TABULAR}.CompletionCriteria": {"MaxCandidates": 751}},
        f"{TABULAR}.CompletionCriteria.MaxCandidates",
        751,
        "Must be between 1 and 750.",
    ),
    (
        "max-candidates-zero",
        "v1",
        {"AutoMLJobConfig": {"CompletionCriteria": {"MaxCandidates": 0}}},
        "AutoMLJobConfig.CompletionCriteria.MaxCandidates",
        0,
        "Must be between 1 and 750.",
    ),
    (
        "max-candidates-text",
        "text",
        {"AutoMLProblemTypeConfig.TextClassificationJobConfig.CompletionCriteria": {"MaxCandidates": 2}},
        "AutoMLProblemTypeConfig.TextClassificationJobConfig.CompletionCriteria.MaxCandidates",
        2,
        "TextClassification jobs allow exactly 1 candidate(s).",
    ),
    (
        "max-candidates-ts",
        "ts",
        {f"{TS}.CompletionCriteria": {"MaxCandidates": 5}},
        f"{TS}.CompletionCriteria.MaxCandidates",
        5,
        "TimeSeriesForecasting jobs allow exactly 1 candidate(s).",
    ),
    (
        "max-candidates-type",
        "tabular",
        {f"{TABULAR}.CompletionCriteria": {"MaxCandidates": "5"}},
        f"{TABULAR}.CompletionCriteria.MaxCandidates",
        "5",
        "Expected an integer.",
    ),
    (
        "runtime-min",
        "image",
        {
            "AutoMLProblemTypeConfig.ImageClassificationJobConfig.CompletionCriteria": {
                "MaxAutoMLJobRuntimeInSeconds": 0
            }
        },
        "AutoMLProblemTypeConfig.ImageClassificationJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds",
        0,
        "Must be at least 1.",
    ),
    # problem type and objective
    (
        "problem-type-without-metric",
        "tabular",
        {f"{TABULAR}.ProblemType": "Regression"},
        "AutoMLJobObjective.MetricName",
        None,
        f"{TABULAR}.ProblemType is set, so AutoMLJobObjective.MetricName must be set too: {TOGETHER}",
    ),
    (
        "metric-without-problem-type",
        "v1",
        {"AutoMLJobObjective": {"MetricName": "F1"}},
        "ProblemType",
        None,
        f"AutoMLJobObjective.MetricName is set, so ProblemType must be set too: {TOGETHER}",
    ),
    (
        "metric-wrong-for-regression",
        "v1",
        {"ProblemType": "Regression", "AutoMLJobObjective": {"MetricName": "F1"}},
        "AutoMLJobObjective.MetricName",
        "F1",
        "Allowed for Regression: MAE, MSE, R2, RMSE.",
    ),
    (
        "metric-wrong-for-binary",
        "tabular",
        {f"{TABULAR}.ProblemType": "BinaryClassification", "AutoMLJobObjective": {"MetricName": "F1macro"}},
        "AutoMLJobObjective.MetricName",
        "F1macro",
        "Allowed for BinaryClassification: Accuracy, AUC, BalancedAccuracy, F1, Precision, Recall.",
    ),
    (
        "metric-wrong-for-multiclass",
        "tabular",
        {f"{TABULAR}.ProblemType": "MulticlassClassification", "AutoMLJobObjective": {"MetricName": "AUC"}},
        "AutoMLJobObjective.MetricName",
        "AUC",
        "Allowed for MulticlassClassification: Accuracy, BalancedAccuracy, F1macro, PrecisionMacro, RecallMacro.",
    ),
    (
        "metric-wrong-for-ts",
        "ts",
        {"AutoMLJobObjective": {"MetricName": "Accuracy"}},
        "AutoMLJobObjective.MetricName",
        "Accuracy",
        "Allowed for TimeSeriesForecasting: AverageWeightedQuantileLoss, MAPE, MASE, RMSE, WAPE.",
    ),
    (
        "metric-wrong-for-image",
        "image",
        {"AutoMLJobObjective": {"MetricName": "F1"}},
        "AutoMLJobObjective.MetricName",
        "F1",
        "Allowed for ImageClassification: Accuracy.",
    ),
    (
        "metric-for-textgen",
        "textgen",
        {"AutoMLJobObjective": {"MetricName": "Accuracy"}},
        "AutoMLJobObjective.MetricName",
        "Accuracy",
        "TextGeneration jobs take no objective metric.",
    ),
    (
        "metric-enum",
        "v1",
        {"ProblemType": "Regression", "AutoMLJobObjective": {"MetricName": "LogLoss"}},
        "AutoMLJobObjective.MetricName",
        "LogLoss",
        "Allowed: "
        + ", ".join(
            botocore.session.get_session().get_service_model("sagemaker").shape_for("AutoMLMetricEnum").enum
        )
        + ".",
    ),
    (
        "problem-type-enum",
        "v1",
        {"ProblemType": "Binary"},
        "ProblemType",
        "Binary",
        "Allowed: BinaryClassification, MulticlassClassification, Regression.",
    ),
    # modes and algorithms
    (
        "mode-enum",
        "tabular",
        {f"{TABULAR}.Mode": "FAST"},
        f"{TABULAR}.Mode",
        "FAST",
        "Allowed: AUTO, ENSEMBLING, HYPERPARAMETER_TUNING.",
    ),
    (
        "algorithms-need-mode",
        "tabular",
        {f"{TABULAR}.CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}]}},
        f"{TABULAR}.Mode",
        None,
        "AlgorithmsConfig needs Mode ENSEMBLING or HYPERPARAMETER_TUNING (AUTO picks algorithms itself).",
    ),
    (
        "algorithms-auto-mode",
        "v1",
        {
            "AutoMLJobConfig": {
                "Mode": "AUTO",
                "CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}]},
            }
        },
        "AutoMLJobConfig.Mode",
        "AUTO",
        "AlgorithmsConfig needs Mode ENSEMBLING or HYPERPARAMETER_TUNING (AUTO picks algorithms itself).",
    ),
    (
        "algorithms-hpo",
        "tabular",
        {
            f"{TABULAR}.Mode": "HYPERPARAMETER_TUNING",
            f"{TABULAR}.CandidateGenerationConfig": {
                "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost", "lightgbm"]}]
            },
        },
        f"{TABULAR}.CandidateGenerationConfig.AlgorithmsConfig[0].AutoMLAlgorithms[1]",
        "lightgbm",
        "Allowed for Mode HYPERPARAMETER_TUNING: linear-learner, mlp, xgboost.",
    ),
    (
        "algorithms-ensembling",
        "v1",
        {
            "AutoMLJobConfig": {
                "Mode": "ENSEMBLING",
                "CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["mlp"]}]},
            }
        },
        "AutoMLJobConfig.CandidateGenerationConfig.AlgorithmsConfig[0].AutoMLAlgorithms[0]",
        "mlp",
        "Allowed for Mode ENSEMBLING: catboost, extra-trees, fastai, lightgbm, linear-learner, nn-torch, randomforest, xgboost.",
    ),
    (
        "algorithms-ts",
        "ts",
        {f"{TS}.CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}]}},
        f"{TS}.CandidateGenerationConfig.AlgorithmsConfig[0].AutoMLAlgorithms[0]",
        "xgboost",
        "Allowed for time-series forecasting: arima, cnn-qr, deepar, ets, npts, prophet.",
    ),
    (
        "algorithm-enum",
        "tabular",
        {
            f"{TABULAR}.Mode": "ENSEMBLING",
            f"{TABULAR}.CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ["sklearn"]}]},
        },
        f"{TABULAR}.CandidateGenerationConfig.AlgorithmsConfig[0].AutoMLAlgorithms[0]",
        "sklearn",
        "Allowed: "
        + ", ".join(
            botocore.session.get_session().get_service_model("sagemaker").shape_for("AutoMLAlgorithm").enum
        )
        + ".",
    ),
    # time series
    (
        "quantile-p0",
        "ts",
        {f"{TS}.ForecastQuantiles": ["p0"]},
        f"{TS}.ForecastQuantiles[0]",
        "p0",
        "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'.",
    ),
    (
        "quantile-p100",
        "ts",
        {f"{TS}.ForecastQuantiles": ["p50", "p100"]},
        f"{TS}.ForecastQuantiles[1]",
        "p100",
        "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'.",
    ),
    (
        "quantile-decimal",
        "ts",
        {f"{TS}.ForecastQuantiles": ["p10.5"]},
        f"{TS}.ForecastQuantiles[0]",
        "p10.5",
        "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'.",
    ),
    (
        "quantile-fraction",
        "ts",
        {f"{TS}.ForecastQuantiles": ["0.5"]},
        f"{TS}.ForecastQuantiles[0]",
        "0.5",
        "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'.",
    ),
    (
        "quantiles-too-many",
        "ts",
        {f"{TS}.ForecastQuantiles": ["p1", "p2", "p3", "p4", "p5", "p6"]},
        f"{TS}.ForecastQuantiles",
        ["p1", "p2", "p3", "p4", "p5", "p6"],
        "At most 5 items allowed; got 6.",
    ),
    (
        "quantiles-duplicate",
        "ts",
        {f"{TS}.ForecastQuantiles": ["p50", "p50"]},
        f"{TS}.ForecastQuantiles",
        ["p50", "p50"],
        "Quantiles must be unique.",
    ),
    ("horizon-zero", "ts", {f"{TS}.ForecastHorizon": 0}, f"{TS}.ForecastHorizon", 0, "Must be at least 1."),
    (
        "frequency-2y",
        "ts",
        {f"{TS}.ForecastFrequency": "2Y"},
        f"{TS}.ForecastFrequency",
        "2Y",
        "Allowed frequencies: Y or 1Y; M or 1M-11M; W or 1W-4W; D or 1D-6D; H or 1H-23H; 1min-59min.",
    ),
    (
        "frequency-5w",
        "ts",
        {f"{TS}.ForecastFrequency": "5W"},
        f"{TS}.ForecastFrequency",
        "5W",
        "Allowed frequencies: Y or 1Y; M or 1M-11M; W or 1W-4W; D or 1D-6D; H or 1H-23H; 1min-59min.",
    ),
    (
        "ts-config-required",
        "ts",
        {f"{TS}.TimeSeriesConfig.ItemIdentifierAttributeName": DELETE},
        f"{TS}.TimeSeriesConfig.ItemIdentifierAttributeName",
        None,
        "TimeSeriesConfig requires ItemIdentifierAttributeName.",
    ),
    (
        "grouping-too-many",
        "ts",
        {f"{TS}.TimeSeriesConfig.GroupingAttributeNames": list("abcdef")},
        f"{TS}.TimeSeriesConfig.GroupingAttributeNames",
        list("abcdef"),
        "At most 5 items allowed; got 6.",
    ),
    (
        "holiday-country",
        "ts",
        {f"{TS}.HolidayConfig": [{"CountryCode": "us"}]},
        f"{TS}.HolidayConfig[0].CountryCode",
        "us",
        "Must match the pattern [A-Z]{2}.",
    ),
    (
        "filling-type",
        "ts",
        {f"{TS}.Transformations": {"Filling": {"y": {"sidefill": "zero"}}}},
        f"{TS}.Transformations.Filling['y'] key",
        "sidefill",
        "Allowed: frontfill, middlefill, backfill, futurefill, frontfill_value, middlefill_value, backfill_value, futurefill_value.",
    ),
    (
        "aggregation-enum",
        "ts",
        {f"{TS}.Transformations": {"Aggregation": {"y": "median"}}},
        f"{TS}.Transformations.Aggregation['y']",
        "median",
        "Allowed: sum, avg, first, min, max.",
    ),
    # text generation
    (
        "textgen-hyperparameter-key",
        "textgen",
        {f"{TEXTGEN}.TextGenerationHyperParameters": {"epochs": "3"}},
        f"{TEXTGEN}.TextGenerationHyperParameters['epochs']",
        "3",
        "Unknown hyperparameter; allowed: epochCount, batchSize, learningRate, learningRateWarmupSteps.",
    ),
    (
        "textgen-epoch-range",
        "textgen",
        {f"{TEXTGEN}.TextGenerationHyperParameters": {"epochCount": "11"}},
        f"{TEXTGEN}.TextGenerationHyperParameters['epochCount']",
        "11",
        "Must be a string holding an integer from 1 to 10.",
    ),
    (
        "textgen-learning-rate",
        "textgen",
        {f"{TEXTGEN}.TextGenerationHyperParameters": {"learningRate": "0,5"}},
        f"{TEXTGEN}.TextGenerationHyperParameters['learningRate']",
        "0,5",
        "Must match the pattern [a-zA-Z0-9._-]+.",
    ),
    (
        "textgen-learning-rate-word",
        "textgen",
        {f"{TEXTGEN}.TextGenerationHyperParameters": {"learningRate": "fast"}},
        f"{TEXTGEN}.TextGenerationHyperParameters['learningRate']",
        "fast",
        "Must be a string holding a number from 0 to 1.",
    ),
    (
        "textgen-learning-rate-range",
        "textgen",
        {f"{TEXTGEN}.TextGenerationHyperParameters": {"learningRate": "1.5"}},
        f"{TEXTGEN}.TextGenerationHyperParameters['learningRate']",
        "1.5",
        "Must be a string holding a number from 0 to 1.",
    ),
    (
        "textgen-eula-type",
        "textgen",
        {f"{TEXTGEN}.ModelAccessConfig": {"AcceptEula": "true"}},
        f"{TEXTGEN}.ModelAccessConfig.AcceptEula",
        "true",
        "Expected a boolean (True or False).",
    ),
    # tags, deploy, security
    (
        "tags-reserved",
        "tabular",
        {"Tags": [{"Key": "aws:owner", "Value": "x"}]},
        "Tags[0].Key",
        "aws:owner",
        "Tag keys starting with 'aws:' are reserved.",
    ),
    (
        "tags-duplicate",
        "v1",
        {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
        "Tags[1].Key",
        "a",
        "Tag keys must be unique.",
    ),
    (
        "tags-value-required",
        "tabular",
        {"Tags": [{"Key": "a"}]},
        "Tags[0].Value",
        None,
        "Tag requires Value.",
    ),
    (
        "tags-key-chars",
        "tabular",
        {"Tags": [{"Key": "a*b", "Value": "1"}]},
        "Tags[0].Key",
        "a*b",
        "Tag keys are 1-128 letters, digits, spaces and _ . : / = + - @.",
    ),
    (
        "tags-too-many",
        "v1",
        {"Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
        "Tags",
        [{"Key": f"k{i}", "Value": ""} for i in range(51)],
        "At most 50 items allowed; got 51.",
    ),
    (
        "deploy-both",
        "tabular",
        {"ModelDeployConfig": {"AutoGenerateEndpointName": True, "EndpointName": "ep"}},
        "ModelDeployConfig",
        {"AutoGenerateEndpointName": True, "EndpointName": "ep"},
        "Set AutoGenerateEndpointName to True, or give EndpointName (with AutoGenerateEndpointName unset or False), not both and not neither.",
    ),
    (
        "deploy-neither",
        "v1",
        {"ModelDeployConfig": {"AutoGenerateEndpointName": False}},
        "ModelDeployConfig",
        {"AutoGenerateEndpointName": False},
        "Set AutoGenerateEndpointName to True, or give EndpointName (with AutoGenerateEndpointName unset or False), not both and not neither.",
    ),
    (
        "endpoint-name-pattern",
        "v1",
        {"ModelDeployConfig": {"EndpointName": "my_endpoint"}},
        "ModelDeployConfig.EndpointName",
        "my_endpoint",
        "Must match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}.",
    ),
    (
        "kms-key-pattern",
        "tabular",
        {"OutputDataConfig.KmsKeyId": "key id"},
        "OutputDataConfig.KmsKeyId",
        "key id",
        "Must match the pattern [a-zA-Z0-9:/_-]*.",
    ),
    (
        "vpc-required",
        "v1",
        {"AutoMLJobConfig": {"SecurityConfig": {"VpcConfig": {"Subnets": ["s-1"]}}}},
        "AutoMLJobConfig.SecurityConfig.VpcConfig.SecurityGroupIds",
        None,
        "VpcConfig requires SecurityGroupIds.",
    ),
    # model shape
    (
        "unknown-field",
        "tabular",
        {f"{TABULAR}.TargetAttribute": "y"},
        f"{TABULAR}.TargetAttribute",
        "y",
        "Unknown field of TabularJobConfig; allowed: CandidateGenerationConfig, CompletionCriteria, FeatureSpecificationS3Uri, "
        "Mode, GenerateCandidateDefinitionsOnly, ProblemType, TargetAttributeName, SampleWeightAttributeName.",
    ),
    (
        "v2-field-in-v1",
        "v1",
        {"AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "y"}}},
        "AutoMLProblemTypeConfig",
        {"TabularJobConfig": {"TargetAttributeName": "y"}},
        "Unknown field of CreateAutoMLJobRequest; allowed: AutoMLJobName, InputDataConfig, OutputDataConfig, ProblemType, "
        "AutoMLJobObjective, AutoMLJobConfig, RoleArn, GenerateCandidateDefinitionsOnly, Tags, ModelDeployConfig.",
    ),
    (
        "required-missing",
        "tabular",
        {f"{TABULAR}.TargetAttributeName": DELETE},
        f"{TABULAR}.TargetAttributeName",
        None,
        "TabularJobConfig requires TargetAttributeName.",
    ),
    (
        "required-top-level",
        "tabular",
        {"RoleArn": DELETE},
        "RoleArn",
        None,
        "CreateAutoMLJobV2Request requires RoleArn.",
    ),
    (
        "union-two-configs",
        "tabular",
        {"AutoMLProblemTypeConfig.ImageClassificationJobConfig": {}},
        "AutoMLProblemTypeConfig",
        ["ImageClassificationJobConfig", "TabularJobConfig"],
        "Set exactly one of: ImageClassificationJobConfig, TextClassificationJobConfig, TimeSeriesForecastingJobConfig, "
        "TabularJobConfig, TextGenerationJobConfig.",
    ),
    (
        "boolean-type",
        "v1",
        {"GenerateCandidateDefinitionsOnly": "false"},
        "GenerateCandidateDefinitionsOnly",
        "false",
        "Expected a boolean (True or False).",
    ),
    (
        "list-type",
        "tabular",
        {"Tags": {"Key": "a", "Value": "b"}},
        "Tags",
        {"Key": "a", "Value": "b"},
        "Expected a list.",
    ),
    (
        "structure-type",
        "tabular",
        {"OutputDataConfig": OUT},
        "OutputDataConfig",
        OUT,
        "Expected a mapping (AutoMLOutputDataConfig).",
    ),
    (
        "string-type",
        "tabular",
        {f"{TABULAR}.TargetAttributeName": 3},
        f"{TABULAR}.TargetAttributeName",
        3,
        "Expected a string.",
    ),
    (
        "string-empty",
        "text",
        {"AutoMLProblemTypeConfig.TextClassificationJobConfig.ContentColumn": ""},
        "AutoMLProblemTypeConfig.TextClassificationJobConfig.ContentColumn",
        "",
        "Empty; leave the field out or give a value.",
    ),
    (
        "string-empty-kms",
        "tabular",
        {"SecurityConfig": {"VolumeKmsKeyId": ""}},
        "SecurityConfig.VolumeKmsKeyId",
        "",
        "Empty; leave the field out or give a value.",
    ),
    (
        "uri-trailing-blank",
        "tabular",
        {"OutputDataConfig.S3OutputPath": "s3://my-bucket/output "},
        "OutputDataConfig.S3OutputPath",
        "s3://my-bucket/output ",
        "Remove the blanks around the value.",
    ),
    (
        "value-none",
        "tabular",
        {"SecurityConfig": {"VolumeKmsKeyId": None}},
        "SecurityConfig.VolumeKmsKeyId",
        None,
        "Leave the field out instead of setting it to None.",
    ),
    (
        "tag-value-unicode-ok-key-not",
        "tabular",
        {"Tags": [{"Key": "équipe", "Value": "données"}, {"Key": "cost#centre", "Value": "1"}]},
        "Tags[1].Key",
        "cost#centre",
        "Tag keys are 1-128 letters, digits, spaces and _ . : / = + - @.",
    ),
    (
        "string-too-long",
        "text",
        {"AutoMLProblemTypeConfig.TextClassificationJobConfig.ContentColumn": "c" * 257},
        "AutoMLProblemTypeConfig.TextClassificationJobConfig.ContentColumn",
        "c" * 257,
        "At most 256 characters allowed; got 257.",
    ),
    (
        "sample-weight-pattern",
        "tabular",
        {f"{TABULAR}.SampleWeightAttributeName": "my weight"},
        f"{TABULAR}.SampleWeightAttributeName",
        "my weight",
        "Must match the pattern [a-zA-Z0-9_-]+.",
    ),
]


def _set_path(request: dict[str, Any], path: str, value: Any) -> None:
    tokens: list[str | int] = [
        int(token[1:-1]) if token.startswith("[") else token
        for token in re.findall(r"\[\d+\]|[^.\[\]]+", path)
    ]
    target: Any = request
    for token in tokens[:-1]:
        if isinstance(token, str) and token not in target:
            target[token] = {}
        target = target[token]
    if value is DELETE:
        del target[tokens[-1]]
    else:
        target[tokens[-1]] = copy.deepcopy(value)


@pytest.mark.parametrize("base", sorted(BASES))
def test_rule_table_bases_are_valid(service_model: Any, base: str) -> None:
    request = copy.deepcopy(BASES[base])
    if base == "v1":
        rq.validate_v1_request(request)
        assert_botocore_accepts(service_model, request, "CreateAutoMLJob")
    else:
        rq.validate_v2_request(request)
        assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


@pytest.mark.parametrize(
    ("case", "base", "changes", "field", "value", "allowed"), RULES, ids=[r[0] for r in RULES]
)
def test_validation_rule(
    case: str, base: str, changes: dict[str, Any], field: str, value: Any, allowed: str
) -> None:
    request = copy.deepcopy(BASES[base])
    for path, new in changes.items():
        _set_path(request, path, new)
    validate = rq.validate_v1_request if base == "v1" else rq.validate_v2_request
    with pytest.raises(AutoMLValidationError) as info:
        validate(request)
    error = info.value
    assert (error.field, error.value, error.allowed) == (field, value, allowed)
    assert str(error) == f"Invalid {field}: {show_value(value)}. {allowed}"


def test_rule_ids_are_unique() -> None:
    ids = [r[0] for r in RULES]
    assert len(ids) == len(set(ids))


def test_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Invalid AutoMLJobName"):
        rq.validate_job_name("bad name")


@pytest.mark.parametrize("name", ["a", "A1", "a-b", "a--b", "x" * 32, "1-2-3"])
def test_valid_job_names(name: str) -> None:
    assert rq.validate_job_name(name) == name
