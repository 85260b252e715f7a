"""What we send to SageMaker: CreateAutoMLJobV2 / CreateAutoMLJob requests, built and validated.

Builders only assemble dictionaries; ``build_v2_request`` / ``build_v1_request`` merge them with
the user's raw ``extra`` request and validate the result before any network call. Validation runs
in two passes: first the request is walked against botocore's SageMaker service model (unknown
keys, required members, types, enums, patterns, lengths, ranges), then the rules the model cannot
express are checked (channels, content types per problem type, metrics per problem type, ...).
Every failure raises :class:`AutoMLValidationError` naming the field, the value and what is allowed.

Templated values: Airflow renders templates to strings unless the DAG sets
``render_template_as_native_obj``. Typed builder arguments are therefore coerced explicitly and
strictly: integers accept ``int`` or a string of digits (``"5"``), numbers accept ``int``/``float``
or a numeric string, booleans accept ``bool`` or ``"true"``/``"false"``. Anything else raises.
Values inside a raw ``extra`` request are never coerced: they are sent as given, so they must have
the model's types.

This module imports botocore lazily (inside functions) so DAG files that import it parse fast.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError

__all__ = [
    "ALLOWED_ALGORITHMS",
    "ALLOWED_CONTENT_TYPES",
    "ALLOWED_METRICS",
    "MAX_CANDIDATES_LIMIT",
    "PROBLEM_TYPE_CONFIG_KEYS",
    "TABULAR_METRICS",
    "build_v1_request",
    "build_v2_request",
    "deep_merge",
    "derive_job_name",
    "image_classification_config",
    "input_channels",
    "reattach_mismatches",
    "tabular_config",
    "text_classification_config",
    "text_generation_config",
    "time_series_config",
    "validate_job_name",
    "validate_v1_request",
    "validate_v2_request",
]

PROBLEM_TYPE_CONFIG_KEYS: dict[str, str] = {
    "Tabular": "TabularJobConfig",
    "TimeSeriesForecasting": "TimeSeriesForecastingJobConfig",
    "TextClassification": "TextClassificationJobConfig",
    "ImageClassification": "ImageClassificationJobConfig",
    "TextGeneration": "TextGenerationJobConfig",
}
_CONFIG_KEY_TO_NAME = {value: key for key, value in PROBLEM_TYPE_CONFIG_KEYS.items()}

CSV = "text/csv;header=present"
PARQUET = "x-application/vnd.amazon+parquet"

# AutoMLJobChannel.ContentType (API reference): allowed content types per problem type.
ALLOWED_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "TabularJobConfig": (CSV, PARQUET),
    "TimeSeriesForecastingJobConfig": (CSV, PARQUET),
    "TextClassificationJobConfig": (CSV, PARQUET),
    "ImageClassificationJobConfig": ("image/png", "image/jpeg", "image/*"),
    "TextGenerationJobConfig": (CSV, PARQUET),
}
V1_CONTENT_TYPES: tuple[str, ...] = (CSV, PARQUET)
# "We allow the compression type Gzip for S3Prefix inputs on tabular data only."
_GZIP_CONFIG_KEYS = frozenset({"TabularJobConfig"})
# AugmentedManifestFile is V2-only, for image/text classification and time-series forecasting.
_AUGMENTED_MANIFEST_CONFIG_KEYS = frozenset(
    {"ImageClassificationJobConfig", "TextClassificationJobConfig", "TimeSeriesForecastingJobConfig"}
)

# AutoMLJobObjective.MetricName (API reference): metrics per problem type.
TABULAR_METRICS: dict[str, tuple[str, ...]] = {
    "BinaryClassification": ("Accuracy", "AUC", "BalancedAccuracy", "F1", "Precision", "Recall"),
    "MulticlassClassification": ("Accuracy", "BalancedAccuracy", "F1macro", "PrecisionMacro", "RecallMacro"),
    "Regression": ("MAE", "MSE", "R2", "RMSE"),
}
ALLOWED_METRICS: dict[str, tuple[str, ...]] = {
    "TabularJobConfig": tuple(sorted({m for ms in TABULAR_METRICS.values() for m in ms})),
    "TimeSeriesForecastingJobConfig": ("AverageWeightedQuantileLoss", "MAPE", "MASE", "RMSE", "WAPE"),
    "TextClassificationJobConfig": ("Accuracy",),
    "ImageClassificationJobConfig": ("Accuracy",),
    # Text generation fine-tunes against cross-entropy loss; it takes no objective metric.
    "TextGenerationJobConfig": (),
}

# AutoMLJobCompletionCriteria.MaxCandidates: "For text and image classification, time-series
# forecasting, as well as text generation problem types, the supported value is 1. For tabular
# problem types, the maximum value is 750."
MAX_CANDIDATES_LIMIT: dict[str, int] = {
    "TabularJobConfig": 750,
    "TimeSeriesForecastingJobConfig": 1,
    "TextClassificationJobConfig": 1,
    "ImageClassificationJobConfig": 1,
    "TextGenerationJobConfig": 1,
}

# AutoMLAlgorithmConfig.AutoMLAlgorithms (API reference): algorithms per training mode.
ALLOWED_ALGORITHMS: dict[str, tuple[str, ...]] = {
    "ENSEMBLING": (
        "catboost",
        "extra-trees",
        "fastai",
        "lightgbm",
        "linear-learner",
        "nn-torch",
        "randomforest",
        "xgboost",
    ),
    "HYPERPARAMETER_TUNING": ("linear-learner", "mlp", "xgboost"),
    "TimeSeriesForecasting": ("arima", "cnn-qr", "deepar", "ets", "npts", "prophet"),
}

# TextGenerationHyperParameters: the documented keys and their ranges (values are strings).
TEXT_GENERATION_HYPERPARAMETERS: dict[str, tuple[type, float, float]] = {
    "epochCount": (int, 1, 10),
    "batchSize": (int, 1, 64),
    "learningRate": (float, 0, 1),
    "learningRateWarmupSteps": (int, 0, 250),
}

JOB_NAME_MAX_LENGTH = 32
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
# AutoMLOutputDataConfig.S3OutputPath: "Must be 512 characters or less" (the model allows 1024).
S3_OUTPUT_PATH_MAX_LENGTH = 512
_S3_BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS_PATTERN = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
_INT_STRING = re.compile(r"[+-]?\d+")

_JOB_NAME_RULE = (
    f"A job name is 1-{JOB_NAME_MAX_LENGTH} characters: letters, digits and hyphens, starting and "
    "ending with a letter or digit (pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,31})."
)


# --------------------------------------------------------------------------------------------------
# Coercion of typed (possibly templated) arguments
# --------------------------------------------------------------------------------------------------


def _as_int(field: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise AutoMLValidationError(field, value, "Expected an integer, not a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_STRING.fullmatch(value.strip()):
        return int(value.strip())
    raise AutoMLValidationError(
        field,
        value,
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    )


def _as_float(field: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise AutoMLValidationError(field, value, "Expected a number, not a boolean.")
    result: float
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise AutoMLValidationError(
                field, value, "Expected a number (a numeric string such as '0.2' is accepted)."
            ) from None
    else:
        raise AutoMLValidationError(field, value, "Expected a number.")
    if not math.isfinite(result):
        raise AutoMLValidationError(field, value, "Expected a finite number.")
    return result


def _as_bool(field: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise AutoMLValidationError(field, value, "Expected a boolean (the strings 'true'/'false' are accepted).")


def _as_str_list(field: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise AutoMLValidationError(
            field,
            value,
            "Expected a list of strings (a template renders lists as text unless the DAG sets "
            "render_template_as_native_obj=True).",
        )
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise AutoMLValidationError(f"{field}[{index}]", item, "Expected a string.")
    return list(value)


def _as_mapping(field: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise AutoMLValidationError(field, value, "Expected a mapping (dict).")
    return copy.deepcopy(dict(value))


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) members, and sub-mappings that only held unset members.

    A mapping given empty stays (``{"ImageClassificationJobConfig": {}}`` is a valid request).
    """
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and value:
            value = _compact(value)
            if not value:
                continue
        result[key] = value
    return result


