from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiobotocore.stub import AioStubber
from botocore.exceptions import EndpointConnectionError

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.hooks import clients
from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.triggers import automl as trigger_module
from airflow_provider_automl.triggers import watcher as watcher_module
from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger
from tests.unit.conftest import REGION, T0, LogCapture, make_describe_v2

JOB = "my-automl-job"
POLL = 60.0


class FakeClock:
    """Epoch time that only moves when the trigger sleeps."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks (the watcher) run, as a real sleep would


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(T0.timestamp() + 3600)  # an hour after the canned job's CreationTime
    monkeypatch.setattr(trigger_module, "_sleep", fake.sleep)
    monkeypatch.setattr(trigger_module, "_now", fake.time)
    monkeypatch.setattr(watcher_module, "_sleep", fake.sleep)
    monkeypatch.setattr(watcher_module, "_now", fake.time)
    return fake


@pytest.fixture
async def stubber() -> AsyncIterator[AioStubber]:
    """Stub the shared aiobotocore client the triggers below will get (same cache key)."""
    client = await SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION).get_shared_async_conn()
    with AioStubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()
    await clients.close_all()


def make_trigger(**kwargs: Any) -> SageMakerAutoMLJobTrigger:
    """Per-job polling unless ``coalesce=True`` is passed: most tests here pin the describe loop
    (call by call); the coalesced path is tested in test_watcher.py and by the ``mode`` tests below."""
    return SageMakerAutoMLJobTrigger(
        **{
            "job_name": JOB,
            "poll_interval": POLL,
            "aws_conn_id": None,
            "region_name": REGION,
            "coalesce": False,
            **kwargs,
        }
    )


@pytest.fixture(params=[False, True], ids=["per-job", "coalesced"])
def coalesce(request: pytest.FixtureRequest) -> bool:
    """Both modes: their events must be the same wherever the first describe decides."""
    return bool(request.param)


def queue(stub: AioStubber, *responses: dict[str, Any]) -> None:
    for response in responses:
        stub.add_response("describe_auto_ml_job_v2", response, {"AutoMLJobName": JOB})


async def collect(trigger: SageMakerAutoMLJobTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


def in_progress(secondary: str = "TrainingModels") -> dict[str, Any]:
    return make_describe_v2(status="InProgress", secondary_status=secondary)


# -- serialization -----------------------------------------------------------------------------


def test_serialize_round_trip() -> None:
    kwargs = {
        "job_name": JOB,
        "poll_interval": 30,
        "deadline": 1_900_000_000.5,
        "aws_conn_id": "aws_prod",
        "region_name": "eu-west-1",
        "verify": "/etc/ssl/ca.pem",
        "botocore_config": {"read_timeout": 30, "retries": {"mode": "standard"}},
        "last_secondary_status": "TrainingModels",
        "accept_stopped": True,
        "coalesce": False,
    }
    classpath, serialized = SageMakerAutoMLJobTrigger(**kwargs).serialize()

    assert classpath == "airflow_provider_automl.triggers.automl.SageMakerAutoMLJobTrigger"
    assert serialized == kwargs
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**serialized)
    assert rebuilt.serialize() == (classpath, kwargs)


def test_serialize_defaults() -> None:
    _, serialized = SageMakerAutoMLJobTrigger(job_name=JOB).serialize()
    assert serialized == {
        "job_name": JOB,
        "poll_interval": 60,
        "deadline": None,
        "aws_conn_id": "aws_default",
        "region_name": None,
        "verify": None,
        "botocore_config": None,
        "last_secondary_status": None,
        "accept_stopped": False,
        "coalesce": True,
    }


def test_rebuilds_from_kwargs_serialized_before_the_coalesce_flag() -> None:
    _, serialized = SageMakerAutoMLJobTrigger(job_name=JOB).serialize()
    del serialized["coalesce"]
    assert SageMakerAutoMLJobTrigger(**serialized).coalesce is True


@pytest.mark.parametrize("value", [0, -5, True, "60"])
def test_poll_interval_must_be_positive(value: object) -> None:
    with pytest.raises(
        AutoMLValidationError, match=r"Invalid poll_interval: .*Must be a positive number of seconds\."
    ):
        SageMakerAutoMLJobTrigger(job_name=JOB, poll_interval=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field", "allowed"),
    [
        ({"job_name": "churn_model!"}, "AutoMLJobName", "A job name is 1-32 characters"),
        ({"job_name": None}, "AutoMLJobName", "Expected a string"),
        ({"deadline": "tomorrow"}, "deadline", "epoch seconds"),
        ({"aws_conn_id": ""}, "aws_conn_id", "Empty"),
        ({"region_name": "US East"}, "region_name", "Expected an AWS region"),
        ({"verify": 5}, "verify", "Expected a string"),
        ({"botocore_config": "fast"}, "botocore_config", "Expected a mapping"),
        ({"accept_stopped": "no"}, "accept_stopped", "not templated"),
        ({"coalesce": "False"}, "coalesce", "not templated"),
        ({"last_secondary_status": 3}, "last_secondary_status", "a string or None"),
    ],
)
def test_a_bad_trigger_is_refused_when_constructed(kwargs: dict[str, Any], field: str, allowed: str) -> None:
    # In the task, before defer(): it never reaches the triggerer.
    with pytest.raises(AutoMLValidationError) as err:
        SageMakerAutoMLJobTrigger(**{"job_name": JOB, **kwargs})
    assert err.value.field == field
    assert allowed in err.value.allowed


def test_module_imports_no_aws_sdk() -> None:
    code = (
        "import sys, airflow_provider_automl.triggers.automl; "
        "bad = [m for m in ('boto3', 'botocore', 'aiobotocore') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


# -- terminal events ---------------------------------------------------------------------------


async def test_success_after_polling(stubber: AioStubber, clock: FakeClock) -> None:
    queue(stubber, in_progress("AnalyzingData"), in_progress(), make_describe_v2(status="Completed"))

    events = await collect(make_trigger())

    assert len(events) == 1
    event = events[0]
    assert event["status"] == "success"
    assert event["job_name"] == JOB
    assert (
        event["message"]
        == "AutoML job 'my-automl-job' is Completed (Completed); best candidate 'cand-1' (F1=0.91)"
    )
    assert event["job"] == AutoMLJob.from_describe(make_describe_v2(status="Completed")).to_record()
    assert len(clock.sleeps) == 2
    assert all(POLL * 0.9 <= s <= POLL * 1.1 for s in clock.sleeps)


async def test_already_completed_fires_without_sleeping(
    stubber: AioStubber, clock: FakeClock, coalesce: bool
) -> None:
    queue(stubber, make_describe_v2(status="Completed"))
    events = await collect(make_trigger(coalesce=coalesce))
    assert [e["status"] for e in events] == ["success"]
    assert clock.sleeps == []


async def test_failed(stubber: AioStubber, clock: FakeClock) -> None:
    queue(stubber, in_progress(), make_describe_v2(status="Failed"))

    (event,) = await collect(make_trigger())

    assert event["status"] == "failed"
    assert event["message"] == (
        "AutoML job 'my-automl-job' ended Failed (secondary status Failed): "
        "ClientError: The training data has fewer than 500 rows.; "
        "partial failures: Candidate cand-3 failed: OOM"
    )
    assert event["job"]["FailureReason"] == "ClientError: The training data has fewer than 500 rows."


@pytest.mark.parametrize(("accept_stopped", "status"), [(False, "stopped"), (True, "success")])
async def test_stopped(
    stubber: AioStubber, clock: FakeClock, accept_stopped: bool, status: str, coalesce: bool
) -> None:
    queue(stubber, make_describe_v2(status="Stopped"))

    (event,) = await collect(make_trigger(accept_stopped=accept_stopped, coalesce=coalesce))

    assert event["status"] == status
    assert event["message"].startswith("AutoML job 'my-automl-job' ended Stopped")
    assert event["job"]["AutoMLJobStatus"] == "Stopped"


async def test_timeout_reports_last_status(stubber: AioStubber, clock: FakeClock) -> None:
    deadline = clock.now + 100
    queue(
        stubber, in_progress("AnalyzingData"), in_progress("FeatureEngineering"), in_progress("ModelTuning")
    )

    (event,) = await collect(make_trigger(deadline=deadline))

    assert event["status"] == "timeout"
    assert "did not finish by the deadline" in event["message"]
    assert event["message"].endswith("last status seen: InProgress (ModelTuning)")
    assert event["job"]["AutoMLJobSecondaryStatus"] == "ModelTuning"
    # The second sleep is cut short so the last look happens at the deadline, not after it.
    assert clock.now == deadline
    assert len(clock.sleeps) == 2


async def test_deadline_already_passed_still_looks_once(
    stubber: AioStubber, clock: FakeClock, coalesce: bool
) -> None:
    queue(stubber, make_describe_v2(status="Completed"))
    (event,) = await collect(make_trigger(deadline=clock.now - 10, coalesce=coalesce))
    assert event["status"] == "success"


async def test_not_found_is_an_error_event(stubber: AioStubber, clock: FakeClock, coalesce: bool) -> None:
    stubber.add_client_error("describe_auto_ml_job_v2", "ResourceNotFound", "Could not find job", 400)

    (event,) = await collect(make_trigger(coalesce=coalesce))

    assert event == {
        "status": "error",
        "job_name": JOB,
        "message": "AutoML job 'my-automl-job' does not exist in this account and region.",
        "job": None,
    }


async def test_access_denied_is_an_error_event(stubber: AioStubber, clock: FakeClock, coalesce: bool) -> None:
    stubber.add_client_error("describe_auto_ml_job_v2", "AccessDeniedException", "not allowed", 400)

    (event,) = await collect(make_trigger(coalesce=coalesce))

    assert event["status"] == "error"
    assert "AccessDeniedException" in event["message"] and "not allowed" in event["message"]


# -- transient errors --------------------------------------------------------------------------


async def test_throttling_backs_off_then_succeeds(
    stubber: AioStubber, clock: FakeClock, logs: LogCapture
) -> None:
    stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
    queue(stubber, make_describe_v2(status="Completed"))

    (event,) = await collect(make_trigger())

    assert event["status"] == "success"
    first, second = clock.sleeps
    assert POLL <= first <= 2 * POLL  # longer than a normal poll: we are being throttled
    assert 2 * POLL <= second <= 4 * POLL
    warnings = [m for m in logs.messages if "Transient error describing" in m]
    assert len(warnings) == 1  # once per streak, not once per error
    assert "ThrottlingException" in warnings[0]
    assert "works again after 2 error(s)" in logs.text


async def test_backoff_is_capped(stubber: AioStubber, clock: FakeClock) -> None:
    for _ in range(6):
        stubber.add_client_error("describe_auto_ml_job_v2", "ServiceUnavailable", "down", 503)
    queue(stubber, make_describe_v2(status="Completed"))

    (event,) = await collect(make_trigger())

    assert event["status"] == "success"
    assert max(clock.sleeps) <= 4 * POLL
    assert clock.sleeps[-1] >= 2 * POLL


async def test_network_error_is_retried(stubber: AioStubber, clock: FakeClock) -> None:
    queue(stubber, make_describe_v2(status="Completed"))
    trigger = make_trigger()
    real_poll = trigger._poll_once
    failures = [EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")]

    async def flaky() -> AutoMLJob:
        if failures:
            raise failures.pop()
        return await real_poll()

    trigger._poll_once = flaky  # type: ignore[method-assign]
    (event,) = await collect(trigger)
    assert event["status"] == "success"
    assert len(clock.sleeps) == 1


async def test_transient_errors_until_deadline(stubber: AioStubber, clock: FakeClock) -> None:
    for _ in range(2):
        stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)

    # The first backoff (>= one poll interval) is cut to the deadline: exactly two looks.
    (event,) = await collect(make_trigger(deadline=clock.now + POLL / 2))

    assert event["status"] == "timeout"
    assert event["message"].endswith("no status seen (every describe failed)")
    assert event["job"] is None


async def test_unexpected_exception_propagates(clock: FakeClock) -> None:
    trigger = make_trigger()

    async def broken() -> AutoMLJob:
        raise KeyError("AutoMLJobStatus")

    trigger._poll_once = broken  # type: ignore[method-assign]
    with pytest.raises(KeyError):
        await collect(trigger)


# -- logging -----------------------------------------------------------------------------------


async def test_secondary_status_logged_once_per_transition(
    stubber: AioStubber, clock: FakeClock, logs: LogCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trigger_module._rng, "uniform", lambda low, high: 1.0)  # no jitter
    queue(
        stubber,
        in_progress("Starting"),
        in_progress("Starting"),
        in_progress("AnalyzingData"),
        in_progress("AnalyzingData"),
        in_progress("TrainingModels"),
        make_describe_v2(status="Completed"),
    )

    await collect(make_trigger(last_secondary_status="Starting"))

    transitions = [m for m in logs.messages if m.startswith(f"AutoML job {JOB}: ")]
    assert [m.split(" (")[0] for m in transitions] == [
        f"AutoML job {JOB}: InProgress / AnalyzingData",
        f"AutoML job {JOB}: InProgress / TrainingModels",
        f"AutoML job {JOB}: Completed / Completed",
    ]
    # Elapsed time since the job's CreationTime: the clock starts 1 h after it, two polls earlier.
    assert transitions[0].endswith("(1:02:00 since creation)")


# -- shared clients ----------------------------------------------------------------------------


async def test_many_triggers_share_one_client(stubber: AioStubber, clock: FakeClock) -> None:
    n = 25
    for _ in range(n):
        stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="Completed"))
    triggers = [make_trigger() for _ in range(n)]

    results = await asyncio.gather(*(collect(t) for t in triggers))

    assert [r[0]["status"] for r in results] == ["success"] * n
    assert clients.cached_client_count() == 1
    assert len({id(t.hook) for t in triggers}) == n  # separate hooks, one client
