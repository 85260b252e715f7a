# The rule table keeps each expected message on one line, so it can be read against docs/requests.md.
from __future__ import annotations

import copy
import random
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import botocore.session
import botocore.validate
import pytest

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
TRAIN = "s3://my-bucket/data/train/"
VALID = "s3://my-bucket/data/validation/"
OUT = "s3://my-bucket/output"


@pytest.fixture(scope="module")
def service_model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


def assert_botocore_accepts(service_model: Any, request: dict[str, Any], operation: str) -> None:
    shape = service_model.operation_model(operation).input_shape
    report = botocore.validate.ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


# --------------------------------------------------------------------------------------------------
# Builders: every problem type, minimal and full, passes botocore's own validation
# --------------------------------------------------------------------------------------------------

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

OBJECTIVE_FOR = {"tabular-full": "AUC", "tabular-hpo": "RMSE"}
CONTENT_TYPE_FOR = {
    "TabularJobConfig": rq.CSV,
    "TimeSeriesForecastingJobConfig": rq.PARQUET,
    "TextClassificationJobConfig": rq.CSV,
    "ImageClassificationJobConfig": "image/*",
    "TextGenerationJobConfig": rq.CSV,
}


@pytest.mark.parametrize("name", sorted(PROBLEM_CONFIGS))
def test_v2_builders_validate_against_botocore(service_model: Any, name: str) -> None:
    config = PROBLEM_CONFIGS[name]()
    (config_key,) = config
    validation = None if config_key == "TimeSeriesForecastingJobConfig" else VALID
    request = rq.build_v2_request(
        job_name=f"job-{name}"[:32],
        input_data_config=rq.input_channels(
            TRAIN, validation=validation, content_type=CONTENT_TYPE_FOR[config_key]
        ),
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=config,
        objective_metric=OBJECTIVE_FOR.get(name),
        tags={"team": "ml", "cost-center": "42"},
    )
    assert request["AutoMLProblemTypeConfig"] == config
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


def test_v2_full_tabular_request_shape(service_model: Any) -> None:
    request = rq.build_v2_request(
        job_name="churn-2024",
        input_data_config=rq.input_channels(TRAIN, validation=VALID, content_type=rq.CSV, compression="Gzip"),
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=PROBLEM_CONFIGS["tabular-full"](),
        objective_metric="AUC",
        kms_key_id="arn:aws:kms:us-east-1:123456789012:key/abcd-1234",
        security_config={
            "VolumeKmsKeyId": "alias/automl",
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": ["sg-123"], "Subnets": ["subnet-1", "subnet-2"]},
        },
        model_deploy_config={"AutoGenerateEndpointName": True},
        tags=[{"Key": "team", "Value": "ml"}],
        compute_config={"EmrServerlessComputeConfig": {"ExecutionRoleARN": ROLE}},
    )
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")
    assert request["AutoMLJobInputDataConfig"][1] == {
        "ChannelType": "validation",
        "ContentType": rq.CSV,
        "CompressionType": "Gzip",
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": VALID}},
    }
    assert request["OutputDataConfig"] == {
        "S3OutputPath": OUT,
        "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abcd-1234",
    }
    assert request["AutoMLJobObjective"] == {"MetricName": "AUC"}
    assert request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CandidateGenerationConfig"] == {
        "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost", "lightgbm", "catboost"]}]
    }
    assert "DataSplitConfig" not in request  # unset typed arguments send nothing


def test_v2_validation_fraction_goes_to_data_split_config(service_model: Any) -> None:
    request = rq.build_v2_request(
        job_name="split",
        input_data_config=TRAIN,
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=rq.text_classification_config(content_column="t", target_label_column="l"),
        validation_fraction="0.25",
    )
    assert request["DataSplitConfig"] == {"ValidationFraction": 0.25}
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


