"""What an AutoML job is: status enum and views over describe / list-candidates responses.

Pure Python, no AWS SDK import: operators, sensors and triggers use it at DAG-parse time.
One view covers jobs created through V1 (CreateAutoMLJob) and V2 (CreateAutoMLJobV2) and
both describe responses; ``to_record()`` is the JSON-safe XCom contract (DESIGN.md, 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class AutoMLJobStatus(str, Enum):
    """``AutoMLJobStatus`` (also ``CandidateStatus``) values of the SageMaker API."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"

    def is_terminal(self) -> bool:
        return self in _TERMINAL

    def is_success(self) -> bool:
        # Stopped is not success (DESIGN.md, decision 2).
        return self is AutoMLJobStatus.COMPLETED

    @classmethod
    def parse(cls, value: object) -> AutoMLJobStatus:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(s.value) for s in cls)
            raise ValueError(f"Invalid AutoMLJobStatus: {value!r}. Allowed: {allowed}.") from None


_TERMINAL = frozenset({AutoMLJobStatus.COMPLETED, AutoMLJobStatus.FAILED, AutoMLJobStatus.STOPPED})


def json_safe(value: Any) -> Any:
    """Return ``value`` made JSON-serialisable the way XCom records need it.

    datetimes/dates become ISO-8601 strings, tuples and sets become lists, enums their value,
    ``ResponseMetadata`` keys are dropped at every level; JSON types are returned as they are.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_safe(value.value)
    return value


def _parse_time(value: Any) -> dt.datetime | None:
    """Accept what botocore returns (datetime) and what records hold (ISO string)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        # fromisoformat on 3.10 does not accept a trailing "Z".
        return dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    raise ValueError(f"Invalid timestamp: {value!r}. Expected a datetime or an ISO-8601 string.")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _copy_containers(containers: Any) -> list[dict[str, Any]]:
    return [dict(json_safe(c)) for c in containers or ()]


@dataclass(frozen=True)
class Candidate:
    """One AutoML candidate: an entry of ListCandidatesForAutoMLJob or a job's ``BestCandidate``."""

    name: str
    status: str | None = None
    objective_status: str | None = None
    objective_metric: dict[str, Any] | None = None  # {"MetricName", "Value", "Type", "StandardMetricName"?}
    inference_containers: list[dict[str, Any]] = field(default_factory=list)
    inference_container_definitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    artifact_locations: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    creation_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None
    failure_reason: str | None = None

    @classmethod
    def from_response(cls, data: Mapping[str, Any]) -> Candidate:
        """Build from an API candidate dict; also accepts ``to_record()`` output."""
        props = data.get("CandidateProperties") or {}
        metric = data.get("FinalAutoMLJobObjectiveMetric")
        definitions = data.get("InferenceContainerDefinitions") or {}
        return cls(
            name=data["CandidateName"],
            status=data.get("CandidateStatus"),
            objective_status=data.get("ObjectiveStatus"),
            objective_metric=dict(json_safe(metric)) if metric is not None else None,
            inference_containers=_copy_containers(data.get("InferenceContainers")),
            inference_container_definitions={k: _copy_containers(v) for k, v in definitions.items()},
            artifact_locations=dict(json_safe(props.get("CandidateArtifactLocations") or {})),
            metrics=[dict(m) for m in json_safe(props.get("CandidateMetrics") or [])],
            steps=[dict(s) for s in json_safe(data.get("CandidateSteps") or [])],
            creation_time=_parse_time(data.get("CreationTime")),
            end_time=_parse_time(data.get("EndTime")),
            last_modified_time=_parse_time(data.get("LastModifiedTime")),
            failure_reason=data.get("FailureReason"),
        )

    def to_record(self) -> dict[str, Any]:
        """JSON-safe dict with the API's key names; ``InferenceContainers`` is CreateModel-ready."""
        record: dict[str, Any] = {
            "CandidateName": self.name,
            "CandidateStatus": self.status,
            "ObjectiveStatus": self.objective_status,
            "FinalAutoMLJobObjectiveMetric": json_safe(self.objective_metric),
            "InferenceContainers": json_safe(self.inference_containers),
        }
        if self.inference_container_definitions:
            record["InferenceContainerDefinitions"] = json_safe(self.inference_container_definitions)
        record.update(
            {
                "CandidateProperties": {
                    "CandidateArtifactLocations": json_safe(self.artifact_locations),
                    "CandidateMetrics": json_safe(self.metrics),
                },
                "CandidateSteps": json_safe(self.steps),
                "CreationTime": _iso(self.creation_time),
                "EndTime": _iso(self.end_time),
                "LastModifiedTime": _iso(self.last_modified_time),
                "FailureReason": self.failure_reason,
            }
        )
        return record

    def describe(self) -> str:
        """Short human text: name and objective metric."""
        metric = self.objective_metric or {}
        if "MetricName" in metric:
            return f"{self.name!r} ({metric['MetricName']}={metric.get('Value')})"
        return repr(self.name)


