"""What we send to turn a candidate into a model: CreateModel, CreateModelPackage(Group), UpdateModelPackage.

Containers are passed through as the candidate gave them; the only change ever made is the
inference response keys a user asks for, on copies. Every builder returns a request that has
passed the one validator.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.coerce import as_str_list, normalize_tags
from airflow_provider_automl.requests.merge import compact
from airflow_provider_automl.requests.tables import INFERENCE_RESPONSE_KEYS
from airflow_provider_automl.requests.validation import validate

MAX_CUSTOMER_METADATA = 50  # CustomerMetadataMap max entries
_SUPPORTED_ENV = "SAGEMAKER_INFERENCE_SUPPORTED"
_OUTPUT_ENV = "SAGEMAKER_INFERENCE_OUTPUT"
_INPUT_ENV = "SAGEMAKER_INFERENCE_INPUT"


def validate_containers(containers: object, *, field: str = "containers") -> list[dict[str, Any]]:
    """A candidate's InferenceContainers: a non-empty list of dicts, each with an Image and a ModelDataUrl.

    The values themselves are checked by the service model when the request is built.
    """
    if isinstance(containers, Mapping) and "InferenceContainers" in containers:
        # A candidate record (e.g. the `best_candidate` XCom) is accepted in place of its containers.
        containers = containers["InferenceContainers"]
    if not isinstance(containers, Sequence) or isinstance(containers, (str, bytes)) or not containers:
        raise AutoMLValidationError(
            field,
            containers,
            "Must be a non-empty list of containers, e.g. the create operator's 'inference_containers' XCom.",
        )
    for index, container in enumerate(containers):
        where = f"{field}[{index}]"
        if not isinstance(container, Mapping):
            raise AutoMLValidationError(
                where, container, "Each container must be a dict with Image and ModelDataUrl."
            )
        for key in ("Image", "ModelDataUrl"):
            if container.get(key) is None:
                raise AutoMLValidationError(
                    f"{where}.{key}", None, f"Every container needs a non-empty {key}."
                )
    return [copy.deepcopy(dict(container)) for container in containers]


def with_inference_response_keys(
    containers: Sequence[Mapping[str, Any]], keys: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Copies of ``containers`` answering with ``keys``, set the way Autopilot documents.

    The last container (e.g. the inverse label transform of an HPO classification pipeline)
    must declare ``SAGEMAKER_INFERENCE_SUPPORTED`` with every key. Each container declaring
    it gets ``SAGEMAKER_INFERENCE_OUTPUT`` = the keys it supports (the algorithm container
    never produces ``labels``: the label transform adds them), and ``SAGEMAKER_INFERENCE_INPUT``
    = what the container before it outputs, as the SageMaker Python SDK does.
    """
    result = [copy.deepcopy(dict(c)) for c in containers]
    keys = as_str_list("inference_response_keys", keys)
    if not keys:
        return result
    if not all(k in INFERENCE_RESPONSE_KEYS for k in keys):
        raise AutoMLValidationError(
            "inference_response_keys",
            keys,
            f"Must be a list drawn from {', '.join(INFERENCE_RESPONSE_KEYS)}.",
        )
    wanted = list(dict.fromkeys(keys))
    last = result[-1].get("Environment") or {}
    if _SUPPORTED_ENV not in last:
        raise AutoMLValidationError(
            "inference_response_keys",
            wanted,
            "The candidate's last container declares no SAGEMAKER_INFERENCE_SUPPORTED: response keys "
            "can be chosen only for classification candidates.",
        )
    supported_last = _supported_keys(last)
    missing = [k for k in wanted if k not in supported_last]
    if missing:
        raise AutoMLValidationError(
            "inference_response_keys",
            wanted,
            f"Container {result[-1].get('Image')} supports only {', '.join(supported_last)}; "
            f"not {', '.join(missing)}.",
        )
    previous_output = ""
    for container in result:
        environment = container.get("Environment") or {}
        if _SUPPORTED_ENV not in environment:
            previous_output = ""
            continue
        supported = _supported_keys(environment)
        output = ",".join(k for k in wanted if k in supported)
        if previous_output:
            environment[_INPUT_ENV] = previous_output
        if output:
            environment[_OUTPUT_ENV] = output
        previous_output = output
    return result


def _supported_keys(environment: Mapping[str, str]) -> list[str]:
    return [s.strip() for s in environment[_SUPPORTED_ENV].split(",") if s.strip()]


def build_create_model_request(
    *,
    model_name: str,
    containers: Sequence[Mapping[str, Any]],
    execution_role_arn: str,
    vpc_config: Mapping[str, Any] | None = None,
    enable_network_isolation: bool | None = None,
    tags: Any = None,
) -> dict[str, Any]:
    """CreateModel kwargs: one container, or several as a serial inference pipeline."""
    return _validated(
        "CreateModel",
        {
            "ModelName": model_name,
            "Containers": [dict(c) for c in containers],
            "InferenceExecutionConfig": {"Mode": "Serial"} if len(containers) > 1 else None,
            "ExecutionRoleArn": execution_role_arn,
            "VpcConfig": dict(vpc_config) if isinstance(vpc_config, Mapping) else vpc_config,
            "EnableNetworkIsolation": enable_network_isolation,
            "Tags": normalize_tags(tags, "tags") or None,
        },
    )