def test_v1_builder_full_request(service_model: Any) -> None:
    request = rq.build_v1_request(
        job_name="churn-v1",
        input_data_config=rq.input_channels(TRAIN, validation=VALID),
        output_path=OUT,
        role_arn=ROLE,
        target_attribute="churn",
        sample_weight_attribute="weight",
        content_type=rq.PARQUET,
        problem_type="MulticlassClassification",
        objective_metric="F1macro",
        max_candidates="10",
        max_runtime_per_training_job=600,
        max_job_runtime=3600,
        mode="HYPERPARAMETER_TUNING",
        candidate_generation_config={
            "FeatureSpecificationS3Uri": "s3://my-bucket/features.json",
            "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}],
        },
        validation_fraction=0.3,
        security_config={"EnableInterContainerTrafficEncryption": True},
        generate_candidate_definitions_only="false",
        model_deploy_config={"EndpointName": "churn-endpoint"},
        tags={"team": "ml"},
        kms_key_id="alias/out",
    )
    assert_botocore_accepts(service_model, request, "CreateAutoMLJob")
    for channel in request["InputDataConfig"]:
        assert channel["TargetAttributeName"] == "churn"
        assert channel["SampleWeightAttributeName"] == "weight"
        assert channel["ContentType"] == rq.PARQUET
    assert request["AutoMLJobConfig"] == {
        "CompletionCriteria": {
            "MaxCandidates": 10,
            "MaxRuntimePerTrainingJobInSeconds": 600,
            "MaxAutoMLJobRuntimeInSeconds": 3600,
        },
        "Mode": "HYPERPARAMETER_TUNING",
        "CandidateGenerationConfig": {
            "FeatureSpecificationS3Uri": "s3://my-bucket/features.json",
            "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost"]}],
        },
        "DataSplitConfig": {"ValidationFraction": 0.3},
        "SecurityConfig": {"EnableInterContainerTrafficEncryption": True},
    }
    assert request["GenerateCandidateDefinitionsOnly"] is False
    assert request["ProblemType"] == "MulticlassClassification"


def test_v1_minimal_from_uri(service_model: Any) -> None:
    request = rq.build_v1_request(
        job_name="v1", input_data_config=TRAIN, output_path=OUT, role_arn=ROLE, target_attribute="y"
    )
    assert request == {
        "AutoMLJobName": "v1",
        "InputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
                "TargetAttributeName": "y",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": OUT},
        "RoleArn": ROLE,
    }
    assert_botocore_accepts(service_model, request, "CreateAutoMLJob")


def test_builders_do_not_import_botocore_at_module_level() -> None:
    code = "import sys, airflow_provider_automl.requests; print(sorted(m for m in ('boto3', 'botocore', 'aiobotocore') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------------
# Constant tables agree with the service model
# --------------------------------------------------------------------------------------------------


def test_constant_tables_match_service_model(service_model: Any) -> None:
    metrics = set(service_model.shape_for("AutoMLMetricEnum").enum)
    for allowed in [*rq.ALLOWED_METRICS.values(), *rq.TABULAR_METRICS.values()]:
        assert set(allowed) <= metrics
    assert set(rq.TABULAR_METRICS) == set(service_model.shape_for("ProblemType").enum)
    assert set(rq.PROBLEM_TYPE_CONFIG_KEYS.values()) == set(
        service_model.shape_for("AutoMLProblemTypeConfig").members
    )
    assert set(rq.ALLOWED_CONTENT_TYPES) == set(rq.PROBLEM_TYPE_CONFIG_KEYS.values())
    assert set(rq.MAX_CANDIDATES_LIMIT) == set(rq.PROBLEM_TYPE_CONFIG_KEYS.values())
    assert (
        rq.MAX_CANDIDATES_LIMIT["TabularJobConfig"]
        == service_model.shape_for("MaxCandidates").metadata["max"]
    )
    algorithms = set(service_model.shape_for("AutoMLAlgorithm").enum)
    assert set().union(*rq.ALLOWED_ALGORITHMS.values()) == algorithms
    assert service_model.shape_for("AutoMLJobName").metadata["max"] == rq.JOB_NAME_MAX_LENGTH
    assert rq.JOB_NAME_PATTERN.pattern == service_model.shape_for("AutoMLJobName").metadata["pattern"]


# --------------------------------------------------------------------------------------------------
# Deep merge of the raw `extra` request
# --------------------------------------------------------------------------------------------------


