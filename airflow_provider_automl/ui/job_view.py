"""One job's view as JSON: status, timeline, candidate leaderboard, best candidate, its
artifacts, and the model packages its run registered.

Everything is read through the provider's hooks with the connection arguments the task used
(:mod:`airflow_provider_automl.ui.sources`); nothing of the connection but its id reaches the page.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from airflow_provider_automl.jobs import AutoMLJob, Candidate, json_safe
from airflow_provider_automl.links.automl import SageMakerAutoMLJobLink, console_domain, is_local_endpoint
from airflow_provider_automl.ui.artifacts import artifact_locations, read_location, s3_console_url
from airflow_provider_automl.ui.leaderboard import leaderboard, number
from airflow_provider_automl.ui.timeline import timeline

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook

    from airflow_provider_automl.connection import AwsParams
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
    from airflow_provider_automl.ui.sources import RegisteredPackage, TaskJob

MAX_CANDIDATES = 500
MAX_JOBS = 100


def backend_of(hook: AwsGenericHook[Any]) -> dict[str, Any]:
    """Where the hook's connection points: ``{"kind": "aws" | "local", "region", "aws_domain"}``."""
    local = is_local_endpoint(hook.conn_config.endpoint_url)
    return {
        "kind": "local" if local else "aws",
        "region": hook.conn_region_name,
        "aws_domain": None if local else console_domain(hook.conn_partition),
    }


def _on_aws(backend: dict[str, Any]) -> bool:
    return bool(backend["kind"] == "aws" and backend["aws_domain"] == console_domain("aws"))


def job_summary(job: AutoMLJob, response: dict[str, Any]) -> dict[str, Any]:
    resolved = job.resolved_attributes or {}
    tabular = (resolved.get("AutoMLProblemTypeResolvedAttributes") or {}).get("TabularResolvedAttributes")
    return {
        "name": job.name,
        "arn": job.arn,
        "status": job.status.value,
        "secondary_status": job.secondary_status,
        "terminal": job.is_terminal,
        "problem_type_config": job.problem_type_config_name,
        "problem_type": (tabular or {}).get("ProblemType") or resolved.get("ProblemType"),
        "objective_metric": job.objective_metric,
        "creation_time": _iso(job.creation_time),
        "end_time": _iso(job.end_time),
        "last_modified_time": _iso(job.last_modified_time),
        "failure_reason": job.failure_reason,
        "partial_failure_reasons": job.partial_failure_reasons,
        "output_path": job.output_path,
        "best_candidate": job.best_candidate.name if job.best_candidate else None,
        "job_artifacts": json_safe(response.get("AutoMLJobArtifacts") or {}),
        "endpoint": (response.get("ModelDeployResult") or {}).get("EndpointName"),
    }


def candidate_document(candidate: Candidate, *, backend: dict[str, Any]) -> dict[str, Any]:
    """A candidate's containers and artifact locations (with S3 console links on AWS)."""
    metric = candidate.objective_metric or {}
    locations = artifact_locations(candidate.artifact_locations)
    for location in locations:
        location["console_url"] = s3_console_url(location["uri"]) if _on_aws(backend) else None
    return {
        "name": candidate.name,
        "status": candidate.status,
        "objective": {
            "name": metric.get("MetricName"),
            "type": metric.get("Type"),
            "value": number(metric.get("Value")),
        },
        "containers": [_container(c) for c in candidate.inference_containers],
        "container_definitions": {
            kind: [_container(c) for c in containers]
            for kind, containers in candidate.inference_container_definitions.items()
        },
        "artifacts": locations,
    }


def _container(container: dict[str, Any]) -> dict[str, Any]:
    return {
        "image": container.get("Image"),
        "model_data_url": container.get("ModelDataUrl"),
        "environment": dict(container.get("Environment") or {}),
    }


def job_document(
    hook: SageMakerAutoMLHook,
    job_name: str,
    *,
    now: dt.datetime,
    task: TaskJob | None = None,
) -> dict[str, Any]:
    """The view of ``job_name``: one DescribeAutoMLJobV2 and ListCandidatesForAutoMLJob (all pages)."""
    response = hook.describe_job_response(job_name)
    job = AutoMLJob.from_describe(response)
    candidates = hook.list_candidates(job_name, limit=MAX_CANDIDATES)
    backend = backend_of(hook)
    best = job.best_candidate
    console = None
    if backend["kind"] == "aws":
        console = SageMakerAutoMLJobLink.format_link(
            {"job_name": job.name, "region_name": backend["region"], "aws_domain": backend["aws_domain"]}
        )
    span = (f"Airflow task {task.ref.task_id}", task.start_date, task.end_date) if task else None
    return {
        "job": job_summary(job, response),
        "backend": backend,
        "console_url": console,
        "timeline": timeline(job, candidates, now=now, task=span),
        "leaderboard": leaderboard(
            candidates, best_name=best.name if best else None, objective_name=job.objective_metric
        ),
        "candidate_count": _counts(candidates),
        "best": candidate_document(best, backend=backend) if best else None,
        "model_packages": [],
        "notes": list(task.notes) if task else [],
    }


