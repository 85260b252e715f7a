"""What we send to turn a candidate into a model: CreateModel and CreateModelPackage requests.

Pure functions, validated before any call to AWS. Containers are passed through as the
candidate gave them; the only change ever made is the inference response keys a user asks
for, on copies.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError

# Patterns and limits from botocore's SageMaker model.
MODEL_NAME = re.compile(r"[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?")
MODEL_PACKAGE_GROUP_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
ROLE_ARN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
MODEL_PACKAGE_ARN = re.compile(
    r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/\S{1,2048}"
)
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MAX_CONTAINERS = 15
MAX_CUSTOMER_METADATA = 50
# botocore: [\p{L}\p{Z}\p{N}_.:/=+\-@]{1,n}; Python's \w is letters, digits and _.
CUSTOMER_METADATA_TEXT = re.compile(r"[\w .:/=+\-@]+")

INFERENCE_RESPONSE_KEYS = ("predicted_label", "probability", "probabilities", "labels")
_SUPPORTED_ENV = "SAGEMAKER_INFERENCE_SUPPORTED"
_OUTPUT_ENV = "SAGEMAKER_INFERENCE_OUTPUT"
_INPUT_ENV = "SAGEMAKER_INFERENCE_INPUT"


def _check_name(field: str, value: object, pattern: re.Pattern[str], limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or not pattern.fullmatch(value):
        raise AutoMLValidationError(
            field,
            value,
            f"Must be 1-{limit} characters matching {pattern.pattern} (letters, digits and hyphens, "
            "starting and ending with a letter or digit).",
        )
    return value


def validate_model_name(name: object) -> str:
    return _check_name("model_name", name, MODEL_NAME, 63)


def validate_model_package_group_name(name: object) -> str:
    return _check_name("model_package_group_name", name, MODEL_PACKAGE_GROUP_NAME, 63)


def validate_role_arn(field: str, value: object) -> str:
    if not isinstance(value, str) or not ROLE_ARN.fullmatch(value):
        raise AutoMLValidationError(
            field, value, "Must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>."
        )
    return value


def validate_model_package_arn(value: object) -> str:
    if not isinstance(value, str) or not MODEL_PACKAGE_ARN.fullmatch(value):
        raise AutoMLValidationError(
            "model_package_arn",
            value,
            "Must be a model package ARN: "
            "arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>.",
        )
    return value


def validate_approval_status(value: object) -> str:
    if value not in APPROVAL_STATUSES:
        raise AutoMLValidationError("approval_status", value, f"Allowed: {', '.join(APPROVAL_STATUSES)}.")
    return str(value)


def validate_containers(containers: object, *, field: str = "containers") -> list[dict[str, Any]]:
    """A candidate's InferenceContainers: 1-15 dicts, each with an Image and a ModelDataUrl."""
    if isinstance(containers, Mapping) and "InferenceContainers" in containers:
        # A candidate record (e.g. the `best_candidate` XCom) is accepted in place of its containers.
        containers = containers["InferenceContainers"]
    if not isinstance(containers, Sequence) or isinstance(containers, (str, bytes)) or not containers:
        raise AutoMLValidationError(
            field,
            containers,
            "Must be a non-empty list of containers, e.g. the create operator's 'inference_containers' XCom.",
        )
    if len(containers) > MAX_CONTAINERS:
        raise AutoMLValidationError(
            field, f"<{len(containers)} containers>", f"At most {MAX_CONTAINERS} containers."
        )
    for index, container in enumerate(containers):
        where = f"{field}[{index}]"
        if not isinstance(container, Mapping):
            raise AutoMLValidationError(
                where, container, "Each container must be a dict with Image and ModelDataUrl."
            )
        for key in ("Image", "ModelDataUrl"):
            if not isinstance(container.get(key), str) or not container[key]:
                raise AutoMLValidationError(
                    f"{where}.{key}", container.get(key), f"Every container needs a non-empty {key}."
                )
        if not container["ModelDataUrl"].startswith(("s3://", "https://")):
            raise AutoMLValidationError(
                f"{where}.ModelDataUrl", container["ModelDataUrl"], "Must be an s3:// or https:// URL."
            )
        environment = container.get("Environment", {})
        if not isinstance(environment, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in environment.items()
        ):
            raise AutoMLValidationError(f"{where}.Environment", environment, "Must map strings to strings.")
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
    if not keys:
        return result
    if (
        isinstance(keys, str)
        or not isinstance(keys, Sequence)
        or not all(k in INFERENCE_RESPONSE_KEYS for k in keys)
    ):
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
    tags: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """CreateModel kwargs: one container as PrimaryContainer-equivalent list, several as a pipeline."""
    request: dict[str, Any] = {
        "ModelName": validate_model_name(model_name),
        "Containers": [dict(c) for c in containers],
        "ExecutionRoleArn": validate_role_arn("execution_role_arn", execution_role_arn),
    }
    if len(containers) > 1:
        request["InferenceExecutionConfig"] = {"Mode": "Serial"}
    if vpc_config is not None:
        if (
            not isinstance(vpc_config, Mapping)
            or not vpc_config.get("SecurityGroupIds")
            or not vpc_config.get("Subnets")
        ):
            raise AutoMLValidationError(
                "vpc_config", vpc_config, "Must be a dict with non-empty SecurityGroupIds and Subnets lists."
            )
        request["VpcConfig"] = dict(vpc_config)
    if enable_network_isolation is not None:
        if not isinstance(enable_network_isolation, bool):
            raise AutoMLValidationError(
                "enable_network_isolation", enable_network_isolation, "Must be True or False."
            )
        request["EnableNetworkIsolation"] = enable_network_isolation
    if tags:
        request["Tags"] = normalize_tags(tags)
    return request