def _tabular_v2(**kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "job_name": "merge",
        "input_data_config": TRAIN,
        "output_path": OUT,
        "role_arn": ROLE,
        "problem_type_config": rq.tabular_config(target_attribute="y", max_candidates=5),
    }
    params.update(kwargs)
    return rq.build_v2_request(**params)


def test_extra_adds_fields_without_dropping_typed_ones(service_model: Any) -> None:
    # The anchor operator's `extras` dropped the typed time limit when AutoMLJobConfig was passed.
    request = _tabular_v2(
        extra={
            "AutoMLProblemTypeConfig": {
                "TabularJobConfig": {"CompletionCriteria": {"MaxAutoMLJobRuntimeInSeconds": 3600}}
            },
            "Tags": [{"Key": "from", "Value": "extra"}],
        }
    )
    assert request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CompletionCriteria"] == {
        "MaxCandidates": 5,
        "MaxAutoMLJobRuntimeInSeconds": 3600,
    }
    assert request["Tags"] == [{"Key": "from", "Value": "extra"}]  # list taken since typed side unset
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


def test_extra_equal_values_are_fine() -> None:
    request = _tabular_v2(
        tags={"a": "1"},
        extra={
            "AutoMLJobName": "merge",
            "AutoMLProblemTypeConfig": {"TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": 5}}},
            "Tags": [{"Key": "a", "Value": "1"}],
        },
    )
    assert request["AutoMLJobName"] == "merge"
    assert request["Tags"] == [{"Key": "a", "Value": "1"}]


@pytest.mark.parametrize(
    ("kwargs", "field", "extra_value", "typed_value"),
    [
        (
            {
                "extra": {
                    "AutoMLProblemTypeConfig": {
                        "TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": 10}}
                    }
                }
            },
            "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
            10,
            5,
        ),
        ({"extra": {"AutoMLJobName": "other"}}, "AutoMLJobName", "other", "merge"),
        (
            {"tags": {"a": "1"}, "extra": {"Tags": [{"Key": "b", "Value": "2"}]}},
            "Tags",
            [{"Key": "b", "Value": "2"}],
            [{"Key": "a", "Value": "1"}],
        ),
        (
            {"extra": {"OutputDataConfig": "s3://elsewhere/out"}},
            "OutputDataConfig",
            "s3://elsewhere/out",
            {"S3OutputPath": OUT},
        ),
        # "5" (a string) and 5 are different values: no silent coercion inside extra
        (
            {
                "extra": {
                    "AutoMLProblemTypeConfig": {
                        "TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": "5"}}
                    }
                }
            },
            "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
            "5",
            5,
        ),
    ],
    ids=["nested-leaf", "top-level", "list", "mapping-vs-leaf", "type-differs"],
)
def test_extra_conflicts_raise_naming_path_and_both_values(
    kwargs: dict[str, Any], field: str, extra_value: Any, typed_value: Any
) -> None:
    with pytest.raises(AutoMLValidationError) as info:
        _tabular_v2(**kwargs)
    assert info.value.field == field
    assert str(info.value) == (
        f"Invalid {field}: {extra_value!r}. The raw request (extra) sets {extra_value!r} but the typed "
        f"argument sets {typed_value!r}; set it in one place only, or to the same value."
    )


def test_deep_merge_unit_behaviour() -> None:
    base = {"a": {"b": 1, "l": [1]}, "n": None}
    merged = rq.deep_merge(base, {"a": {"c": 2, "l": None}, "n": 3, "new": [1, 2]})
    assert merged == {"a": {"b": 1, "c": 2, "l": [1]}, "n": 3, "new": [1, 2]}
    assert base == {"a": {"b": 1, "l": [1]}, "n": None}  # inputs untouched
    with pytest.raises(AutoMLValidationError, match=r"Invalid root\.a\.b: 1\."):
        rq.deep_merge(base, {"a": {"b": 2}}, path="root")


def test_extra_must_be_a_mapping() -> None:
    with pytest.raises(AutoMLValidationError, match=r"^Invalid extra: 'x'\. Expected a mapping"):
        _tabular_v2(extra="x")