def _completion_criteria(
    max_candidates: Any, max_runtime_per_training_job: Any, max_job_runtime: Any, *, prefix: str
) -> dict[str, Any]:
    return {
        "MaxCandidates": _as_int(f"{prefix}.MaxCandidates", max_candidates),
        "MaxRuntimePerTrainingJobInSeconds": _as_int(
            f"{prefix}.MaxRuntimePerTrainingJobInSeconds", max_runtime_per_training_job
        ),
        "MaxAutoMLJobRuntimeInSeconds": _as_int(f"{prefix}.MaxAutoMLJobRuntimeInSeconds", max_job_runtime),
    }


def _algorithms_config(field: str, algorithms: Any) -> list[dict[str, Any]] | None:
    names = _as_str_list(field, algorithms)
    if names is None:
        return None
    return [{"AutoMLAlgorithms": names}]


# --------------------------------------------------------------------------------------------------
# Problem-type builders (V2)
# --------------------------------------------------------------------------------------------------


def tabular_config(
    *,
    target_attribute: str,
    problem_type: str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    mode: str | None = None,
    algorithms: Sequence[str] | None = None,
    feature_specification_s3_uri: str | None = None,
    generate_candidate_definitions_only: bool | str | None = None,
    sample_weight_attribute: str | None = None,
) -> dict[str, Any]:
    """``{"TabularJobConfig": {...}}`` for CreateAutoMLJobV2's ``AutoMLProblemTypeConfig``.

    ``algorithms`` fills ``CandidateGenerationConfig.AlgorithmsConfig``; it needs ``mode``
    ``ENSEMBLING`` or ``HYPERPARAMETER_TUNING``.
    """
    prefix = "AutoMLProblemTypeConfig.TabularJobConfig"
    body = {
        "TargetAttributeName": target_attribute,
        "ProblemType": problem_type,
        "CompletionCriteria": _completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
        "Mode": mode,
        "CandidateGenerationConfig": {
            "AlgorithmsConfig": _algorithms_config(
                f"{prefix}.CandidateGenerationConfig.AlgorithmsConfig", algorithms
            )
        },
        "FeatureSpecificationS3Uri": feature_specification_s3_uri,
        "GenerateCandidateDefinitionsOnly": _as_bool(
            f"{prefix}.GenerateCandidateDefinitionsOnly", generate_candidate_definitions_only
        ),
        "SampleWeightAttributeName": sample_weight_attribute,
    }
    return {"TabularJobConfig": _compact(body)}