def normalize_tags(tags: Mapping[str, str] | Sequence[Mapping[str, str]] | None) -> list[dict[str, str]]:
    """Tags as the API's ``[{"Key", "Value"}]``, from that shape or a plain dict."""
    if not tags:
        return []
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    out = []
    for tag in tags:
        if not isinstance(tag, Mapping) or "Key" not in tag or "Value" not in tag:
            raise AutoMLValidationError(
                "tags", tag, 'Each tag must be {"Key": ..., "Value": ...}, or pass a dict.'
            )
        out.append({"Key": str(tag["Key"]), "Value": str(tag["Value"])})
    return out


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
    tags: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """CreateModelPackage kwargs for a versioned package in ``model_package_group_name``."""
    spec: dict[str, Any] = {
        "Containers": [dict(c) for c in containers],
        "SupportedContentTypes": _strings("content_types", content_types),
        "SupportedResponseMIMETypes": _strings("response_types", response_types),
    }
    if realtime_instance_types:
        spec["SupportedRealtimeInferenceInstanceTypes"] = _strings(
            "realtime_instance_types", realtime_instance_types
        )
    if transform_instance_types:
        spec["SupportedTransformInstanceTypes"] = _strings(
            "transform_instance_types", transform_instance_types
        )
    request: dict[str, Any] = {
        "ModelPackageGroupName": validate_model_package_group_name(model_package_group_name),
        "InferenceSpecification": spec,
        "ModelApprovalStatus": validate_approval_status(approval_status),
    }
    if description:
        if not isinstance(description, str) or len(description) > 1024:
            raise AutoMLValidationError(
                "description", description, "Must be a string of at most 1024 characters."
            )
        request["ModelPackageDescription"] = description
    if customer_metadata:
        if len(customer_metadata) > MAX_CUSTOMER_METADATA:
            raise AutoMLValidationError(
                "customer_metadata",
                f"<{len(customer_metadata)} entries>",
                f"At most {MAX_CUSTOMER_METADATA} entries.",
            )
        metadata = {str(k): str(v) for k, v in customer_metadata.items()}
        for key, value in metadata.items():
            if not CUSTOMER_METADATA_TEXT.fullmatch(key) or len(key) > 128:
                raise AutoMLValidationError(
                    "customer_metadata key", key, "Keys are 1-128 letters, digits, spaces or _.:/=+-@."
                )
            if not CUSTOMER_METADATA_TEXT.fullmatch(value) or len(value) > 256:
                raise AutoMLValidationError(
                    f"customer_metadata[{key!r}]",
                    value,
                    "Values are 1-256 letters, digits, spaces or _.:/=+-@.",
                )
        request["CustomerMetadataProperties"] = metadata
    if model_metrics:
        request["ModelMetrics"] = dict(model_metrics)
    if tags:
        request["Tags"] = normalize_tags(tags)
    return request


def _strings(field: str, values: object) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise AutoMLValidationError(field, values, "Must be a non-empty list of strings.")
    if not all(isinstance(v, str) and v for v in values):
        raise AutoMLValidationError(field, values, "Every entry must be a non-empty string.")
    return list(values)