def test_input_channels_conflicting_content_type_raises() -> None:
    raw = [
        {
            "ChannelType": "training",
            "ContentType": rq.PARQUET,
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
        }
    ]
    assert rq.input_channels(raw, content_type=rq.PARQUET)[0]["ContentType"] == rq.PARQUET
    with pytest.raises(AutoMLValidationError) as info:
        rq.input_channels(raw, content_type=rq.CSV)
    assert info.value.field == "AutoMLJobInputDataConfig[0].ContentType"


def test_v1_target_attribute_conflicts_with_channel() -> None:
    channels = [
        {
            "TargetAttributeName": "a",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
        }
    ]
    with pytest.raises(AutoMLValidationError) as info:
        rq.build_v1_request(
            job_name="v1", input_data_config=channels, output_path=OUT, role_arn=ROLE, target_attribute="b"
        )
    assert info.value.field == "InputDataConfig[0].TargetAttributeName"
    assert "sets 'a' but the typed argument sets 'b'" in str(info.value)


# --------------------------------------------------------------------------------------------------
# Coercion of templated typed arguments
# --------------------------------------------------------------------------------------------------


def test_templated_strings_are_coerced_in_typed_arguments() -> None:
    request = _tabular_v2(
        problem_type_config=rq.tabular_config(
            target_attribute="y",
            max_candidates=" 7 ",
            max_job_runtime="3600",
            generate_candidate_definitions_only="True",
        ),
        validation_fraction="0.2",
    )
    config = request["AutoMLProblemTypeConfig"]["TabularJobConfig"]
    assert config["CompletionCriteria"] == {"MaxCandidates": 7, "MaxAutoMLJobRuntimeInSeconds": 3600}
    assert config["GenerateCandidateDefinitionsOnly"] is True
    assert request["DataSplitConfig"]["ValidationFraction"] == 0.2


