"""A job's timeline: its phases, candidates and status changes, placed in time.

SageMaker keeps no history of a job's secondary statuses, only the current one. The phases are
therefore derived from the times it does keep: the job's creation and end, and each
candidate's creation and end (analysis runs until the first candidate starts; training until
the last one ends; reports until the job ends).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from airflow_provider_automl.jobs import AutoMLJob, Candidate

# (key, label, the secondary statuses the phase covers), in the order a job goes through them.
PHASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("analysis", "Analyzing data", ("Starting", "AnalyzingData", "FeatureEngineering")),
    ("training", "Training candidates", ("ModelTuning", "TrainingModels")),
    (
        "reports",
        "Explainability and insights",
        (
            "GeneratingExplainabilityReport",
            "GeneratingModelInsightsReport",
            "ExplainabilityError",
            "ModelInsightsError",
            "DeployingModel",
            "ModelDeploymentError",
        ),
    ),
)


def phase_of(secondary_status: str | None) -> str | None:
    """The phase key a secondary status belongs to; None for end states (Completed, Failed, ...)."""
    for key, _, statuses in PHASES:
        if secondary_status in statuses:
            return key
    return None


def _offset(origin: dt.datetime, moment: dt.datetime) -> float:
    return round((moment - origin).total_seconds(), 3)


def _span(origin: dt.datetime, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    end = max(start, end)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "offset": _offset(origin, start),
        "duration": _offset(start, end),
    }


def timeline(
    job: AutoMLJob,
    candidates: Sequence[Candidate],
    *,
    now: dt.datetime,
    task: tuple[str, dt.datetime | None, dt.datetime | None] | None = None,
) -> dict[str, Any]:
    """The timeline of ``job``: phases, candidate spans, events; offsets in seconds from creation.

    A running job's open spans end at ``now``. ``task`` is an Airflow task shown alongside, as
    ``(label, start, end)``.
    """
    origin = job.creation_time
    current = None if job.is_terminal else phase_of(job.secondary_status)
    result: dict[str, Any] = {
        "start": origin.isoformat() if origin else None,
        "end": job.end_time.isoformat() if job.end_time else None,
        "status": job.status.value,
        "secondary_status": job.secondary_status,
        "current_phase": current,
        "phases": [],
        "candidates": [],
        "events": [],
        "task": None,
    }
    if origin is None:
        return result
    horizon = job.end_time if job.is_terminal and job.end_time else now
    starts = [c.creation_time for c in candidates if c.creation_time]
    ends = [c.end_time for c in candidates if c.end_time]
    first_start = min(starts) if starts else None
    last_end = max(ends) if ends else None
    running = any(c.end_time is None and c.creation_time for c in candidates)

    bounds: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    bounds["analysis"] = (origin, first_start or horizon)
    if first_start is not None:
        training_done = last_end is not None and not running and current != "training"
        bounds["training"] = (first_start, last_end if training_done and last_end else horizon)
        reports_reached = current == "reports" or job.is_success
        if training_done and reports_reached and last_end is not None and horizon > last_end:
            bounds["reports"] = (last_end, horizon)
    for key, label, statuses in PHASES:
        if key in bounds:
            start, end = bounds[key]
            result["phases"].append(
                {
                    "key": key,
                    "label": label,
                    "statuses": list(statuses),
                    "current": key == current,
                    **_span(origin, start, end),
                }
            )

    for candidate in sorted(candidates, key=lambda c: (c.creation_time or horizon, c.name)):
        if candidate.creation_time is None:
            continue
        result["candidates"].append(
            {
                "name": candidate.name,
                "status": candidate.status,
                "open": candidate.end_time is None,
                **_span(origin, candidate.creation_time, candidate.end_time or horizon),
            }
        )

    events = [_event(origin, origin, "Created", "InProgress", "Starting")]
    if job.is_terminal and job.end_time:
        events.append(_event(origin, job.end_time, "Ended", job.status.value, job.secondary_status))
    elif job.last_modified_time:
        events.append(
            _event(origin, job.last_modified_time, "Last change", job.status.value, job.secondary_status)
        )
    result["events"] = events

    if task is not None:
        label, task_start, task_end = task
        if task_start is not None:
            result["task"] = {
                "label": label,
                "open": task_end is None,
                **_span(origin, task_start, task_end or now),
            }
    return result


def _event(
    origin: dt.datetime, moment: dt.datetime, label: str, status: str, secondary_status: str
) -> dict[str, Any]:
    return {
        "label": label,
        "time": moment.isoformat(),
        "offset": _offset(origin, moment),
        "status": status,
        "secondary_status": secondary_status,
    }
