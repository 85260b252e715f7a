"""The event trigger for AssetWatcher: filtering, riding on the watcher, throttling, restarts.

On virtual time against the fake SageMaker of ``fake_sagemaker.py``. Restarts run the trigger as
the Airflow 3.3 triggerer does (shared stream, ack mode; ``ended_harness.Triggerer``), with the
mark in a fake asset state store that outlives the "process".
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from typing import Any

import pytest

from airflow_provider_automl.compat import AIRFLOW_V_3_0_PLUS

if not AIRFLOW_V_3_0_PLUS:
    pytest.skip("BaseEventTrigger and AssetWatcher need Airflow 3", allow_module_level=True)

from airflow_provider_automl.exceptions import AutoMLError, AutoMLValidationError
from airflow_provider_automl.triggers import ended as ended_module
from airflow_provider_automl.triggers import watcher as watcher_module
from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger
from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger
from airflow_provider_automl.triggers.mark import Mark
from tests.unit.conftest import REGION, LogCapture
from tests.unit.triggers.ended_harness import (
    FakeAccessor,
    FakeAccessors,
    Fired,
    Triggerer,
    collect_run,
    ended,
    new_process,
)
from tests.unit.triggers.fake_sagemaker import (
    POLL,
    START,
    FakeSageMaker,
    VirtualClock,
    _ts,
    client_error,
    fake_for,
)

needs_ack_mode = pytest.mark.skipif(
    importlib.util.find_spec("airflow.triggers.shared_stream") is None,
    reason="shared streams (ack mode) and the asset state store are Airflow >= 3.3",
)


def names(fired: list[Fired]) -> list[str]:
    return [f.name for f in fired]


def described(fake: FakeSageMaker) -> list[str]:
    return [p["AutoMLJobName"] for _, op, p in fake.calls if op == "DescribeAutoMLJobV2"]


def churn_1_completes(fake: FakeSageMaker) -> None:
    """One job, churn-1, that completes half a round after the watch starts."""
    fake.job("churn-1")
    fake.change("churn-1", "Completed", "Completed", at=START + 0.5 * POLL)


async def restarted(
    clock: VirtualClock, store: FakeAccessor, stored: list[Fired] | None = None
) -> list[Fired]:
    """A new triggerer process (``stored``: what Airflow holds already) runs the churn- watch for two
    rounds on the same asset state store; what it stored."""
    new_process()
    triggerer = Triggerer(clock, stored=stored or [])
    triggerer.start(ended(name_prefix="churn-", store=store))
    await clock.sleep(2 * POLL)
    await triggerer.kill()
    return triggerer.stored


# -- construction --------------------------------------------------------------------------------


def test_serialize_round_trip_rebuilds_the_same_trigger() -> None:
    trigger = ended(
        name_prefix="churn-",
        created_after="2026-01-01T00:00:00+00:00",
        statuses=["Completed", "Failed"],
        problem_types="Tabular",
        poll_interval=30,
    )
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)

    assert classpath == "airflow_provider_automl.triggers.ended.SageMakerAutoMLJobEndedTrigger"
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs["statuses"] == ["Completed", "Failed"]
    assert kwargs["problem_types"] == ["Tabular"]
    assert kwargs["created_after"] == "2026-01-01T00:00:00+00:00"
    # The mark's key ignores how often it polls: a new poll interval keeps the mark.
    assert ended(**{**kwargs, "poll_interval": 5}).state_key == rebuilt.state_key
    assert ended(**{**kwargs, "name_prefix": "other-"}).state_key != rebuilt.state_key


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name_prefix": "churn_"}, "name_prefix"),
        ({"name_contains": "x" * 64}, "name_contains"),
        ({"name_prefix": ""}, "name_prefix"),
        ({"statuses": ["InProgress"]}, "statuses[0]"),
        ({"statuses": []}, "statuses"),
        ({"problem_types": ["Tabular", "Regression"]}, "problem_types[1]"),
        ({"created_after": "2026-01-01T00:00:00"}, "created_after"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"region_name": "Mars"}, "region_name"),
    ],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(AutoMLValidationError) as info:
        ended(**kwargs)
    assert info.value.field == field


def test_building_it_imports_no_aws_sdk() -> None:
    code = (
        "import sys; import airflow.sdk; "
        "from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger as T; "
        "T(name_prefix='churn-', statuses=['Completed', 'Failed'], problem_types=['Tabular'], "
        "created_after='2026-01-01T00:00:00+00:00').serialize(); "
        "print('HEAVY=' + str(sorted(m for m in ('boto3', 'botocore', 'aiobotocore') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY=[]" in out.stdout, out.stdout


# -- filtering -----------------------------------------------------------------------------------


async def test_reports_each_matching_job_once_when_it_ends(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("churn-a", "churn-b", "churn-f", "churn-s", "Other-churn-c"):
        fake.job(name)
    fake.job("churn-ts", problem_type="TimeSeriesForecasting")
    fake.job("churn-done", "Completed", "Completed", at=START - 300)  # ended before the watch began
    fake.change("churn-a", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-b", "InProgress", "ModelTuning", at=START + 0.5 * POLL)
    fake.change("churn-b", "Completed", "Completed", at=START + 2.5 * POLL)
    fake.change("Other-churn-c", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-ts", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-f", "Failed", "Failed", at=START + 1.5 * POLL)
    fake.change("churn-s", "Stopped", "Stopped", at=START + 1.5 * POLL)

    trigger = ended(name_prefix="CHURN-", problem_types=["Tabular"])
    fired = await clock.run(collect_run(clock, trigger, until=START + 5.5 * POLL))

    assert [(f.name, f.status, f.at) for f in fired] == [
        ("churn-a", "success", START + POLL),
        ("churn-b", "success", START + 3 * POLL),
    ]
    # The event carries the XCom record: the best candidate can be registered at once.
    record = fired[0].payload["job"]
    assert record["AutoMLJobStatus"] == "Completed"
    assert record["BestCandidate"]["InferenceContainers"]
    assert record["ProblemTypeConfigName"] == "Tabular"
    # Only jobs that ended and passed the name and status filters were described (the problem
    # type is not in the summaries): nothing for the others, and one call per job.
    assert sorted(described(fake)) == ["churn-a", "churn-b", "churn-ts"]
    assert fake.count("ListAutoMLJobs") == 1 + 5  # the catch-up at start, then one per round


async def test_failed_and_stopped_on_request_and_the_other_filters(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("nightly-churn-1", "nightly-churn-2", "nightly-churn-3", "adhoc-churn-4", "nightly-fraud-5"):
        fake.job(name)
    fake.jobs["nightly-churn-3"].created = START + 10  # created after the cut-off
    fake.change("nightly-churn-1", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("nightly-churn-2", "Failed", "Failed", at=START + 0.5 * POLL)
    fake.change("nightly-churn-3", "Stopped", "Stopped", at=START + 0.5 * POLL)
    fake.change("adhoc-churn-4", "Failed", "Failed", at=START + 0.5 * POLL)
    fake.change("nightly-fraud-5", "Failed", "Failed", at=START + 0.5 * POLL)

    trigger = ended(name_contains="CHURN", statuses=["Failed", "Stopped"], created_after=_ts(START))
    fired = await clock.run(collect_run(clock, trigger, until=START + 3 * POLL))

    assert [(f.name, f.status) for f in fired] == [("nightly-churn-3", "stopped")]
    trigger = ended(name_contains="churn", statuses=["Failed", "Stopped"])
    fired = await clock.run(collect_run(clock, trigger, until=START + 0.5 * POLL + 3 * POLL))
    # A second watch starts from now: the jobs above ended before it.
    assert fired == []


async def test_failed_job_event_carries_the_failure(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("bad-data")
    fake.change("bad-data", "Failed", "Failed", at=START + 0.5 * POLL)

    (fired,) = await clock.run(collect_run(clock, ended(statuses="Failed"), until=START + 2 * POLL))

    assert fired.status == "failed"
    assert "fewer than 500 rows" in fired.payload["message"]
    assert fired.payload["job"]["FailureReason"].startswith("ClientError: The training data")


# -- one watcher for everything ------------------------------------------------------------------


async def test_job_triggers_and_event_triggers_share_one_list_call_per_round(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    for i in range(5):
        fake.job(f"churn-{i}")
        fake.change(f"churn-{i}", "Completed", "Completed", at=START + (1.5 + i) * POLL)
    job_triggers = [
        SageMakerAutoMLJobTrigger(
            job_name=f"churn-{i}", poll_interval=POLL, aws_conn_id=None, region_name=REGION
        )
        for i in range(3)
    ]

    async def main() -> tuple[list[Fired], list[Fired], list[float]]:
        async def wait(trigger: SageMakerAutoMLJobTrigger) -> float:
            async for _ in trigger.run():
                return clock.now
            raise AssertionError("no event")

        waits = asyncio.gather(*(wait(t) for t in job_triggers))
        events = asyncio.gather(
            collect_run(clock, ended(name_prefix="churn-"), until=START + 7.5 * POLL),
            collect_run(
                clock, ended(name_contains="churn", poll_interval=2 * POLL), until=START + 7.5 * POLL
            ),
        )
        (first, second), times = await asyncio.gather(events, waits)
        return first, second, times

    first, second, times = await clock.run(main())

    expected = [f"churn-{i}" for i in range(5)]
    assert names(first) == names(second) == expected
    assert times == [START + 2 * POLL, START + 3 * POLL, START + 4 * POLL]
    # One watcher for the connection: one list call per round (the smallest interval), plus the
    # event triggers' catch-up at start; each job that ended described once for everyone.
    assert fake.count("ListAutoMLJobs") == 1 + 7
    assert sorted(described(fake)) == sorted([*[f"churn-{i}" for i in range(3)], *expected])


# -- throttling ------------------------------------------------------------------------------------


async def test_throttled_list_and_describe_lose_nothing_and_send_nothing_twice(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], logs: LogCapture
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("churn-1", "churn-2"):
        fake.job(name)
    fake.change("churn-1", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-2", "Completed", "Completed", at=START + 1.5 * POLL)
    throttle = client_error("ThrottlingException", "Rate exceeded", "ListAutoMLJobs")
    # The catch-up round lists fine, the next three are throttled, churn-1's describe once.
    original = fake.list_auto_ml_jobs
    calls = 0

    async def throttle_later(**params: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls in (2, 3, 4):
            fake.calls.append((clock.now, "ListAutoMLJobs", dict(params)))
            raise throttle
        return await original(**params)

    fake.list_auto_ml_jobs = throttle_later  # type: ignore[method-assign]
    fake.fail_next("DescribeAutoMLJobV2", client_error("ThrottlingException", "Rate exceeded", "Describe"))

    fired = await clock.run(collect_run(clock, ended(name_prefix="churn-"), until=START + 20 * POLL))

    # Both ended during the throttled rounds; churn-1's describe was throttled and came a round later.
    assert names(fired) == ["churn-2", "churn-1"]
    assert sorted(described(fake)) == ["churn-1", "churn-1", "churn-2"]  # the throttled one, retried
    windows = [p["LastModifiedTimeAfter"] for p in fake.list_params()]
    # The throttled rounds back off; the window stays at the last good round until one succeeds.
    assert windows[1:5] == [_ts(START - watcher_module.SAFETY_MARGIN)] * 4
    assert "not lost" in logs.text


async def test_listing_denied_fails_the_trigger_with_a_clear_message(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.fail_next("ListAutoMLJobs", client_error("AccessDeniedException", "not authorized", "List"))

    with pytest.raises(AutoMLError, match="ListAutoMLJobs is not usable"):
        await clock.run(collect_run(clock, ended(), until=START + 2 * POLL))


# -- restarts (Airflow >= 3.3: ack mode, mark in the asset state store) -----------------------


def assets_with_mark(accessor: FakeAccessor, trigger: SageMakerAutoMLJobEndedTrigger) -> Mark | None:
    return Mark.from_value(accessor.values.get(trigger.state_key))


@needs_ack_mode
async def test_restart_neither_loses_a_job_that_ended_while_down_nor_repeats_one(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("churn-a1", "churn-a2", "churn-b1", "churn-b2", "churn-c1"):
        fake.job(name)
    fake.change("churn-a1", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-a2", "Completed", "Completed", at=START + 0.5 * POLL)
    fake.change("churn-b1", "Completed", "Completed", at=START + 2.2 * POLL)  # while down
    # Ended while down, but listed only later (listing lag): the margin still covers it.
    fake.change("churn-b2", "Completed", "Completed", at=START + 2.4 * POLL, visible_at=START + 3.2 * POLL)
    fake.change("churn-c1", "Completed", "Completed", at=START + 4.5 * POLL)
    store = FakeAccessor()

    async def main() -> Triggerer:
        first = Triggerer(clock)
        trigger = ended(name_prefix="churn-", store=store)
        first.start(trigger)
        await clock.sleep(1.5 * POLL)
        await first.kill()
        await clock.sleep(1.6 * POLL)  # down for more than a round
        new_process()
        second = Triggerer(clock, stored=list(first.stored))
        rebuilt = ended(store=store, **trigger.serialize()[1])
        second.start(rebuilt)
        await clock.sleep(3 * POLL)
        await second.kill()
        return second

    triggerer = await clock.run(main())

    assert sorted(names(triggerer.stored)) == ["churn-a1", "churn-a2", "churn-b1", "churn-b2", "churn-c1"]
    # The restarted trigger caught up at once, from the stored mark (less the margin).
    restart = START + 3.1 * POLL
    after_restart = [p for t, op, p in fake.calls if op == "ListAutoMLJobs" and t >= restart]
    mark_before = START + POLL - watcher_module.SAFETY_MARGIN  # its first round's start, less the margin
    assert after_restart[0]["LastModifiedTimeAfter"] <= _ts(mark_before)
    stored_at = {f.name: f.at for f in triggerer.stored}
    assert stored_at["churn-b1"] == restart
    assert stored_at["churn-b2"] == restart + POLL  # visible after the catch-up round
    mark = assets_with_mark(store, rebuilt_trigger := ended(name_prefix="churn-"))
    assert mark is not None and "churn-c1" in mark.reported
    assert rebuilt_trigger.state_key.startswith("sagemaker-automl-ended/")


@needs_ack_mode
async def test_events_lost_with_the_triggerer_are_sent_again(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    churn_1_completes(fake_for(fakes, clock))
    store = FakeAccessor()

    async def main() -> list[Fired]:
        first = Triggerer(clock, auto_store=False)
        trigger = ended(name_prefix="churn-", store=store)
        first.start(trigger)
        await clock.sleep(1.5 * POLL)
        assert names([f for _, fired in first.in_flight for f in fired]) == ["churn-1"]
        await first.kill()  # before the supervisor stored it: the event is gone
        return await restarted(clock, store)

    stored = await clock.run(main())

    assert names(stored) == ["churn-1"]  # not lost: the mark never passed it


@needs_ack_mode
async def test_mark_is_written_only_after_the_event_is_stored(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    churn_1_completes(fake_for(fakes, clock))
    store = FakeAccessor()
    seen: list[tuple[str, bool]] = []

    async def main() -> None:
        triggerer = Triggerer(clock, auto_store=False)
        trigger = ended(name_prefix="churn-", store=store)
        triggerer.start(trigger)
        await clock.sleep(1.5 * POLL)
        mark = Mark.from_value(store.values[trigger.state_key])
        seen.append(("handed to the triggerer", mark is not None and "churn-1" in mark.reported))
        triggerer.store()
        for _ in range(50):
            await asyncio.sleep(0)
        mark = Mark.from_value(store.values[trigger.state_key])
        seen.append(("stored", mark is not None and "churn-1" in mark.reported))
        await triggerer.kill()

    await clock.run(main())

    assert seen == [("handed to the triggerer", False), ("stored", True)]


@needs_ack_mode
async def test_the_one_window_a_restart_repeats_an_event(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    """Killed after Airflow stored the event but before the confirmation moved the mark (about one
    triggerer sync): the restart reports that job again. Documented in docs/event-driven.md."""
    churn_1_completes(fake_for(fakes, clock))
    store = FakeAccessor()

    async def main() -> list[Fired]:
        first = Triggerer(clock, auto_store=False)
        trigger = ended(name_prefix="churn-", store=store)
        first.start(trigger)
        await clock.sleep(1.5 * POLL)
        first.stored.extend(f for _, fired in first.in_flight for f in fired)  # stored, never confirmed
        await first.kill()
        return await restarted(clock, store, stored=list(first.stored))

    stored = await clock.run(main())

    assert names(stored) == ["churn-1", "churn-1"]


@needs_ack_mode
async def test_quiet_watch_moves_its_mark_so_a_restart_lists_little(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake_for(fakes, clock)
    store = FakeAccessor()

    async def main() -> str:
        triggerer = Triggerer(clock)
        trigger = ended(name_prefix="churn-", store=store)
        triggerer.start(trigger)
        await clock.sleep(ended_module.SAVE_EVERY * 3 + POLL)
        await triggerer.kill()
        return trigger.state_key

    key = await clock.run(main())

    mark = Mark.from_value(store.values[key])
    assert mark is not None
    assert mark.since >= START + 2 * ended_module.SAVE_EVERY
    assert store.writes <= 1 + 3  # the first mark, then at most one write per SAVE_EVERY


@needs_ack_mode
async def test_a_trigger_feeding_two_assets_keeps_the_mark_in_both(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    churn_1_completes(fake_for(fakes, clock))
    one, other = FakeAccessor(), FakeAccessor()

    async def main() -> str:
        triggerer = Triggerer(clock)
        trigger = ended(name_prefix="churn-", store=FakeAccessors(one=one, other=other))
        triggerer.start(trigger)
        await clock.sleep(2 * POLL)
        await triggerer.kill()
        return trigger.state_key

    key = await clock.run(main())

    assert one.values[key] == other.values[key]
    assert "churn-1" in one.values[key]["reported"]


def test_without_a_state_store_the_triggerer_runs_it_standalone() -> None:
    trigger = ended(name_prefix="churn-")
    assert trigger.shared_stream_key() is None  # Airflow < 3.3, or not watched: run()
    trigger.asset_state_store = FakeAccessor()
    assert trigger.shared_stream_key() == ("sagemaker-automl-ended", trigger.state_key)


@pytest.mark.parametrize("per_job", [False, True])
async def test_jobs_a_round_finds_share_one_event_unless_asked_otherwise(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], per_job: bool
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("churn-1", "churn-2", "churn-3"):
        fake.job(name)
    fake.change("churn-1", "Completed", "Completed", at=START + 0.3 * POLL)
    fake.change("churn-2", "Failed", "Failed", at=START + 0.6 * POLL)
    fake.change("churn-3", "Completed", "Completed", at=START + 1.5 * POLL)

    trigger = ended(name_prefix="churn-", statuses=["Completed", "Failed"], one_event_per_job=per_job)
    fired = await clock.run(collect_run(clock, trigger, until=START + 3 * POLL))

    assert sorted((f.name, f.status, f.at) for f in fired) == [
        ("churn-1", "success", START + POLL),
        ("churn-2", "failed", START + POLL),
        ("churn-3", "success", START + 2 * POLL),
    ]
    events = [f.event for f in sorted(fired, key=lambda f: f.name)]
    # Airflow can strand an event stored while it creates a run for the one before: jobs that end
    # together go out together by default.
    assert events == ([1, 2, 3] if per_job else [1, 1, 2])


@needs_ack_mode
async def test_the_producer_keeps_the_mark_in_the_registered_triggers_state_store() -> None:
    from airflow_provider_automl.triggers.mark import AssetMarkStore, MemoryMarkStore

    trigger = ended(name_prefix="producer-")  # a key no other test registers
    _, kwargs = trigger.serialize()
    assert isinstance(
        SageMakerAutoMLJobEndedTrigger.create_shared_stream_producer(kwargs).watch.store, MemoryMarkStore
    )
    trigger.asset_state_store = FakeAccessor()
    trigger.shared_stream_key()  # what the triggerer calls first
    producer = SageMakerAutoMLJobEndedTrigger.create_shared_stream_producer(kwargs)
    assert isinstance(producer.watch.store, AssetMarkStore)
    await trigger.cleanup()
    assert isinstance(
        SageMakerAutoMLJobEndedTrigger.create_shared_stream_producer(kwargs).watch.store, MemoryMarkStore
    )