def time_series_config(
    *,
    target_attribute: str,
    timestamp_attribute: str,
    item_identifier_attribute: str,
    forecast_frequency: str,
    forecast_horizon: int | str,
    forecast_quantiles: Sequence[str] | None = None,
    grouping_attributes: Sequence[str] | None = None,
    filling: Mapping[str, Mapping[str, str]] | None = None,
    aggregation: Mapping[str, str] | None = None,
    holiday_country_code: str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    feature_specification_s3_uri: str | None = None,
    algorithms: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``{"TimeSeriesForecastingJobConfig": {...}}``.

    ``filling`` maps a column to ``{"frontfill": "zero", "middlefill_value": "0", ...}`` and
    ``aggregation`` maps a column to ``sum|avg|first|min|max`` (``Transformations``);
    ``holiday_country_code`` is a two-letter code (``HolidayConfig``).
    """
    prefix = "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig"
    body = {
        "ForecastFrequency": forecast_frequency,
        "ForecastHorizon": _as_int(f"{prefix}.ForecastHorizon", forecast_horizon),
        "ForecastQuantiles": _as_str_list(f"{prefix}.ForecastQuantiles", forecast_quantiles),
        "TimeSeriesConfig": {
            "TargetAttributeName": target_attribute,
            "TimestampAttributeName": timestamp_attribute,
            "ItemIdentifierAttributeName": item_identifier_attribute,
            "GroupingAttributeNames": _as_str_list(
                f"{prefix}.TimeSeriesConfig.GroupingAttributeNames", grouping_attributes
            ),
        },
        "Transformations": {
            "Filling": _as_mapping(f"{prefix}.Transformations.Filling", filling),
            "Aggregation": _as_mapping(f"{prefix}.Transformations.Aggregation", aggregation),
        },
        "HolidayConfig": [{"CountryCode": holiday_country_code}]
        if holiday_country_code is not None
        else None,
        "CompletionCriteria": _completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
        "FeatureSpecificationS3Uri": feature_specification_s3_uri,
        "CandidateGenerationConfig": {
            "AlgorithmsConfig": _algorithms_config(
                f"{prefix}.CandidateGenerationConfig.AlgorithmsConfig", algorithms
            )
        },
    }
    return {"TimeSeriesForecastingJobConfig": _compact(body)}


def text_classification_config(
    *,
    content_column: str,
    target_label_column: str,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"TextClassificationJobConfig": {...}}``."""
    prefix = "AutoMLProblemTypeConfig.TextClassificationJobConfig"
    body = {
        "ContentColumn": content_column,
        "TargetLabelColumn": target_label_column,
        "CompletionCriteria": _completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
    }
    return {"TextClassificationJobConfig": _compact(body)}


def image_classification_config(
    *,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"ImageClassificationJobConfig": {...}}`` (labels come from the channel's manifest)."""
    prefix = "AutoMLProblemTypeConfig.ImageClassificationJobConfig"
    body = {
        "CompletionCriteria": _completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        )
    }
    return {"ImageClassificationJobConfig": _compact(body)}


def text_generation_config(
    *,
    base_model_name: str | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    accept_eula: bool | str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"TextGenerationJobConfig": {...}}`` (LLM fine-tuning).

    ``hyperparameters`` (``epochCount``, ``batchSize``, ``learningRate``,
    ``learningRateWarmupSteps``) are sent as strings: numbers given here are converted with
    ``str()``. ``accept_eula`` fills ``ModelAccessConfig.AcceptEula`` (gated models need True).
    """
    prefix = "AutoMLProblemTypeConfig.TextGenerationJobConfig"
    params: dict[str, Any] | None = None
    if hyperparameters is not None:
        params = {}
        for key, value in (
            _as_mapping(f"{prefix}.TextGenerationHyperParameters", hyperparameters) or {}
        ).items():
            if isinstance(value, bool):
                raise AutoMLValidationError(
                    f"{prefix}.TextGenerationHyperParameters[{key!r}]", value, "Expected a number."
                )
            params[key] = str(value) if isinstance(value, (int, float)) else value
    eula = _as_bool(f"{prefix}.ModelAccessConfig.AcceptEula", accept_eula)
    body = {
        "BaseModelName": base_model_name,
        "TextGenerationHyperParameters": params,
        "ModelAccessConfig": {"AcceptEula": eula},
        "CompletionCriteria": _completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
    }
    return {"TextGenerationJobConfig": _compact(body)}


def input_channels(
    training: str | Sequence[Mapping[str, Any]],
    *,
    validation: str | None = None,
    content_type: str | None = None,
    compression: str | None = None,
    s3_data_type: str = "S3Prefix",
) -> list[dict[str, Any]]:
    """V2 ``AutoMLJobInputDataConfig``: a training channel and optionally a validation channel.

    ``training`` is an S3 URI, or a list of raw channel dicts used as given (``content_type`` and
    ``compression`` are then merged into each channel; a conflicting value raises).
    The result also fits V1's ``InputDataConfig`` once ``build_v1_request`` adds the target column.
    """

    def channel(uri: str, channel_type: str) -> dict[str, Any]:
        return {
            "ChannelType": channel_type,
            "DataSource": {"S3DataSource": {"S3DataType": s3_data_type, "S3Uri": uri}},
        }

    if isinstance(training, str):
        channels = [channel(training, "training")]
    else:
        channels = _copy_channels(training, "AutoMLJobInputDataConfig")
    if validation is not None:
        channels.append(channel(validation, "validation"))
    common = _compact({"ContentType": content_type, "CompressionType": compression})
    return [
        deep_merge(item, common, path=f"AutoMLJobInputDataConfig[{index}]")
        for index, item in enumerate(channels)
    ]


def _copy_channels(value: Any, field: str) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise AutoMLValidationError(field, value, "Expected an S3 URI or a list of channel mappings.")
    channels = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise AutoMLValidationError(f"{field}[{index}]", item, "Expected a channel mapping.")
        channels.append(copy.deepcopy(dict(item)))
    return channels


def _tags(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return [{"Key": key, "Value": val} for key, val in value.items()]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [dict(tag) if isinstance(tag, Mapping) else tag for tag in value]
    raise AutoMLValidationError(
        "Tags", value, "Expected a mapping {key: value} or a list of {'Key': ..., 'Value': ...}."
    )


# --------------------------------------------------------------------------------------------------
# Request builders
# --------------------------------------------------------------------------------------------------


def build_v2_request(
    *,
    job_name: str,
    input_data_config: str | Sequence[Mapping[str, Any]],
    output_path: str,
    role_arn: str,
    problem_type_config: Mapping[str, Any],
    objective_metric: str | None = None,
    kms_key_id: str | None = None,
    security_config: Mapping[str, Any] | None = None,
    validation_fraction: float | str | None = None,
    model_deploy_config: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    compute_config: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validated keyword arguments for ``create_auto_ml_job_v2``.

    ``problem_type_config`` is the output of one of the ``*_config`` builders (or the same shape
    written by hand). ``extra`` is a raw CreateAutoMLJobV2 request deep-merged with the typed
    arguments; a leaf set on both sides to different values raises instead of being overwritten.
    """
    typed = {
        "AutoMLJobName": job_name,
        "AutoMLJobInputDataConfig": input_channels(input_data_config)
        if isinstance(input_data_config, str)
        else input_data_config,
        "OutputDataConfig": {"S3OutputPath": output_path, "KmsKeyId": kms_key_id},
        "RoleArn": role_arn,
        "AutoMLProblemTypeConfig": _as_mapping("AutoMLProblemTypeConfig", problem_type_config),
        "AutoMLJobObjective": {"MetricName": objective_metric},
        "SecurityConfig": _as_mapping("SecurityConfig", security_config),
        "DataSplitConfig": {
            "ValidationFraction": _as_float("DataSplitConfig.ValidationFraction", validation_fraction)
        },
        "ModelDeployConfig": _as_mapping("ModelDeployConfig", model_deploy_config),
        "Tags": _tags(tags),
        "AutoMLComputeConfig": _as_mapping("AutoMLComputeConfig", compute_config),
    }
    request = deep_merge(_raw_extra(extra), _compact(typed))
    validate_v2_request(request)
    return request


def build_v1_request(
    *,
    job_name: str,
    input_data_config: str | Sequence[Mapping[str, Any]],
    output_path: str,
    role_arn: str,
    target_attribute: str | None = None,
    problem_type: str | None = None,
    objective_metric: str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    mode: str | None = None,
    candidate_generation_config: Mapping[str, Any] | None = None,
    validation_fraction: float | str | None = None,
    security_config: Mapping[str, Any] | None = None,
    generate_candidate_definitions_only: bool | str | None = None,
    model_deploy_config: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    kms_key_id: str | None = None,
    sample_weight_attribute: str | None = None,
    content_type: str | None = None,
    compression: str | None = None,
) -> dict[str, Any]:
    """Validated keyword arguments for ``create_auto_ml_job`` (V1, tabular only).

    ``input_data_config`` is an S3 URI or a list of channels (V1 ``AutoMLChannel`` dicts, or the
    output of :func:`input_channels`); ``target_attribute`` / ``sample_weight_attribute`` /
    ``content_type`` / ``compression`` are written into every channel.
    """
    if isinstance(input_data_config, str):
        channels = input_channels(input_data_config)
    else:
        channels = _copy_channels(input_data_config, "InputDataConfig")
    per_channel = _compact(
        {
            "TargetAttributeName": target_attribute,
            "SampleWeightAttributeName": sample_weight_attribute,
            "ContentType": content_type,
            "CompressionType": compression,
        }
    )
    channels = [
        deep_merge(item, per_channel, path=f"InputDataConfig[{index}]") for index, item in enumerate(channels)
    ]
    prefix = "AutoMLJobConfig"
    typed = {
        "AutoMLJobName": job_name,
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": output_path, "KmsKeyId": kms_key_id},
        "RoleArn": role_arn,
        "ProblemType": problem_type,
        "AutoMLJobObjective": {"MetricName": objective_metric},
        "AutoMLJobConfig": {
            "CompletionCriteria": _completion_criteria(
                max_candidates,
                max_runtime_per_training_job,
                max_job_runtime,
                prefix=f"{prefix}.CompletionCriteria",
            ),
            "Mode": mode,
            "CandidateGenerationConfig": _as_mapping(
                f"{prefix}.CandidateGenerationConfig", candidate_generation_config
            ),
            "DataSplitConfig": {
                "ValidationFraction": _as_float(
                    f"{prefix}.DataSplitConfig.ValidationFraction", validation_fraction
                )
            },
            "SecurityConfig": _as_mapping(f"{prefix}.SecurityConfig", security_config),
        },
        "GenerateCandidateDefinitionsOnly": _as_bool(
            "GenerateCandidateDefinitionsOnly", generate_candidate_definitions_only
        ),
        "ModelDeployConfig": _as_mapping("ModelDeployConfig", model_deploy_config),
        "Tags": _tags(tags),
    }
    request = deep_merge(_raw_extra(extra), _compact(typed))
    validate_v1_request(request)
    return request


def _raw_extra(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise AutoMLValidationError("extra", extra, "Expected a mapping holding a raw create request.")
    return copy.deepcopy(dict(extra))


# --------------------------------------------------------------------------------------------------
# Deep merge
# --------------------------------------------------------------------------------------------------


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any], *, path: str = "") -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``; never overwrite silently.

    Mappings merge key by key. Any other value (lists included) is a leaf: a key set on one side
    only is taken from that side, ``None`` counts as unset, equal values are fine, and different
    values raise :class:`AutoMLValidationError` naming the path and both values.
    In the builders ``base`` is the raw ``extra`` request and ``override`` the typed arguments.
    """
    result = copy.deepcopy(dict(base))
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if value is None:
            continue
        current = result.get(key)
        if current is None:
            result[key] = copy.deepcopy(value)
        elif isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = deep_merge(current, value, path=where)
        elif not _same(current, value):
            raise AutoMLValidationError(
                where,
                current,
                f"The raw request (extra) sets {current!r} but the typed argument sets {value!r}; "
                "set it in one place only, or to the same value.",
            )
    return result


# --------------------------------------------------------------------------------------------------
# Validation against botocore's service model
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def _input_shape(operation: str) -> Any:
    return _service_model().operation_model(operation).input_shape


# Java regexes in the model that Python's `re` cannot compile (\p{...} classes).
_PYTHON_PATTERNS = {r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)": r"[\w\s.:/=+\-@]*"}


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    pattern = _PYTHON_PATTERNS.get(pattern, pattern)
    if r"\p{" in pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def validate_job_name(name: object) -> str:
    """Return ``name`` when it is a valid AutoML job name, else raise AutoMLValidationError."""
    if not isinstance(name, str):
        raise AutoMLValidationError("AutoMLJobName", name, "Expected a string. " + _JOB_NAME_RULE)
    if not 1 <= len(name) <= JOB_NAME_MAX_LENGTH:
        raise AutoMLValidationError(
            "AutoMLJobName", name, f"It has {len(name)} characters. " + _JOB_NAME_RULE
        )
    if not JOB_NAME_PATTERN.fullmatch(name):
        raise AutoMLValidationError("AutoMLJobName", name, _JOB_NAME_RULE)
    return name


def _check_job_name(value: str) -> None:
    validate_job_name(value)


def _check_s3_uri(field: str, value: str, *, max_length: int = 1024) -> None:
    if not value.startswith("s3://"):
        raise AutoMLValidationError(field, value, "Expected an S3 URI of the form s3://bucket/key.")
    if len(value) > max_length:
        raise AutoMLValidationError(
            field, value, f"It has {len(value)} characters; at most {max_length} are allowed."
        )
    bucket = value[len("s3://") :].split("/", 1)[0]
    if (
        not _S3_BUCKET_PATTERN.fullmatch(bucket)
        or ".." in bucket
        or ".-" in bucket
        or "-." in bucket
        or _IP_ADDRESS_PATTERN.fullmatch(bucket)
    ):
        raise AutoMLValidationError(
            field,
            value,
            f"Bucket name {bucket!r} breaks S3 naming rules: 3-63 characters of lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit, no '..', "
            "not an IP address.",
        )


def _check_role_arn(field: str, value: str) -> None:
    if not 20 <= len(value) <= 2048 or not _ROLE_ARN_PATTERN.fullmatch(value):
        raise AutoMLValidationError(
            field, value, "Expected an IAM role ARN such as arn:aws:iam::123456789012:role/SageMakerRole."
        )


def _check_forecast_quantile(field: str, value: str) -> None:
    if not re.fullmatch(r"p[1-9]\d?", value):
        raise AutoMLValidationError(
            field, value, "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'."
        )


def _check_forecast_frequency(field: str, value: str) -> None:
    pattern = _compiled(_service_model().shape_for("ForecastFrequency").metadata["pattern"])
    if pattern is not None and not pattern.fullmatch(value):
        raise AutoMLValidationError(
            field,
            value,
            "Allowed frequencies: Y or 1Y; M or 1M-11M; W or 1W-4W; D or 1D-6D; H or 1H-23H; 1min-59min.",
        )


_STRING_CHECKS: dict[str, Callable[[str, str], None]] = {
    "AutoMLJobName": lambda field, value: _check_job_name(value),
    "S3Uri": _check_s3_uri,
    "RoleArn": _check_role_arn,
    "ForecastQuantile": _check_forecast_quantile,
    "ForecastFrequency": _check_forecast_frequency,
}


def _check_shape(value: Any, shape: Any, path: str) -> None:
    """Walk ``value`` against a botocore shape; raise on the first violation."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise AutoMLValidationError(path, value, f"Expected a mapping ({shape.name}).")
        members = shape.members
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in members:
                raise AutoMLValidationError(
                    where, item, f"Unknown field of {shape.name}; allowed: {', '.join(members)}."
                )
        for key in shape.required_members:
            if value.get(key) is None:
                where = f"{path}.{key}" if path else key
                raise AutoMLValidationError(where, None, f"{shape.name} requires {key}.")
        if meta.get("union"):
            present = [key for key in value if value[key] is not None]
            if len(present) != 1:
                raise AutoMLValidationError(
                    path, sorted(present), f"Set exactly one of: {', '.join(members)}."
                )
        for key, item in value.items():
            if item is not None:
                _check_shape(item, members[key], f"{path}.{key}" if path else str(key))
        return
    if kind == "list":
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise AutoMLValidationError(path, value, "Expected a list.")
        _check_size(path, value, meta, "items")
        for index, item in enumerate(value):
            _check_shape(item, shape.member, f"{path}[{index}]")
        return
    if kind == "map":
        if not isinstance(value, Mapping):
            raise AutoMLValidationError(path, value, "Expected a mapping.")
        _check_size(path, value, meta, "entries")
        for key, item in value.items():
            _check_shape(key, shape.key, f"{path} key")
            _check_shape(item, shape.value, f"{path}[{key!r}]")
        return
    if kind == "string":
        if not isinstance(value, str):
            raise AutoMLValidationError(path, value, "Expected a string.")
        custom = _STRING_CHECKS.get(shape.name)
        if custom is not None:
            custom(path, value)
        if shape.enum and value not in shape.enum:
            raise AutoMLValidationError(path, value, f"Allowed: {', '.join(shape.enum)}.")
        _check_size(path, value, meta, "characters")
        pattern = _compiled(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            raise AutoMLValidationError(path, value, f"Must match the pattern {meta['pattern']}.")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise AutoMLValidationError(path, value, "Expected an integer.")
        _check_range(path, value, meta)
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AutoMLValidationError(path, value, "Expected a number.")
        _check_range(path, value, meta)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise AutoMLValidationError(path, value, "Expected a boolean (True or False).")
        return
    # blob/timestamp never appear in the AutoML create requests.


def _check_size(path: str, value: Any, meta: Mapping[str, Any], unit: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and len(value) < low:
        raise AutoMLValidationError(path, value, f"At least {low} {unit} required; got {len(value)}.")
    if high is not None and len(value) > high:
        raise AutoMLValidationError(path, value, f"At most {high} {unit} allowed; got {len(value)}.")


def _check_range(path: str, value: float, meta: Mapping[str, Any]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise AutoMLValidationError(path, value, f"Must be {bounds}.")


# --------------------------------------------------------------------------------------------------
# Rules the model cannot express
# --------------------------------------------------------------------------------------------------


def _check_channels(channels: Sequence[Mapping[str, Any]], field: str) -> None:
    kinds = [channel.get("ChannelType") or "training" for channel in channels]
    if kinds.count("training") != 1 or kinds.count("validation") > 1:
        raise AutoMLValidationError(
            field,
            kinds,
            "Give exactly one training channel and at most one validation channel "
            "(ChannelType defaults to training).",
        )
    for index, channel in enumerate(channels):
        if channel.get("DataSource") is None:
            raise AutoMLValidationError(
                f"{field}[{index}].DataSource", None, "Each channel needs a DataSource."
            )
    content_types = {channel.get("ContentType") for channel in channels}
    if len(content_types) > 1:
        raise AutoMLValidationError(
            f"{field}[*].ContentType",
            [channel.get("ContentType") for channel in channels],
            "Training and validation channels must share the same ContentType.",
        )


def _check_validation_fraction(field: str, value: Any) -> None:
    if value is not None and not 0 < value < 1:
        raise AutoMLValidationError(
            field, value, "ValidationFraction must be greater than 0 and less than 1."
        )


def _check_max_candidates(field: str, config_key: str, criteria: Any) -> None:
    if not isinstance(criteria, Mapping) or criteria.get("MaxCandidates") is None:
        return
    limit = MAX_CANDIDATES_LIMIT[config_key]
    if criteria["MaxCandidates"] > limit:
        problem = _CONFIG_KEY_TO_NAME[config_key]
        allowed = f"at most {limit}" if limit > 1 else "exactly 1"
        raise AutoMLValidationError(
            f"{field}.MaxCandidates",
            criteria["MaxCandidates"],
            f"{problem} jobs allow {allowed} candidate(s).",
        )


def _check_tabular_objective(problem_field: str, problem_type: Any, metric_field: str, metric: Any) -> None:
    if (problem_type is None) != (metric is None):
        given, missing = (problem_field, metric_field) if metric is None else (metric_field, problem_field)
        raise AutoMLValidationError(
            missing,
            None,
            f"{given} is set, so {missing} must be set too: give ProblemType and the objective metric "
            "together or neither (Autopilot infers both).",
        )
    if problem_type is not None and metric not in TABULAR_METRICS[problem_type]:
        raise AutoMLValidationError(
            metric_field,
            metric,
            f"Allowed for {problem_type}: {', '.join(TABULAR_METRICS[problem_type])}.",
        )


def _check_algorithms(field: str, generation: Any, *, mode: Any, family: str) -> None:
    if not isinstance(generation, Mapping) or not generation.get("AlgorithmsConfig"):
        return
    names = [name for item in generation["AlgorithmsConfig"] for name in item.get("AutoMLAlgorithms", [])]
    if family == "Tabular":
        if mode not in ("ENSEMBLING", "HYPERPARAMETER_TUNING"):
            raise AutoMLValidationError(
                field.rsplit(".", 1)[0] + ".Mode",
                mode,
                "AlgorithmsConfig needs Mode ENSEMBLING or HYPERPARAMETER_TUNING "
                "(AUTO picks algorithms itself).",
            )
        allowed = ALLOWED_ALGORITHMS[mode]
        label = f"Mode {mode}"
    else:
        allowed = ALLOWED_ALGORITHMS["TimeSeriesForecasting"]
        label = "time-series forecasting"
    for index, name in enumerate(names):
        if name not in allowed:
            raise AutoMLValidationError(
                f"{field}.AlgorithmsConfig[0].AutoMLAlgorithms[{index}]",
                name,
                f"Allowed for {label}: {', '.join(allowed)}.",
            )


def _check_model_deploy(config: Any) -> None:
    if not isinstance(config, Mapping):
        return
    auto, endpoint = config.get("AutoGenerateEndpointName"), config.get("EndpointName")
    if bool(auto) == (endpoint is not None):
        raise AutoMLValidationError(
            "ModelDeployConfig",
            dict(config),
            "Set AutoGenerateEndpointName to True, or give EndpointName (with AutoGenerateEndpointName "
            "unset or False), not both and not neither.",
        )


def _check_tags(tags: Any) -> None:
    if not tags:
        return
    seen: set[str] = set()
    for index, tag in enumerate(tags):
        key = tag["Key"]
        if key.lower().startswith("aws:"):
            raise AutoMLValidationError(
                f"Tags[{index}].Key", key, "Tag keys starting with 'aws:' are reserved."
            )
        if key in seen:
            raise AutoMLValidationError(f"Tags[{index}].Key", key, "Tag keys must be unique.")
        seen.add(key)


def _check_text_generation(field: str, config: Mapping[str, Any]) -> None:
    params = config.get("TextGenerationHyperParameters") or {}
    for key, raw in params.items():
        where = f"{field}.TextGenerationHyperParameters[{key!r}]"
        if key not in TEXT_GENERATION_HYPERPARAMETERS:
            raise AutoMLValidationError(
                where, raw, f"Unknown hyperparameter; allowed: {', '.join(TEXT_GENERATION_HYPERPARAMETERS)}."
            )
        kind, low, high = TEXT_GENERATION_HYPERPARAMETERS[key]
        try:
            number = float(raw) if kind is float else int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            noun = "an integer" if kind is int else "a number"
            raise AutoMLValidationError(
                where, raw, f"Must be a string holding {noun} from {low:g} to {high:g}."
            )


def _check_channel_data(
    channels: Sequence[Mapping[str, Any]],
    field: str,
    *,
    content_types: Sequence[str],
    gzip: bool,
    augmented: bool,
    label: str,
) -> None:
    for index, channel in enumerate(channels):
        where = f"{field}[{index}]"
        content_type = channel.get("ContentType")
        if content_type is not None and content_type not in content_types:
            raise AutoMLValidationError(
                f"{where}.ContentType", content_type, f"Allowed for {label}: {', '.join(content_types)}."
            )
        data_type = channel["DataSource"]["S3DataSource"]["S3DataType"]
        if channel.get("CompressionType") == "Gzip" and (not gzip or data_type != "S3Prefix"):
            raise AutoMLValidationError(
                f"{where}.CompressionType",
                "Gzip",
                f"Gzip is allowed only for tabular data with S3DataType S3Prefix "
                f"(here: {label}, {data_type}); use None.",
            )
        if data_type == "AugmentedManifestFile" and not augmented:
            raise AutoMLValidationError(
                f"{where}.DataSource.S3DataSource.S3DataType",
                data_type,
                f"AugmentedManifestFile is not allowed for {label}; "
                "it is for V2 image/text classification and time-series forecasting.",
            )


def validate_v2_request(request: Mapping[str, Any]) -> None:
    """Raise AutoMLValidationError unless ``request`` is a sendable CreateAutoMLJobV2 request."""
    if not isinstance(request, Mapping):
        raise AutoMLValidationError("request", request, "Expected a mapping.")
    validate_job_name(request.get("AutoMLJobName"))
    _check_shape(request, _input_shape("CreateAutoMLJobV2"), "")
    output = request["OutputDataConfig"]["S3OutputPath"]
    _check_s3_uri("OutputDataConfig.S3OutputPath", output, max_length=S3_OUTPUT_PATH_MAX_LENGTH)

    (config_key, config), *_ = request["AutoMLProblemTypeConfig"].items()
    label = _CONFIG_KEY_TO_NAME[config_key]
    field = f"AutoMLProblemTypeConfig.{config_key}"
    channels = request["AutoMLJobInputDataConfig"]
    _check_channels(channels, "AutoMLJobInputDataConfig")
    _check_channel_data(
        channels,
        "AutoMLJobInputDataConfig",
        content_types=ALLOWED_CONTENT_TYPES[config_key],
        gzip=config_key in _GZIP_CONFIG_KEYS,
        augmented=config_key in _AUGMENTED_MANIFEST_CONFIG_KEYS,
        label=label,
    )
    split = request.get("DataSplitConfig") or {}
    _check_validation_fraction("DataSplitConfig.ValidationFraction", split.get("ValidationFraction"))
    if config_key == "TimeSeriesForecastingJobConfig" and split:
        raise AutoMLValidationError(
            "DataSplitConfig",
            dict(split),
            "Not allowed for TimeSeriesForecasting: Autopilot splits the data itself.",
        )
    _check_max_candidates(f"{field}.CompletionCriteria", config_key, config.get("CompletionCriteria"))

    metric = (request.get("AutoMLJobObjective") or {}).get("MetricName")
    if config_key == "TabularJobConfig":
        _check_tabular_objective(
            f"{field}.ProblemType", config.get("ProblemType"), "AutoMLJobObjective.MetricName", metric
        )
    elif metric is not None and metric not in ALLOWED_METRICS[config_key]:
        allowed = ALLOWED_METRICS[config_key]
        raise AutoMLValidationError(
            "AutoMLJobObjective.MetricName",
            metric,
            f"Allowed for {label}: {', '.join(allowed)}."
            if allowed
            else f"{label} jobs take no objective metric.",
        )
    if config_key in ("TabularJobConfig", "TimeSeriesForecastingJobConfig"):
        _check_algorithms(
            f"{field}.CandidateGenerationConfig",
            config.get("CandidateGenerationConfig"),
            mode=config.get("Mode"),
            family="Tabular" if config_key == "TabularJobConfig" else "TimeSeriesForecasting",
        )
    if config_key == "TimeSeriesForecastingJobConfig":
        quantiles = config.get("ForecastQuantiles") or []
        if len(set(quantiles)) != len(quantiles):
            raise AutoMLValidationError(f"{field}.ForecastQuantiles", quantiles, "Quantiles must be unique.")
    if config_key == "TextGenerationJobConfig":
        _check_text_generation(field, config)
    _check_model_deploy(request.get("ModelDeployConfig"))
    _check_tags(request.get("Tags"))


def validate_v1_request(request: Mapping[str, Any]) -> None:
    """Raise AutoMLValidationError unless ``request`` is a sendable CreateAutoMLJob (V1) request."""
    if not isinstance(request, Mapping):
        raise AutoMLValidationError("request", request, "Expected a mapping.")
    validate_job_name(request.get("AutoMLJobName"))
    _check_shape(request, _input_shape("CreateAutoMLJob"), "")
    output = request["OutputDataConfig"]["S3OutputPath"]
    _check_s3_uri("OutputDataConfig.S3OutputPath", output, max_length=S3_OUTPUT_PATH_MAX_LENGTH)

    channels = request["InputDataConfig"]
    _check_channels(channels, "InputDataConfig")
    _check_channel_data(
        channels,
        "InputDataConfig",
        content_types=V1_CONTENT_TYPES,
        gzip=True,
        augmented=False,
        label="V1 (tabular)",
    )
    for attribute in ("TargetAttributeName", "SampleWeightAttributeName"):
        values = [channel.get(attribute) for channel in channels]
        if len(set(values)) > 1:
            raise AutoMLValidationError(
                f"InputDataConfig[*].{attribute}", values, f"All channels must share the same {attribute}."
            )
    job_config = request.get("AutoMLJobConfig") or {}
    split = job_config.get("DataSplitConfig") or {}
    _check_validation_fraction(
        "AutoMLJobConfig.DataSplitConfig.ValidationFraction", split.get("ValidationFraction")
    )
    _check_tabular_objective(
        "ProblemType",
        request.get("ProblemType"),
        "AutoMLJobObjective.MetricName",
        (request.get("AutoMLJobObjective") or {}).get("MetricName"),
    )
    _check_algorithms(
        "AutoMLJobConfig.CandidateGenerationConfig",
        job_config.get("CandidateGenerationConfig"),
        mode=job_config.get("Mode"),
        family="Tabular",
    )
    _check_model_deploy(request.get("ModelDeployConfig"))
    _check_tags(request.get("Tags"))


# --------------------------------------------------------------------------------------------------
# Reattach and job names
# --------------------------------------------------------------------------------------------------


def _normalise_uri(uri: Any) -> Any:
    return uri.rstrip("/") if isinstance(uri, str) else uri


def _channel_keys(channels: Any) -> list[tuple[str, Any, Any]]:
    keys = []
    for channel in channels or []:
        source = (channel.get("DataSource") or {}).get("S3DataSource") or {}
        keys.append(
            (
                channel.get("ChannelType") or "training",
                source.get("S3DataType"),
                _normalise_uri(source.get("S3Uri")),
            )
        )
    return sorted(keys, key=repr)


def _target_of(config_key: str | None, config: Mapping[str, Any]) -> Any:
    if config_key == "TimeSeriesForecastingJobConfig":
        return (config.get("TimeSeriesConfig") or {}).get("TargetAttributeName")
    if config_key == "TextClassificationJobConfig":
        return config.get("TargetLabelColumn")
    return config.get("TargetAttributeName")


def reattach_mismatches(
    request: Mapping[str, Any], described: Mapping[str, Any], *, api_version: str
) -> list[str]:
    """Differences between a create request and the DescribeAutoMLJobV2 answer for the same name.

    ``api_version`` ("v1" or "v2") says which API ``request`` was built for. Compared: input
    channels (type, S3 data type, URI), output path, problem type, target column, the objective
    metric and ProblemType when the request sets them, and the role. Returns ``[]`` on a match.
    """
    if api_version not in ("v1", "v2"):
        raise AutoMLValidationError("api_version", api_version, "Allowed: v1, v2.")
    differences: list[str] = []

    def compare(label: str, wanted: Any, existing: Any) -> None:
        if wanted != existing:
            differences.append(f"{label}: requested {wanted!r}, existing job has {existing!r}")

    described_config_map = described.get("AutoMLProblemTypeConfig") or {}
    described_key = next(iter(described_config_map), None)
    if described_key is None and described.get("AutoMLProblemTypeConfigName"):
        described_key = PROBLEM_TYPE_CONFIG_KEYS.get(described["AutoMLProblemTypeConfigName"])
    described_config = (described_config_map.get(described_key) or {}) if described_key else {}

    if api_version == "v2":
        channels = request.get("AutoMLJobInputDataConfig")
        config_map = request.get("AutoMLProblemTypeConfig") or {}
        config_key = next(iter(config_map), None)
        config = (config_map.get(config_key) or {}) if config_key else {}
        problem_type = config.get("ProblemType")
        target = _target_of(config_key, config)
    else:
        channels = request.get("InputDataConfig")
        config_key = "TabularJobConfig"
        problem_type = request.get("ProblemType")
        targets = {channel.get("TargetAttributeName") for channel in channels or []}
        target = targets.pop() if len(targets) == 1 else None

    compare(
        "input channels", _channel_keys(channels), _channel_keys(described.get("AutoMLJobInputDataConfig"))
    )
    compare(
        "OutputDataConfig.S3OutputPath",
        _normalise_uri((request.get("OutputDataConfig") or {}).get("S3OutputPath")),
        _normalise_uri((described.get("OutputDataConfig") or {}).get("S3OutputPath")),
    )
    compare(
        "problem type",
        _CONFIG_KEY_TO_NAME.get(config_key or ""),
        _CONFIG_KEY_TO_NAME.get(described_key or ""),
    )
    # Column and metric comparisons only mean something within the same problem type.
    if config_key == described_key:
        if target is not None:
            compare("target column", target, _target_of(described_key, described_config))
        if problem_type is not None:
            compare("ProblemType", problem_type, described_config.get("ProblemType"))
        metric = (request.get("AutoMLJobObjective") or {}).get("MetricName")
        if metric is not None:
            compare(
                "AutoMLJobObjective.MetricName",
                metric,
                (described.get("AutoMLJobObjective") or {}).get("MetricName"),
            )
    compare("RoleArn", request.get("RoleArn"), described.get("RoleArn"))
    return differences


_HASH_LENGTH = 12


def derive_job_name(
    dag_id: str, task_id: str, run_id: str, map_index: int = -1, *, prefix: str = "automl"
) -> str:
    """A valid AutoML job name for a task instance, the same for every try and every process.

    ``<readable>-<hash>``: the readable part is ``prefix-dag_id-task_id`` reduced to letters,
    digits and single hyphens and cut to fit; the hash is the first 12 hex digits of the SHA-256
    of (dag_id, task_id, run_id, map_index), so retries and other processes compute the same name
    and different runs (or mapped instances) get different ones.
    """
    payload = json.dumps([dag_id, task_id, run_id, int(map_index)], separators=(",", ":"))
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    room = JOB_NAME_MAX_LENGTH - _HASH_LENGTH - 1
    readable = re.sub(r"[^a-zA-Z0-9]+", "-", f"{prefix}-{dag_id}-{task_id}").strip("-")[:room].strip("-")
    name = f"{readable}-{digest}" if readable else digest
    return validate_job_name(name)