def _counts(candidates: list[Candidate]) -> dict[str, int]:
    counts: dict[str, int] = {"total": len(candidates)}
    for candidate in candidates:
        status = candidate.status or "Unknown"
        counts[status] = counts.get(status, 0) + 1
    return counts


def artifacts_document(
    hook: SageMakerAutoMLHook, params: AwsParams, job_name: str, *, candidate_name: str | None = None
) -> dict[str, Any]:
    """The artifacts of the best candidate (or ``candidate_name``), read through an S3 hook on the
    same connection arguments."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    if candidate_name:
        found = hook.list_candidates(job_name, candidate_name_equals=candidate_name, limit=1)
        candidate = found[0] if found else None
    else:
        candidate = hook.describe_job(job_name).best_candidate
    if candidate is None:
        return {"candidate": candidate_name, "locations": []}
    backend = backend_of(hook)
    document = candidate_document(candidate, backend=backend)
    s3 = params.build_hook(S3Hook)
    for location in document["artifacts"]:
        location.update(read_location(s3, location["uri"]))
        for entry in location["files"]:
            entry["console_url"] = s3_console_url(entry["uri"]) if _on_aws(backend) else None
    return {"candidate": candidate.name, "locations": document["artifacts"]}


def packages_document(packages: list[RegisteredPackage], *, job_name: str) -> list[dict[str, Any]]:
    """The packages registered from ``job_name``: the register task's rendered ``job_name`` or the
    package's ``AutoMLJobName`` metadata names it. Described through each task's connection."""
    from botocore.exceptions import BotoCoreError, ClientError

    from airflow_provider_automl.hooks.model import SageMakerModelHook

    found = []
    for package in packages:
        entry: dict[str, Any] = {"arn": package.arn, "task": package.ref.to_dict(), "error": None}
        if package.job_name and package.job_name.lower() != job_name.lower():
            continue
        try:
            described = package.params.build_hook(SageMakerModelHook).describe_model_package(package.arn)
        except (ClientError, BotoCoreError) as err:
            if package.job_name is None:
                continue  # cannot tell whether it came from this job
            entry["error"] = str(err)
        else:
            metadata = described.get("CustomerMetadataProperties") or {}
            if (
                package.job_name is None
                and str(metadata.get("AutoMLJobName", "")).lower() != job_name.lower()
            ):
                continue
            entry.update(
                {
                    "group": described.get("ModelPackageGroupName"),
                    "version": described.get("ModelPackageVersion"),
                    "status": described.get("ModelPackageStatus"),
                    "approval_status": described.get("ModelApprovalStatus"),
                    "creation_time": described.get("CreationTime"),
                    "description": described.get("ModelPackageDescription"),
                    "candidate": metadata.get("CandidateName") or package.candidate_name,
                    "objective_name": metadata.get("ObjectiveMetricName"),
                    "objective_value": metadata.get("ObjectiveMetricValue"),
                }
            )
        found.append(entry)
    return found


def jobs_document(hook: SageMakerAutoMLHook, *, limit: int = MAX_JOBS) -> dict[str, Any]:
    """The connection's most recent jobs (ListAutoMLJobs, newest first, at most ``limit``)."""
    request = {"SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": min(limit, 100)}
    jobs: list[dict[str, Any]] = []
    for page in hook.paginate("ListAutoMLJobs", request, {"MaxItems": limit}):
        for summary in json_safe(page.get("AutoMLJobSummaries", [])):
            jobs.append(
                {
                    "name": summary.get("AutoMLJobName"),
                    "status": summary.get("AutoMLJobStatus"),
                    "secondary_status": summary.get("AutoMLJobSecondaryStatus"),
                    "creation_time": summary.get("CreationTime"),
                    "end_time": summary.get("EndTime"),
                    "failure_reason": summary.get("FailureReason"),
                    "task": None,
                }
            )
    return {"backend": backend_of(hook), "jobs": jobs[:limit]}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
