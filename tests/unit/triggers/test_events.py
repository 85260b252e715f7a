"""Trigger events and what the task makes of them on resume."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_automl.compat import AirflowException
from airflow_provider_automl.exceptions import AutoMLError, AutoMLJobFailedError, AutoMLWaitTimeoutError
from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.triggers.events import EventStatus, job_event, job_from_event
from tests.unit.conftest import make_describe_v2


def _job(status: str) -> AutoMLJob:
    return AutoMLJob.from_describe(make_describe_v2(status=status))


def test_success_returns_the_job() -> None:
    job = _job("Completed")
    assert job_from_event(job_event(EventStatus.SUCCESS, job.name, "done", job)) == job


@pytest.mark.parametrize(
    ("status", "job_status", "error"),
    [
        (EventStatus.FAILED, "Failed", AutoMLJobFailedError),
        (EventStatus.STOPPED, "Stopped", AutoMLJobFailedError),
        (EventStatus.TIMEOUT, "InProgress", AutoMLWaitTimeoutError),
        (EventStatus.ERROR, None, AutoMLError),
    ],
)
def test_every_other_event_raises_its_typed_error(
    status: EventStatus, job_status: str | None, error: type[Exception]
) -> None:
    job = _job(job_status) if job_status else None
    with pytest.raises(error) as raised:
        job_from_event(job_event(status, "my-automl-job", "what happened", job))
    assert isinstance(raised.value, AirflowException)
    if status is EventStatus.TIMEOUT:
        assert isinstance(raised.value, AutoMLWaitTimeoutError) and raised.value.job == job


@pytest.mark.parametrize("event", [None, {}, {"job": None}, "success"])
def test_an_event_that_is_not_ours_is_an_error(event: Any) -> None:
    with pytest.raises(AutoMLError, match="unexpected event"):
        job_from_event(event)


def test_payload_is_json_safe_and_uses_the_documented_statuses() -> None:
    import json

    payload = job_event(EventStatus.SUCCESS, "j", "m", _job("Completed"))
    assert json.loads(json.dumps(payload)) == payload
    assert {s.value for s in EventStatus} == {"success", "failed", "stopped", "timeout", "error"}


def test_ended_jobs_reads_the_records_of_triggering_asset_events() -> None:
    from types import SimpleNamespace

    from airflow_provider_automl.triggers.events import ended_jobs

    def event(name: str) -> SimpleNamespace:
        record = {"AutoMLJobName": name, "AutoMLJobStatus": "Completed"}
        return SimpleNamespace(extra={"from_trigger": True, "payload": {"status": "success", "job": record}})

    events = [event("a"), event("b"), event("A"), SimpleNamespace(extra={"from_rest_api": True})]
    assert [r["AutoMLJobName"] for r in ended_jobs(events)] == ["a", "b"]
    assert ended_jobs([{"payload": {"job": {"AutoMLJobName": "c"}}}]) == [{"AutoMLJobName": "c"}]


def test_ended_jobs_reads_events_carrying_a_round_of_jobs() -> None:
    from airflow_provider_automl.triggers.events import ended_jobs

    def entry(name: str) -> dict[str, Any]:
        return {"status": "success", "job_name": name, "job": {"AutoMLJobName": name}}

    extra = {"from_trigger": True, "payload": {"message": "2 ended", "jobs": [entry("a"), entry("b")]}}
    later = {"payload": {"message": "1 ended", "jobs": [entry("b"), entry("c")]}}
    assert [r["AutoMLJobName"] for r in ended_jobs([extra, later])] == ["a", "b", "c"]