@dataclass(frozen=True)
class AutoMLJob:
    """A job as seen by DescribeAutoMLJobV2 (or V1 DescribeAutoMLJob)."""

    name: str
    arn: str
    status: AutoMLJobStatus
    secondary_status: str
    failure_reason: str | None = None
    partial_failure_reasons: list[str] = field(default_factory=list)
    problem_type_config_name: str | None = None
    objective_metric: str | None = None
    best_candidate: Candidate | None = None
    output_path: str | None = None
    creation_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    last_modified_time: dt.datetime | None = None
    resolved_attributes: dict[str, Any] | None = None
    model_deploy_result: dict[str, Any] | None = None

    @classmethod
    def from_describe(cls, response: Mapping[str, Any]) -> AutoMLJob:
        """Build from a DescribeAutoMLJobV2 or a V1 DescribeAutoMLJob response."""
        problem_type_config_name = response.get("AutoMLProblemTypeConfigName")
        if problem_type_config_name is None and ("ProblemType" in response or "InputDataConfig" in response):
            # V1 describe: V1 jobs are always tabular.
            problem_type_config_name = "Tabular"
        resolved = response.get("ResolvedAttributes")
        objective = (response.get("AutoMLJobObjective") or {}).get("MetricName")
        if objective is None and resolved:
            # Autopilot picks the metric when none was given; the resolved one is what it optimised.
            objective = (resolved.get("AutoMLJobObjective") or {}).get("MetricName")
        best = response.get("BestCandidate")
        return cls(
            name=response["AutoMLJobName"],
            arn=response["AutoMLJobArn"],
            status=AutoMLJobStatus.parse(response["AutoMLJobStatus"]),
            secondary_status=response["AutoMLJobSecondaryStatus"],
            failure_reason=response.get("FailureReason"),
            partial_failure_reasons=[
                p.get("PartialFailureMessage", "") for p in response.get("PartialFailureReasons") or ()
            ],
            problem_type_config_name=problem_type_config_name,
            objective_metric=objective,
            best_candidate=Candidate.from_response(best) if best else None,
            output_path=(response.get("OutputDataConfig") or {}).get("S3OutputPath"),
            creation_time=_parse_time(response.get("CreationTime")),
            end_time=_parse_time(response.get("EndTime")),
            last_modified_time=_parse_time(response.get("LastModifiedTime")),
            resolved_attributes=json_safe(resolved) if resolved is not None else None,
            model_deploy_result=_deploy_result(response.get("ModelDeployResult")),
        )

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AutoMLJob:
        """Inverse of ``to_record()`` (trigger events carry records, not responses)."""
        best = record.get("BestCandidate")
        return cls(
            name=record["AutoMLJobName"],
            arn=record["AutoMLJobArn"],
            status=AutoMLJobStatus.parse(record["AutoMLJobStatus"]),
            secondary_status=record["AutoMLJobSecondaryStatus"],
            failure_reason=record.get("FailureReason"),
            partial_failure_reasons=list(record.get("PartialFailureReasons") or ()),
            problem_type_config_name=record.get("ProblemTypeConfigName"),
            objective_metric=record.get("ObjectiveMetric"),
            best_candidate=Candidate.from_response(best) if best else None,
            output_path=record.get("OutputPath"),
            creation_time=_parse_time(record.get("CreationTime")),
            end_time=_parse_time(record.get("EndTime")),
            last_modified_time=_parse_time(record.get("LastModifiedTime")),
            resolved_attributes=record.get("ResolvedAttributes"),
            model_deploy_result=_deploy_result(record.get("ModelDeployResult")),
        )

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal()

    @property
    def is_success(self) -> bool:
        return self.status.is_success()

    def failure_message(self) -> str:
        """What went wrong, for an exception or a trigger event."""
        message = (
            f"AutoML job {self.name!r} ended {self.status.value} (secondary status {self.secondary_status})"
        )
        message += f": {self.failure_reason}" if self.failure_reason else ": no FailureReason given"
        if self.partial_failure_reasons:
            message += "; partial failures: " + " | ".join(self.partial_failure_reasons)
        return message

    def summary(self) -> str:
        """One line for logs and success events."""
        text = f"AutoML job {self.name!r} is {self.status.value} ({self.secondary_status})"
        if self.best_candidate is not None:
            text += f"; best candidate {self.best_candidate.describe()}"
        return text

    def to_record(self) -> dict[str, Any]:
        """The XCom record: JSON-safe, ISO-8601 timestamps, no botocore objects."""
        return {
            "AutoMLJobName": self.name,
            "AutoMLJobArn": self.arn,
            "AutoMLJobStatus": self.status.value,
            "AutoMLJobSecondaryStatus": self.secondary_status,
            "ProblemTypeConfigName": self.problem_type_config_name,
            "ObjectiveMetric": self.objective_metric,
            "BestCandidate": self.best_candidate.to_record() if self.best_candidate else None,
            "OutputPath": self.output_path,
            "CreationTime": _iso(self.creation_time),
            "EndTime": _iso(self.end_time),
            "LastModifiedTime": _iso(self.last_modified_time),
            "FailureReason": self.failure_reason,
            "PartialFailureReasons": list(self.partial_failure_reasons),
            "ResolvedAttributes": json_safe(self.resolved_attributes),
            "ModelDeployResult": json_safe(self.model_deploy_result),
        }


def _deploy_result(value: Any) -> dict[str, Any] | None:
    """``ModelDeployResult`` (``{"EndpointName"}``) once Autopilot deployed the best candidate, else None."""
    return dict(value) if isinstance(value, Mapping) and value else None


def rank_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Best first by final objective metric, honouring Maximize / Minimize; unscored last."""

    def key(candidate: Candidate) -> tuple[int, float]:
        metric = candidate.objective_metric or {}
        value = metric.get("Value")
        if not isinstance(value, (int, float)):
            return (1, 0.0)
        return (0, -float(value) if metric.get("Type", "Maximize") == "Maximize" else float(value))

    return sorted(candidates, key=key)
