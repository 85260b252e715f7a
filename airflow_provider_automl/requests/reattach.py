"""Reattach: does an existing job of the same name hold what this request would have created?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.tables import CONFIG_KEY_TO_NAME, PROBLEM_TYPE_CONFIG_KEYS


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
        CONFIG_KEY_TO_NAME.get(config_key or ""),
        CONFIG_KEY_TO_NAME.get(described_key or ""),
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