COERCION_ERRORS: list[tuple[str, Callable[[], Any], str, str]] = [
    (
        "int-word",
        lambda: rq.tabular_config(target_attribute="y", max_candidates="five"),
        "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    ),
    (
        "int-float-string",
        lambda: rq.time_series_config(
            target_attribute="y",
            timestamp_attribute="t",
            item_identifier_attribute="i",
            forecast_frequency="D",
            forecast_horizon="7.5",
        ),
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastHorizon",
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    ),
    (
        "int-bool",
        lambda: rq.text_classification_config(
            content_column="c", target_label_column="l", max_candidates=True
        ),
        "AutoMLProblemTypeConfig.TextClassificationJobConfig.CompletionCriteria.MaxCandidates",
        "Expected an integer, not a boolean.",
    ),
    (
        "float-word",
        lambda: _tabular_v2(validation_fraction="a fifth"),
        "DataSplitConfig.ValidationFraction",
        "Expected a number (a numeric string such as '0.2' is accepted).",
    ),
    (
        "float-nan",
        lambda: _tabular_v2(validation_fraction="nan"),
        "DataSplitConfig.ValidationFraction",
        "Expected a finite number.",
    ),
    (
        "bool-word",
        lambda: rq.text_generation_config(accept_eula="yes"),
        "AutoMLProblemTypeConfig.TextGenerationJobConfig.ModelAccessConfig.AcceptEula",
        "Expected a boolean (the strings 'true'/'false' are accepted).",
    ),
    (
        "list-as-string",
        lambda: rq.time_series_config(
            target_attribute="y",
            timestamp_attribute="t",
            item_identifier_attribute="i",
            forecast_frequency="D",
            forecast_horizon=7,
            forecast_quantiles="['p10', 'p50']",
        ),
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastQuantiles",
        "Expected a list of strings (a template renders lists as text unless the DAG sets "
        "render_template_as_native_obj=True).",
    ),
    (
        "tags-shape",
        lambda: _tabular_v2(tags="team=ml"),
        "Tags",
        "Expected a mapping {key: value} or a list of {'Key': ..., 'Value': ...}.",
    ),
    (
        "channels-shape",
        lambda: rq.input_channels({"S3Uri": TRAIN}),  # type: ignore[arg-type]
        "AutoMLJobInputDataConfig",
        "Expected an S3 URI or a list of channel mappings.",
    ),
    (
        "hyperparameter-bool",
        lambda: rq.text_generation_config(hyperparameters={"epochCount": True}),
        "AutoMLProblemTypeConfig.TextGenerationJobConfig.TextGenerationHyperParameters['epochCount']",
        "Expected a number.",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "allowed"), COERCION_ERRORS, ids=[c[0] for c in COERCION_ERRORS]
)
def test_typed_argument_errors(case: str, call: Callable[[], Any], field: str, allowed: str) -> None:
    with pytest.raises(AutoMLValidationError) as info:
        call()
    assert info.value.field == field
    assert info.value.allowed == allowed
    assert str(info.value) == f"Invalid {field}: {info.value.value!r}. {allowed}"


# --------------------------------------------------------------------------------------------------
# Validation rules: one row per rule, each asserting its message
# --------------------------------------------------------------------------------------------------

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
        r"Must match the pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]*).",
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
        "At least 1 characters required; got 0.",
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
    assert str(error) == f"Invalid {field}: {value!r}. {allowed}"


def test_rule_ids_are_unique() -> None:
    ids = [r[0] for r in RULES]
    assert len(ids) == len(set(ids))


def test_validation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Invalid AutoMLJobName"):
        rq.validate_job_name("bad name")


@pytest.mark.parametrize("name", ["a", "A1", "a-b", "a--b", "x" * 32, "1-2-3"])
def test_valid_job_names(name: str) -> None:
    assert rq.validate_job_name(name) == name


# --------------------------------------------------------------------------------------------------
# Reattach: compare a create request with DescribeAutoMLJobV2 of the existing job
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Derived job names
# --------------------------------------------------------------------------------------------------


def test_derive_job_name_known_value() -> None:
    # A fixed expected value: the name must not depend on the process (PYTHONHASHSEED) or platform.
    assert rq.derive_job_name("my_dag", "train_model", "manual__2024-01-01T00:00:00+00:00") == (
        "automl-my-dag-train-64b3baafcbdf"
    )


def test_derive_job_name_same_in_another_process() -> None:
    code = (
        "from airflow_provider_automl.requests import derive_job_name;"
        "print(derive_job_name('etl', 'fit', 'scheduled__2024-05-01T00:00:00+00:00', 3))"
    )
    names = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert names == {rq.derive_job_name("etl", "fit", "scheduled__2024-05-01T00:00:00+00:00", 3)}


def test_derive_job_name_changes_with_each_input() -> None:
    base = ("dag", "task", "run-1", -1)
    names = {
        rq.derive_job_name(*base),
        rq.derive_job_name("dag2", "task", "run-1", -1),
        rq.derive_job_name("dag", "task2", "run-1", -1),
        rq.derive_job_name("dag", "task", "run-2", -1),
        rq.derive_job_name("dag", "task", "run-1", 0),
        rq.derive_job_name("dag", "task", "run-1", 1),
    }
    assert len(names) == 6


def test_derive_job_name_keeps_readable_prefix_when_it_fits() -> None:
    name = rq.derive_job_name("d", "t", "r", prefix="ml")
    assert re.fullmatch(r"ml-d-t-[0-9a-f]{12}", name)
    assert rq.derive_job_name("d", "t", "r", prefix="").startswith("d-t-")
    assert re.fullmatch(r"[0-9a-f]{12}", rq.derive_job_name("_", "__", "r", prefix="--"))


def test_derive_job_name_always_valid_fuzz() -> None:
    # Property check without an extra dependency: seeded random ids, including the awkward characters.
    rng = random.Random(20240101)
    alphabet = "abcXYZ019_-.~ /:+é日本"
    seen: set[str] = set()
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3)]
        prefix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        map_index = rng.randint(-1, 5000)
        name = rq.derive_job_name(*parts, map_index, prefix=prefix)
        assert len(name) <= 32
        assert rq.JOB_NAME_PATTERN.fullmatch(name), name
        assert name == rq.derive_job_name(*parts, map_index, prefix=prefix)
        seen.add(name)
    assert len(seen) > 1990  # distinct inputs give distinct names (duplicates only from repeated inputs)