def candidate_metadata(candidate: Mapping[str, Any] | None, job_name: str | None) -> dict[str, str]:
    """CustomerMetadataProperties naming where a model package came from."""
    metadata: dict[str, str] = {}
    if job_name:
        metadata["AutoMLJobName"] = job_name
    if candidate:
        metadata["CandidateName"] = str(candidate.get("CandidateName", ""))
        metric = candidate.get("FinalAutoMLJobObjectiveMetric") or {}
        if metric.get("MetricName") is not None:
            metadata["ObjectiveMetricName"] = str(metric["MetricName"])
            metadata["ObjectiveMetricValue"] = str(metric.get("Value"))
    return {k: v[:256] for k, v in metadata.items() if v}


def merge_customer_metadata(
    user: Mapping[str, Any] | None, provenance: Mapping[str, str], reserved: Mapping[str, str]
) -> dict[str, str]:
    """The package's CustomerMetadataProperties: provenance, then the user's entries, then ``reserved``.

    The user's entries may replace provenance entries but not ``reserved`` ones (the retry key), and
    must leave room for what the operator adds; the count in a message is the user's own.
    """
    user = {
        key: str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
        for key, value in (user or {}).items()
    }
    for key, value in user.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise AutoMLValidationError(
                f"customer_metadata[{key!r}]",
                value,
                "Keys and values are strings (numbers are written as text).",
            )
        if key in reserved:
            raise AutoMLValidationError(
                "customer_metadata", key, f"{key} is set by the operator (it finds the package on a retry)."
            )
    added = [key for key in (*provenance, *reserved) if key not in user]
    room = MAX_CUSTOMER_METADATA - len(added)
    if len(user) > room:
        raise AutoMLValidationError(
            "customer_metadata",
            f"<{len(user)} entries>",
            f"At most {room} entries: a package holds {MAX_CUSTOMER_METADATA} and the operator adds "
            f"{len(added)} ({', '.join(added)}).",
        )
    return {**provenance, **user, **reserved}


def candidate_model_metrics(candidate: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """ModelMetrics pointing at the candidate's explainability and quality reports, when it has them."""
    if not candidate:
        return None
    locations = (candidate.get("CandidateProperties") or {}).get("CandidateArtifactLocations") or {}
    metrics: dict[str, Any] = {}
    explainability = locations.get("Explainability")
    if explainability:
        metrics["Explainability"] = {
            "Report": {
                "ContentType": "application/json",
                "S3Uri": explainability.rstrip("/") + "/analysis.json",
            }
        }
    model_insights = locations.get("ModelInsights")
    if model_insights:
        metrics["ModelQuality"] = {
            "Statistics": {
                "ContentType": "application/json",
                "S3Uri": model_insights.rstrip("/") + "/statistics.json",
            }
        }
    return metrics or None


def build_create_model_package_request(
    *,
    model_package_group_name: str,
    containers: Sequence[Mapping[str, Any]],
    content_types: Sequence[str],
    response_types: Sequence[str],
    realtime_instance_types: Sequence[str] | None = None,
    transform_instance_types: Sequence[str] | None = None,
    approval_status: str = "PendingManualApproval",
    description: str | None = None,
    customer_metadata: Mapping[str, str] | None = None,
    model_metrics: Mapping[str, Any] | None = None,
    tags: Any = None,
) -> dict[str, Any]:
    """CreateModelPackage kwargs for a versioned package in ``model_package_group_name``."""
    return _validated(
        "CreateModelPackage",
        {
            "ModelPackageGroupName": model_package_group_name,
            "InferenceSpecification": {
                "Containers": [dict(c) for c in containers],
                "SupportedContentTypes": _strings("content_types", content_types),
                "SupportedResponseMIMETypes": _strings("response_types", response_types),
                "SupportedRealtimeInferenceInstanceTypes": as_str_list(
                    "realtime_instance_types", realtime_instance_types
                )
                or None,
                "SupportedTransformInstanceTypes": as_str_list(
                    "transform_instance_types", transform_instance_types
                )
                or None,
            },
            "ModelApprovalStatus": approval_status,
            "ModelPackageDescription": description,
            "CustomerMetadataProperties": dict(customer_metadata) if customer_metadata else None,
            "ModelMetrics": dict(model_metrics) if model_metrics else None,
            "Tags": normalize_tags(tags, "tags") or None,
        },
    )


def build_create_model_package_group_request(
    *, model_package_group_name: str, description: str | None = None, tags: Any = None
) -> dict[str, Any]:
    """CreateModelPackageGroup kwargs (also what the group's describe is checked against)."""
    return _validated(
        "CreateModelPackageGroup",
        {
            "ModelPackageGroupName": model_package_group_name,
            "ModelPackageGroupDescription": description,
            "Tags": normalize_tags(tags, "tags") or None,
        },
    )


def build_update_approval_request(
    *, model_package_arn: str, approval_status: str, approval_description: str | None = None
) -> dict[str, Any]:
    """UpdateModelPackage kwargs that set a version's approval status."""
    return _validated(
        "UpdateModelPackage",
        {
            "ModelPackageArn": model_package_arn,
            "ModelApprovalStatus": approval_status,
            "ApprovalDescription": approval_description,
        },
    )


def _validated(operation: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` without its unset members, once it has passed the validator for ``operation``."""
    request = compact(fields)
    validate(operation, request)
    return request


def _strings(field: str, values: object) -> list[str]:
    result = as_str_list(field, values)
    if not result:
        raise AutoMLValidationError(field, values, "Must be a non-empty list of strings.")
    return result
