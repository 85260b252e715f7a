"""The AutoML actions: request checks, AWS errors and responses rendered from job records."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from automl_local import candidates as cand
from automl_local import paging
from automl_local.errors import (
    ResourceLimitExceededError,
    ResourceNotFoundError,
    UnknownOperationError,
    ValidationError,
)
from automl_local.jobs import JobRunner
from automl_local.serving.deploy import check_deploy_config
from automl_local.shapes import validate_request
from automl_local.spec import TEXT_GENERATION, JobSpec, v1_view, v2_view
from automl_local.steps import STEP_ACTIONS, CandidateStepJobs
from automl_local.store import JobStore, Record, now
from automl_local.tags import TAG_ACTIONS, JobTags, check_new_tags, job_name_of

AUTOML_ACTIONS = (
    "CreateAutoMLJob",
    "CreateAutoMLJobV2",
    "DescribeAutoMLJob",
    "DescribeAutoMLJobV2",
    "ListCandidatesForAutoMLJob",
    "ListAutoMLJobs",
    "StopAutoMLJob",
)
INTERNAL_CANDIDATE_KEYS = ("Algorithm", "Hyperparameters", "ObjectiveValue")
STATUS_ORDER = ("Completed", "Failed", "InProgress", "Stopped", "Stopping")
TEXT_GENERATION_TRAINING_SECONDS = 259_200  # Autopilot's documented default for fine-tuning: 72 h


class AutoMLApi:
    def __init__(self, *, store: JobStore, runner: JobRunner, region: str, max_active_jobs: int) -> None:
        self.store = store
        self.runner = runner
        self.region = region
        self.max_active_jobs = max_active_jobs
        self.tags = JobTags(store=store)
        self.steps = CandidateStepJobs(store=store)
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateAutoMLJob": lambda body: self.create(body, api_version="v1"),
            "CreateAutoMLJobV2": lambda body: self.create(body, api_version="v2"),
            "DescribeAutoMLJob": self.describe_v1,
            "DescribeAutoMLJobV2": self.describe_v2,
            "ListCandidatesForAutoMLJob": self.list_candidates,
            "ListAutoMLJobs": self.list_jobs,
            "StopAutoMLJob": self.stop,
            "AddTags": self.tags.add_tags,
            "ListTags": self.tags.list_tags,
            "DeleteTags": self.tags.delete_tags,
            **{action: functools.partial(self.steps.describe, action) for action in STEP_ACTIONS},
        }

    def handles(self, action: str, body: Any) -> bool:
        """True when this API answers ``action`` (with this body); everything else goes to moto.

        Tag actions are ours for automl-job ARNs only, step describes for names in a candidate's
        CandidateSteps only; moto keeps every other resource.
        """
        if action in TAG_ACTIONS:
            return isinstance(body, dict) and job_name_of(body.get("ResourceArn")) is not None
        if action in STEP_ACTIONS:
            return self.steps.find(action, body) is not None
        return action in self._handlers

    def handle(self, action: str, body: Any) -> dict[str, Any]:
        handler = self._handlers.get(action)
        if handler is None:
            raise UnknownOperationError(
                f"Unknown AutoML action {action!r}; known: {', '.join(AUTOML_ACTIONS)}."
            )
        validate_request(action, body)
        return handler(body)

    # -- create ------------------------------------------------------------------------------------
    def create(self, body: dict[str, Any], *, api_version: str) -> dict[str, Any]:
        spec = JobSpec.from_request(api_version, body)
        check_deploy_config(body)
        check_new_tags(body.get("Tags") or [])
        if self.store.count_active() >= self.max_active_jobs:
            raise ResourceLimitExceededError(
                f"The account-level service limit 'Maximum number of concurrent AutoML jobs' is "
                f"{self.max_active_jobs} jobs; {self.max_active_jobs} are in progress. Wait for one to end "
                "or start the local backend with a larger --max-active-jobs."
            )
        created = now()
        request = {k: v for k, v in body.items() if k != "Tags"}
        record: Record = {
            "ApiVersion": api_version,
            "AutoMLJobName": spec.name,
            "AutoMLJobArn": cand.job_arn(spec.name, self.region),
            "Request": request,
            "ProblemTypeConfigName": spec.problem_config_name,
            "Tags": body.get("Tags", []),
            "AutoMLJobStatus": "InProgress",
            "AutoMLJobSecondaryStatus": "Starting",
            "CreationTime": created,
            "LastModifiedTime": created,
            "Candidates": [],
        }
        self.store.create(record)
        self.runner.submit(spec.name)
        return {"AutoMLJobArn": record["AutoMLJobArn"]}

    # -- describe ----------------------------------------------------------------------------------
    def _record(self, name: str) -> Record:
        record = self.store.get(name)
        if record is None:
            raise ResourceNotFoundError(f"AutoML job {name!r} does not exist.")
        return record

    def describe_v2(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["AutoMLJobName"])
        response: dict[str, Any] = {
            "AutoMLJobName": record["AutoMLJobName"],
            "AutoMLJobArn": record["AutoMLJobArn"],
            **v2_view(record["ApiVersion"], record["Request"]),
            "AutoMLProblemTypeConfigName": record["ProblemTypeConfigName"],
        }
        self._common(record, response)
        resolved = record.get("Resolved")
        if resolved:
            attributes: dict[str, Any] = {
                "AutoMLJobObjective": {"MetricName": resolved["MetricName"]},
                "CompletionCriteria": resolved["CompletionCriteria"],
            }
            if resolved.get("ProblemType"):
                attributes["AutoMLProblemTypeResolvedAttributes"] = {
                    "TabularResolvedAttributes": {"ProblemType": resolved["ProblemType"]}
                }
            if record["ProblemTypeConfigName"] == TEXT_GENERATION:
                attributes = _text_generation_resolved(record, resolved)
            response["ResolvedAttributes"] = attributes
        return response

    def describe_v1(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["AutoMLJobName"])
        view = v1_view(record["ApiVersion"], record["Request"])
        if view is None:
            raise ValidationError(
                f"AutoML job {record['AutoMLJobName']!r} is a {record['ProblemTypeConfigName']} job created "
                "with "
                "CreateAutoMLJobV2; describe it with DescribeAutoMLJobV2."
            )
        response: dict[str, Any] = {
            "AutoMLJobName": record["AutoMLJobName"],
            "AutoMLJobArn": record["AutoMLJobArn"],
            **view,
        }
        self._common(record, response)
        resolved = record.get("Resolved")
        if resolved:
            response["ResolvedAttributes"] = {
                "AutoMLJobObjective": {"MetricName": resolved["MetricName"]},
                "ProblemType": resolved["ProblemType"],
                "CompletionCriteria": resolved["CompletionCriteria"],
            }
        return response

    def _common(self, record: Record, response: dict[str, Any]) -> None:
        for key in (
            "CreationTime",
            "EndTime",
            "LastModifiedTime",
            "FailureReason",
            "PartialFailureReasons",
            "AutoMLJobStatus",
            "AutoMLJobSecondaryStatus",
            "AutoMLJobArtifacts",
            "ModelDeployResult",
        ):
            if record.get(key) not in (None, []):
                response[key] = record[key]
        best = self.best_candidate(record)
        if best is not None:
            response["BestCandidate"] = self.render_candidate(record, best)

    @staticmethod
    def best_candidate(record: Record) -> dict[str, Any] | None:
        best = None
        metric = (record.get("Resolved") or {}).get("MetricName") or ""
        for entry in record.get("Candidates", []):
            if entry["CandidateStatus"] != "Completed" or "ObjectiveValue" not in entry:
                continue
            if best is None or cand.better(metric, entry["ObjectiveValue"], best["ObjectiveValue"]):
                best = entry
        return best

    def render_candidate(self, record: Record, entry: dict[str, Any]) -> dict[str, Any]:
        rendered = {k: copy.deepcopy(v) for k, v in entry.items() if k not in INTERNAL_CANDIDATE_KEYS}
        problem = record["ProblemTypeConfigName"]
        if record["ApiVersion"] == "v2":
            definitions = cand.container_definitions(problem, rendered.get("InferenceContainers") or [])
            if definitions:
                rendered["InferenceContainerDefinitions"] = definitions
        if problem == TEXT_GENERATION:
            # Its loss is no AutoMLMetricEnum value: the metrics are in CandidateMetrics only.
            rendered.pop("FinalAutoMLJobObjectiveMetric", None)
        return rendered

    # -- lists -------------------------------------------------------------------------------------
    @staticmethod
    def _page(items: list[Any], body: dict[str, Any], query: dict[str, Any]) -> tuple[list[Any], str | None]:
        return paging.page(
            items,
            body,
            query,
            lambda token: ValidationError(
                f"Invalid NextToken: {token!r}. Pass the NextToken of the previous response, "
                "with the same filters and sort options."
            ),
        )

    def list_candidates(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["AutoMLJobName"])
        entries = list(record.get("Candidates", []))
        if body.get("StatusEquals"):
            entries = [e for e in entries if e["CandidateStatus"] == body["StatusEquals"]]
        if body.get("CandidateNameEquals"):
            entries = [e for e in entries if e["CandidateName"] == body["CandidateNameEquals"]]
        sort_by = body.get("SortBy", "CreationTime")
        descending = body.get("SortOrder", "Ascending") == "Descending"
        if sort_by == "FinalObjectiveMetricValue":
            # Candidates without a value (in progress, failed) come last in either order.
            scored = [e for e in entries if "ObjectiveValue" in e]
            unscored = [e for e in entries if "ObjectiveValue" not in e]
            scored.sort(key=lambda e: e["ObjectiveValue"], reverse=descending)
            entries = scored + unscored
        elif sort_by == "Status":
            entries.sort(key=lambda e: e["CandidateStatus"], reverse=descending)
        else:
            entries.sort(key=lambda e: e["CreationTime"], reverse=descending)
        query = {
            k: body.get(k)
            for k in ("AutoMLJobName", "StatusEquals", "CandidateNameEquals", "SortBy", "SortOrder")
        }
        query["AutoMLJobName"] = record["AutoMLJobName"]
        page, token = self._page(entries, body, query)
        response: dict[str, Any] = {"Candidates": [self.render_candidate(record, e) for e in page]}
        if token:
            response["NextToken"] = token
        return response

    def list_jobs(self, body: dict[str, Any]) -> dict[str, Any]:
        records = self.store.all()
        bounds = paging.time_bounds(
            body,
            lambda field, value: ValidationError(
                f"Invalid {field}: {value!r}. Expected epoch seconds or an ISO-8601 timestamp."
            ),
        )
        records = [r for r in records if paging.within(bounds, r["CreationTime"], r["LastModifiedTime"])]
        if body.get("NameContains"):
            needle = body["NameContains"].lower()
            records = [r for r in records if needle in r["AutoMLJobName"].lower()]
        if body.get("StatusEquals"):
            records = [r for r in records if r["AutoMLJobStatus"] == body["StatusEquals"]]
        paging.sort_items(
            records,
            body,
            body.get("SortBy", "Name"),
            name=lambda r: r["AutoMLJobName"],
            status=lambda r: r["AutoMLJobStatus"],
            created=lambda r: r["CreationTime"],
        )
        query = {k: body.get(k) for k in paging.QUERY_KEYS}
        page, token = self._page(records, body, query)
        summaries = []
        for record in page:
            summary = {
                k: record[k]
                for k in (
                    "AutoMLJobName",
                    "AutoMLJobArn",
                    "AutoMLJobStatus",
                    "AutoMLJobSecondaryStatus",
                    "CreationTime",
                    "LastModifiedTime",
                )
            }
            for key in ("EndTime", "FailureReason", "PartialFailureReasons"):
                if record.get(key) not in (None, []):
                    summary[key] = record[key]
            summaries.append(summary)
        response: dict[str, Any] = {"AutoMLJobSummaries": summaries}
        if token:
            response["NextToken"] = token
        return response

    # -- stop --------------------------------------------------------------------------------------
    def stop(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self._record(body["AutoMLJobName"])
        name = record["AutoMLJobName"]
        status = record["AutoMLJobStatus"]
        if status == "Stopping":
            return {}
        if status != "InProgress":
            raise ValidationError(
                f"AutoML job {name!r} is in status {status!r}; only InProgress jobs can be stopped."
            )
        running = self.runner.request_stop(name)

        def change(live: Record) -> None:
            if live["AutoMLJobStatus"] != "InProgress":
                return  # it ended meanwhile
            if running:
                live["AutoMLJobStatus"] = live["AutoMLJobSecondaryStatus"] = "Stopping"
            else:  # still queued: nothing to wind down
                live["AutoMLJobStatus"] = live["AutoMLJobSecondaryStatus"] = "Stopped"
                live["EndTime"] = now()

        self.store.update(name, change)
        return {}


def _text_generation_resolved(record: Record, resolved: dict[str, Any]) -> dict[str, Any]:
    """No objective (fine-tuning minimises the loss), the base model, the documented 72 h default."""
    spec = JobSpec.from_request(record["ApiVersion"], record["Request"])
    criteria = dict(resolved["CompletionCriteria"])
    criteria.setdefault("MaxRuntimePerTrainingJobInSeconds", TEXT_GENERATION_TRAINING_SECONDS)
    return {
        "CompletionCriteria": criteria,
        "AutoMLProblemTypeResolvedAttributes": {
            "TextGenerationResolvedAttributes": {"BaseModelName": spec.base_model}
        },
    }


__all__ = ["AUTOML_ACTIONS", "AutoMLApi"]
