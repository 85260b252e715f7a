"""CreateAutoMLJobV2 / CreateAutoMLJob requests: input channels and the two request builders.

The builders merge the typed arguments with the user's raw ``extra`` request
(:func:`~airflow_provider_automl.requests.merge.deep_merge`) and pass the result through the one
validator before returning it, so nothing unsendable leaves this module.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.coerce import as_bool, as_float, as_mapping, normalize_tags
from airflow_provider_automl.requests.merge import compact, deep_merge, raw_extra
from airflow_provider_automl.requests.problem_types import completion_criteria, tabular_config
from airflow_provider_automl.requests.validation import validate


def validate_v2_request(request: Mapping[str, Any]) -> None:
    """Raise AutoMLValidationError unless ``request`` is a sendable CreateAutoMLJobV2 request."""
    validate("CreateAutoMLJobV2", request)


def validate_v1_request(request: Mapping[str, Any]) -> None:
    """Raise AutoMLValidationError unless ``request`` is a sendable CreateAutoMLJob (V1) request."""
    validate("CreateAutoMLJob", request)


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
    common = compact({"ContentType": content_type, "CompressionType": compression})
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
        "AutoMLProblemTypeConfig": as_mapping("AutoMLProblemTypeConfig", problem_type_config),
        "AutoMLJobObjective": {"MetricName": objective_metric},
        "SecurityConfig": as_mapping("SecurityConfig", security_config),
        "DataSplitConfig": {
            "ValidationFraction": as_float("DataSplitConfig.ValidationFraction", validation_fraction)
        },
        "ModelDeployConfig": as_mapping("ModelDeployConfig", model_deploy_config),
        "Tags": normalize_tags(tags),
        "AutoMLComputeConfig": as_mapping("AutoMLComputeConfig", compute_config),
    }
    request = deep_merge(raw_extra(extra), compact(typed))
    validate("CreateAutoMLJobV2", request)
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
    per_channel = compact(
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
            "CompletionCriteria": completion_criteria(
                max_candidates,
                max_runtime_per_training_job,
                max_job_runtime,
                prefix=f"{prefix}.CompletionCriteria",
            ),
            "Mode": mode,
            "CandidateGenerationConfig": as_mapping(
                f"{prefix}.CandidateGenerationConfig", candidate_generation_config
            ),
            "DataSplitConfig": {
                "ValidationFraction": as_float(
                    f"{prefix}.DataSplitConfig.ValidationFraction", validation_fraction
                )
            },
            "SecurityConfig": as_mapping(f"{prefix}.SecurityConfig", security_config),
        },
        "GenerateCandidateDefinitionsOnly": as_bool(
            "GenerateCandidateDefinitionsOnly", generate_candidate_definitions_only
        ),
        "ModelDeployConfig": as_mapping("ModelDeployConfig", model_deploy_config),
        "Tags": normalize_tags(tags),
    }
    request = deep_merge(raw_extra(extra), compact(typed))
    validate("CreateAutoMLJob", request)
    return request


def build_create_request(
    api_version: str,
    *,
    job_name: str,
    input_data_config: str | Sequence[Mapping[str, Any]],
    output_path: str,
    role_arn: str,
    problem_type_config: Mapping[str, Any] | None = None,
    target_attribute: str | None = None,
    problem_type: str | None = None,
    objective_metric: str | None = None,
    validation_input: str | None = None,
    content_type: str | None = None,
    compression: str | None = None,
    validation_fraction: float | str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    mode: str | None = None,
    security_config: Mapping[str, Any] | None = None,
    model_deploy_config: Mapping[str, Any] | None = None,
    tags: Any = None,
    request: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The create operator's arguments as a validated CreateAutoMLJob (``"v1"``) or V2 request.

    An S3 URI ``input_data_config`` becomes a training channel (plus ``validation_input``);
    with V2 and no ``problem_type_config``, ``target_attribute`` / ``problem_type`` make a tabular
    config. Arguments of the other API version are errors naming what to use instead.
    """
    raw = raw_extra(request)
    inputs: Any = input_data_config
    if isinstance(inputs, str):
        inputs = input_channels(
            inputs, validation=validation_input, content_type=content_type, compression=compression
        )
    if api_version == "v1":
        if problem_type_config is not None:
            raise AutoMLValidationError(
                "problem_type_config",
                problem_type_config,
                "Only used with api_version='v2'; with 'v1' use target_attribute and problem_type.",
            )
        return build_v1_request(
            job_name=job_name,
            input_data_config=inputs,
            output_path=output_path,
            role_arn=role_arn,
            target_attribute=target_attribute,
            problem_type=problem_type,
            objective_metric=objective_metric,
            max_candidates=max_candidates,
            max_runtime_per_training_job=max_runtime_per_training_job,
            max_job_runtime=max_job_runtime,
            mode=mode,
            validation_fraction=validation_fraction,
            security_config=security_config,
            model_deploy_config=model_deploy_config,
            tags=tags,
            extra=raw,
        )
    v1_only = {
        "max_candidates": max_candidates,
        "max_runtime_per_training_job": max_runtime_per_training_job,
        "max_job_runtime": max_job_runtime,
        "mode": mode,
    }
    for name, value in v1_only.items():
        if value is not None:
            raise AutoMLValidationError(
                name,
                value,
                "With api_version='v2' set it in problem_type_config (e.g. "
                "tabular_config(max_candidates=...)), or use api_version='v1'.",
            )
    if problem_type_config is None and "AutoMLProblemTypeConfig" not in raw:
        if target_attribute is None:
            raise AutoMLValidationError(
                "problem_type_config",
                None,
                "Required with api_version='v2': pass e.g. tabular_config(target_attribute=...).",
            )
        problem_type_config = tabular_config(target_attribute=target_attribute, problem_type=problem_type)
    return build_v2_request(
        job_name=job_name,
        input_data_config=inputs,
        output_path=output_path,
        role_arn=role_arn,
        problem_type_config=problem_type_config or {},
        objective_metric=objective_metric,
        security_config=security_config,
        validation_fraction=validation_fraction,
        model_deploy_config=model_deploy_config,
        tags=tags,
        extra=raw,
    )
