"""The timeline: phases derived from the job's and candidates' times, open spans ending now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus, Candidate
from airflow_provider_automl.ui.timeline import phase_of, timeline
from tests.unit.conftest import T0

NOW = T0 + dt.timedelta(hours=2)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def job(
    status: str = "Completed", secondary: str = "Completed", end: float | None = 60, **kw: Any
) -> AutoMLJob:
    return AutoMLJob(
        name="job",
        arn="arn:aws:sagemaker:us-east-1:123456789012:automl-job/job",
        status=AutoMLJobStatus(status),
        secondary_status=secondary,
        creation_time=T0,
        end_time=at(end) if end is not None else None,
        last_modified_time=at(end if end is not None else 30),
        **kw,
    )


def cand(name: str, start: float, end: float | None, status: str = "Completed") -> Candidate:
    return Candidate(
        name=name, status=status, creation_time=at(start), end_time=at(end) if end is not None else None
    )


def spans(result: dict[str, Any], key: str) -> list[tuple[Any, ...]]:
    return [(s.get("key") or s.get("name"), s["offset"], s["duration"]) for s in result[key]]


def test_a_completed_job_has_analysis_training_and_report_phases() -> None:
    result = timeline(job(), [cand("b", 20, 35), cand("a", 10, 30)], now=NOW)
    assert spans(result, "phases") == [
        ("analysis", 0.0, 600.0),
        ("training", 600.0, 1500.0),
        ("reports", 2100.0, 1500.0),
    ]
    assert [p["current"] for p in result["phases"]] == [False, False, False]
    assert spans(result, "candidates") == [("a", 600.0, 1200.0), ("b", 1200.0, 900.0)]
    assert [(e["label"], e["offset"], e["secondary_status"]) for e in result["events"]] == [
        ("Created", 0.0, "Starting"),
        ("Ended", 3600.0, "Completed"),
    ]
    assert result["current_phase"] is None


def test_a_running_job_has_its_current_phase_open_until_now() -> None:
    running = job("InProgress", "TrainingModels", end=None)
    result = timeline(running, [cand("a", 10, 30), cand("b", 30, None, "InProgress")], now=at(45))
    assert spans(result, "phases") == [("analysis", 0.0, 600.0), ("training", 600.0, 2100.0)]
    assert result["current_phase"] == "training"
    assert result["phases"][1]["current"] is True
    assert result["candidates"][1]["open"] is True
    assert result["candidates"][1]["duration"] == 15 * 60
    assert result["events"][-1]["label"] == "Last change"


def test_a_job_still_analysing_has_one_open_phase() -> None:
    result = timeline(job("InProgress", "AnalyzingData", end=None), [], now=at(5))
    assert spans(result, "phases") == [("analysis", 0.0, 300.0)]
    assert result["current_phase"] == "analysis"


def test_a_failed_job_has_no_report_phase() -> None:
    result = timeline(job("Failed", "Failed", end=50), [cand("a", 10, 20, "Failed")], now=NOW)
    assert [p["key"] for p in result["phases"]] == ["analysis", "training"]
    assert result["events"][-1]["status"] == "Failed"


def test_the_airflow_task_is_shown_alongside() -> None:
    result = timeline(job(), [], now=NOW, task=("Airflow task create", at(-1), at(61)))
    assert result["task"] == {
        "label": "Airflow task create",
        "open": False,
        "start": at(-1).isoformat(),
        "end": at(61).isoformat(),
        "offset": -60.0,
        "duration": 62 * 60.0,
    }
    assert timeline(job(), [], now=NOW, task=("never ran", None, None))["task"] is None


def test_a_job_without_creation_time_has_an_empty_timeline() -> None:
    empty = AutoMLJob(name="j", arn="a", status=AutoMLJobStatus.IN_PROGRESS, secondary_status="Starting")
    result = timeline(empty, [], now=NOW)
    assert result["phases"] == result["candidates"] == result["events"] == []


def test_phase_of_secondary_statuses() -> None:
    assert phase_of("FeatureEngineering") == "analysis"
    assert phase_of("ModelTuning") == "training"
    assert phase_of("GeneratingModelInsightsReport") == "reports"
    assert phase_of("MaxCandidatesReached") is None
