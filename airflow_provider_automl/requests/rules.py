"""The rules botocore's service model cannot express, applied by the one validator.

``SHAPE_RULES`` run on every string of that shape wherever it appears; ``PATTERN_HINTS`` replace
"must match the pattern ..." with words for the patterns people get wrong; ``OPERATION_RULES``
run on a whole request after the model walk, so they may rely on its shape (required members
present, types right). Sources: the SageMaker API reference for ``AutoMLJobChannel``,
``AutoMLJobCompletionCriteria``, ``AutoMLJobObjective``, ``AutoMLDataSplitConfig``,
``AutoMLOutputDataConfig``, ``AutoMLS3DataSource``, ``AutoMLAlgorithmConfig``,
``ModelDeployConfig``, ``TextGenerationJobConfig``, ``ContainerDefinition`` and ``Tag``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests import tables
from airflow_provider_automl.requests.names import validate_job_name

_S3_BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS_PATTERN = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
_TAG_TEXT = "letters, digits, spaces and _ . : / = + - @"
_NAME_TEXT = "letters, digits and hyphens, starting and ending with a letter or digit"


# -- per shape -----------------------------------------------------------------------------------


def check_s3_uri(field: str, value: Any, *, max_length: int = 1024) -> None:
    if not isinstance(value, str) or not value.startswith("s3://"):
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


def check_role_arn(field: str, value: Any) -> None:
    if not isinstance(value, str) or not 20 <= len(value) <= 2048 or not _ROLE_ARN_PATTERN.fullmatch(value):
        raise AutoMLValidationError(
            field, value, "Expected an IAM role ARN such as arn:aws:iam::123456789012:role/SageMakerRole."
        )


SHAPE_RULES: dict[str, Callable[[str, Any], Any]] = {
    "AutoMLJobName": lambda field, value: validate_job_name(value, field),
    "S3Uri": check_s3_uri,
    "RoleArn": check_role_arn,
}

PATTERN_HINTS: dict[str, str] = {
    "ForecastFrequency": (
        "Allowed frequencies: Y or 1Y; M or 1M-11M; W or 1W-4W; D or 1D-6D; H or 1H-23H; 1min-59min."
    ),
    "ForecastQuantile": "A forecast quantile is a whole percentile from p1 to p99, such as 'p10' or 'p90'.",
    "TagKey": f"Tag keys are 1-128 {_TAG_TEXT}.",
    "TagValue": f"Tag values are 0-256 {_TAG_TEXT}.",
    "CustomerMetadataKey": f"Keys are 1-128 {_TAG_TEXT}.",
    "CustomerMetadataValue": f"Values are 1-256 {_TAG_TEXT}.",
    "ContainerImage": (
        "An image URI without blanks, e.g. <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>."
    ),
    "Url": "Must be an s3:// or https:// URL naming a bucket or host, e.g. s3://bucket/model.tar.gz.",
    "EnvironmentKey": "An environment variable name: a letter or _ then letters, digits or _.",
    "ModelName": f"A model name is 1-63 {_NAME_TEXT}.",
    "EntityName": f"A model package group name is 1-63 {_NAME_TEXT}.",
    "ArnOrName": f"A model package group name is 1-63 {_NAME_TEXT} (or its ARN).",
    "ModelPackageArn": (
        "Must be a model package ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>."
    ),
    "SecurityGroupId": "A security group id such as sg-0123456789abcdef0.",
    "SubnetId": "A subnet id such as subnet-0123456789abcdef0.",
}


# -- every operation with tags -------------------------------------------------------------------


def check_tags(request: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for index, tag in enumerate(request.get("Tags") or ()):
        key = tag["Key"]
        if key.lower().startswith("aws:"):
            raise AutoMLValidationError(
                f"Tags[{index}].Key", key, "Tag keys starting with 'aws:' are reserved."
            )
        if key in seen:
            raise AutoMLValidationError(f"Tags[{index}].Key", key, "Tag keys must be unique.")
        seen.add(key)


# -- CreateAutoMLJobV2 / CreateAutoMLJob ---------------------------------------------------------


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


def _check_validation_fraction(field: str, value: Any) -> None:
    if value is not None and not 0 < value < 1:
        raise AutoMLValidationError(
            field, value, "ValidationFraction must be greater than 0 and less than 1."
        )


def _check_max_candidates(field: str, config_key: str, criteria: Any) -> None:
    if not isinstance(criteria, Mapping) or criteria.get("MaxCandidates") is None:
        return
    limit = tables.MAX_CANDIDATES_LIMIT[config_key]
    if criteria["MaxCandidates"] > limit:
        allowed = f"at most {limit}" if limit > 1 else "exactly 1"
        raise AutoMLValidationError(
            f"{field}.MaxCandidates",
            criteria["MaxCandidates"],
            f"{tables.CONFIG_KEY_TO_NAME[config_key]} jobs allow {allowed} candidate(s).",
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
    if problem_type is not None and metric not in tables.TABULAR_METRICS[problem_type]:
        raise AutoMLValidationError(
            metric_field,
            metric,
            f"Allowed for {problem_type}: {', '.join(tables.TABULAR_METRICS[problem_type])}.",
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
        allowed = tables.ALLOWED_ALGORITHMS[mode]
        label = f"Mode {mode}"
    else:
        allowed = tables.ALLOWED_ALGORITHMS["TimeSeriesForecasting"]
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


def _check_text_generation(field: str, config: Mapping[str, Any]) -> None:
    params = config.get("TextGenerationHyperParameters") or {}
    allowed = tables.TEXT_GENERATION_HYPERPARAMETERS
    for key, raw in params.items():
        where = f"{field}.TextGenerationHyperParameters[{key!r}]"
        if key not in allowed:
            raise AutoMLValidationError(where, raw, f"Unknown hyperparameter; allowed: {', '.join(allowed)}.")
        kind, low, high = allowed[key]
        try:
            number = float(raw) if kind is float else int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            noun = "an integer" if kind is int else "a number"
            raise AutoMLValidationError(
                where, raw, f"Must be a string holding {noun} from {low:g} to {high:g}."
            )


def _check_output_path(request: Mapping[str, Any]) -> None:
    check_s3_uri(
        "OutputDataConfig.S3OutputPath",
        request["OutputDataConfig"]["S3OutputPath"],
        max_length=tables.S3_OUTPUT_PATH_MAX_LENGTH,
    )


def check_create_v2(request: Mapping[str, Any]) -> None:
    _check_output_path(request)
    (config_key, config), *_ = request["AutoMLProblemTypeConfig"].items()
    label = tables.CONFIG_KEY_TO_NAME[config_key]
    field = f"AutoMLProblemTypeConfig.{config_key}"
    channels = request["AutoMLJobInputDataConfig"]
    _check_channels(channels, "AutoMLJobInputDataConfig")
    _check_channel_data(
        channels,
        "AutoMLJobInputDataConfig",
        content_types=tables.ALLOWED_CONTENT_TYPES[config_key],
        gzip=config_key in tables.GZIP_CONFIG_KEYS,
        augmented=config_key in tables.AUGMENTED_MANIFEST_CONFIG_KEYS,
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
    elif metric is not None and metric not in tables.ALLOWED_METRICS[config_key]:
        allowed = tables.ALLOWED_METRICS[config_key]
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


def check_create_v1(request: Mapping[str, Any]) -> None:
    _check_output_path(request)
    channels = request["InputDataConfig"]
    _check_channels(channels, "InputDataConfig")
    _check_channel_data(
        channels,
        "InputDataConfig",
        content_types=tables.V1_CONTENT_TYPES,
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


# -- CreateModel ---------------------------------------------------------------------------------


def check_create_model(request: Mapping[str, Any]) -> None:
    if ("Containers" in request) == ("PrimaryContainer" in request):
        raise AutoMLValidationError(
            "Containers",
            request.get("Containers"),
            "Give Containers or PrimaryContainer, exactly one of them.",
        )
    containers = request.get("Containers") or [request["PrimaryContainer"]]
    field = "Containers" if "Containers" in request else "PrimaryContainer"
    if not containers:
        raise AutoMLValidationError(field, containers, "At least 1 container required.")
    for index, container in enumerate(containers):
        environment = container.get("Environment") or {}
        size = sum(len(k.encode()) + len(v.encode()) for k, v in environment.items())
        if size > tables.ENVIRONMENT_MAX_BYTES:
            where = f"{field}[{index}].Environment" if field == "Containers" else f"{field}.Environment"
            raise AutoMLValidationError(
                where,
                f"<{size} bytes>",
                f"All keys and values together are at most {tables.ENVIRONMENT_MAX_BYTES} bytes.",
            )


OPERATION_RULES: dict[str, tuple[Callable[[Mapping[str, Any]], None], ...]] = {
    "CreateAutoMLJobV2": (check_create_v2, check_tags),
    "CreateAutoMLJob": (check_create_v1, check_tags),
    "CreateModel": (check_create_model, check_tags),
    "CreateModelPackage": (check_tags,),
    "CreateModelPackageGroup": (check_tags,),
}
