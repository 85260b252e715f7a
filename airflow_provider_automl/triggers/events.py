"""What an AutoML trigger fires, and what the task makes of it on resume.

Pure Python (no AWS SDK): the triggers build events with :func:`job_event`, the create operator
and the sensor read them with :func:`job_from_event`, and a DAG scheduled on an asset that the
event trigger feeds reads the job records with :func:`ended_jobs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from airflow_provider_automl.exceptions import (
    AutoMLError,
    AutoMLJobFailedError,
    AutoMLWaitTimeoutError,
)

if TYPE_CHECKING:
    from airflow_provider_automl.jobs import AutoMLJob


class EventStatus(str, Enum):
    """``status`` of an event payload."""

    SUCCESS = "success"  # Completed; also Stopped with accept_stopped
    FAILED = "failed"
    STOPPED = "stopped"
    TIMEOUT = "timeout"  # the deadline passed; the job keeps running
    ERROR = "error"  # job not found, or a non-transient API error


def job_event(status: EventStatus, job_name: str, message: str, job: AutoMLJob | None) -> dict[str, Any]:
    """The payload ``{"status", "job_name", "message", "job"}``; ``job`` is the JSON-safe record or None."""
    return {
        "status": status.value,
        "job_name": job_name,
        "message": message,
        "job": job.to_record() if job is not None else None,
    }


def job_from_event(event: Mapping[str, Any] | None) -> AutoMLJob:
    """The job record carried by a success event; for any other event raise its typed error.

    :raises AutoMLJobFailedError: the job ended Failed or Stopped (``.job`` is its view).
    :raises AutoMLWaitTimeoutError: the deadline passed first.
    :raises AutoMLError: the job does not exist, an API error ended the wait, or the event is
        not one of ours.
    """
    from airflow_provider_automl.jobs import AutoMLJob

    if not isinstance(event, Mapping) or "status" not in event:
        raise AutoMLError(f"AutoML trigger sent an unexpected event: {event!r}")
    record = event.get("job")
    job = AutoMLJob.from_record(record) if isinstance(record, Mapping) else None
    status = event["status"]
    job_name = str(event.get("job_name"))
    message = str(event.get("message") or f"AutoML job {job_name} wait ended: {status}")
    if status == EventStatus.SUCCESS and job is not None:
        return job
    if status in (EventStatus.FAILED, EventStatus.STOPPED) and job is not None:
        raise AutoMLJobFailedError(job)
    if status == EventStatus.TIMEOUT:
        raise AutoMLWaitTimeoutError(job_name, message, job=job)
    raise AutoMLError(message)


def ended_jobs(asset_events: Iterable[Any]) -> list[dict[str, Any]]:
    """The job records (XCom contract) carried by asset events of the AutoML event trigger.

    ``asset_events`` is ``triggering_asset_events[asset]`` (objects with ``extra``) or their
    ``extra`` dicts. One record per job, in event order; events from other sources are skipped.
    An event carries the jobs one round found (or one job), and Airflow may start one DAG run for
    several events that arrived together: a run handles a list.
    """
    records: dict[str, dict[str, Any]] = {}
    for event in asset_events:
        extra = event if isinstance(event, Mapping) else getattr(event, "extra", None)
        payload = extra.get("payload") if isinstance(extra, Mapping) else None
        if not isinstance(payload, Mapping):
            continue
        jobs = payload.get("jobs")
        entries: list[Any] = jobs if isinstance(jobs, list) else [payload]
        for entry in entries:
            job = entry.get("job") if isinstance(entry, Mapping) else None
            if isinstance(job, Mapping) and "AutoMLJobName" in job:
                records.setdefault(str(job["AutoMLJobName"]).lower(), dict(job))
    return list(records.values())
