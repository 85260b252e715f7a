"""The coalescing watcher behind SageMakerAutoMLJobTrigger(coalesce=True).

Triggers run as the triggerer runs them, against the fake SageMaker of
``tests/unit/triggers/fake_sagemaker.py`` on virtual time.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from airflow_provider_automl.exceptions import AutoMLJobNotFoundError
from airflow_provider_automl.triggers import watcher as watcher_module
from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger
from tests.unit.conftest import REGION, LogCapture
from tests.unit.triggers.fake_sagemaker import (
    POLL,
    START,
    FakeSageMaker,
    VirtualClock,
    _ts,
    client_error,
    fake_for,
)

T = TypeVar("T")


def trigger(name: str, **kwargs: Any) -> SageMakerAutoMLJobTrigger:
    return SageMakerAutoMLJobTrigger(
        **{"job_name": name, "poll_interval": POLL, "aws_conn_id": None, "region_name": REGION, **kwargs}
    )


@dataclass
class Fired:
    payload: dict[str, Any]
    at: float


async def run_all(clock: VirtualClock, triggers: Iterable[SageMakerAutoMLJobTrigger]) -> list[Fired]:
    async def one(t: SageMakerAutoMLJobTrigger) -> Fired:
        events = [Fired(e.payload, clock.now) async for e in t.run()]
        assert len(events) == 1, events
        return events[0]

    async def main() -> list[Fired]:
        return list(await asyncio.gather(*(one(t) for t in triggers)))

    return await clock.run(main())


async def in_loop(clock: VirtualClock, fn: Callable[[], Awaitable[T]]) -> T:
    return await clock.run(fn())


# -- one call per round --------------------------------------------------------------------------


async def test_a_round_costs_one_list_call_and_wakes_only_changed_jobs(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], logs: LogCapture
) -> None:
    fake = fake_for(fakes, clock)
    names = [f"job-{i:02d}" for i in range(30)]
    for name in names:
        fake.job(name)
    fake.job("someone-elses-job")
    # job-00 moves on after 2.5 rounds and ends after 4.5; the others end at 10.5 rounds.
    fake.change("job-00", "InProgress", "FeatureEngineering", at=START + 2.5 * POLL)
    fake.change("job-00", "Completed", "Completed", at=START + 4.5 * POLL)
    for name in names[1:]:
        fake.change(name, "Completed", "Completed", at=START + 10.5 * POLL)
    fake.change("someone-elses-job", "InProgress", "ModelTuning", at=START + 1.5 * POLL)

    fired = await run_all(clock, [trigger(name) for name in names])

    assert [f.payload["status"] for f in fired] == ["success"] * 30
    # The event carries the full record (BestCandidate is only in DescribeAutoMLJobV2).
    assert all(f.payload["job"]["BestCandidate"]["CandidateName"] == "cand-1" for f in fired)
    # Noticed at the first round after the change: within one interval.
    assert fired[0].at == START + 5 * POLL
    assert {f.at for f in fired[1:]} == {START + 11 * POLL}
    # 30 first describes, 11 rounds of one list call each (< 100 changes a round), 30 terminal describes.
    assert fake.count("DescribeAutoMLJobV2") == 30 + 30
    assert fake.count("ListAutoMLJobs") == 11
    # Secondary-status transitions come from the summaries, once each.
    transitions = [m for m in logs.messages if m.startswith("AutoML job job-00: ")]
    assert [m.split(" (")[0] for m in transitions] == [
        "AutoML job job-00: InProgress / AnalyzingData",
        "AutoML job job-00: InProgress / FeatureEngineering",
        "AutoML job job-00: Completed / Completed",
    ]


async def test_calls_per_round_stay_within_the_bound(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    names = [f"job-{i:03d}" for i in range(120)]
    for name in names:
        fake.job(name)
    for i, name in enumerate(names):
        fake.change(name, "InProgress", "TrainingModels", at=START + (1 + i % 3) * POLL - 1)
        fake.change(name, "Completed", "Completed", at=START + (4 + i % 5) * POLL - 1)
    rounds: list[tuple[int, int, int]] = []
    original = watcher_module.AutoMLJobWatcher.run_round

    async def recording_round(self: watcher_module.AutoMLJobWatcher) -> None:
        await original(self)
        stats = self.stats
        rounds.append((stats.last_round_calls, stats.last_round_changed, stats.last_round_terminal))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(watcher_module.AutoMLJobWatcher, "run_round", recording_round)
        fired = await run_all(clock, [trigger(name) for name in names])

    assert [f.payload["status"] for f in fired] == ["success"] * 120
    assert rounds
    for calls, changed, terminal in rounds:
        assert calls <= watcher_module.calls_per_round_bound(changed, terminal)
    assert sum(r[2] for r in rounds) == 120  # one describe per job that ended, no more


# -- round boundaries, pagination, throttling --------------------------------------------------


async def test_change_in_the_same_second_as_a_round_boundary_is_not_missed(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No safety margin: the window alone (start of the last round, whole seconds) must cover it.
    monkeypatch.setattr(watcher_module, "SAFETY_MARGIN", 0.0)
    fake = fake_for(fakes, clock)
    fake.job("edge")
    first_round = START + POLL
    # Changed 0.4 s after the first round's ListAutoMLJobs, in the same second.
    fake.change("edge", "Completed", "Completed", at=first_round + 0.4)

    (fired,) = await run_all(clock, [trigger("edge", poll_interval=POLL)])

    assert fired.payload["status"] == "success"
    assert fired.at == first_round + POLL
    first, second = fake.list_params()
    assert first["LastModifiedTimeAfter"] == _ts(START)
    assert second["LastModifiedTimeAfter"] == _ts(first_round)


async def test_safety_margin_covers_a_change_listed_late(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("lagging")
    first_round = START + POLL
    # Modified before the first round but only visible to ListAutoMLJobs after it.
    fake.change("lagging", "Completed", "Completed", at=first_round - 5, visible_at=first_round + 5)

    (fired,) = await run_all(clock, [trigger("lagging")])

    assert fired.payload["status"] == "success"
    assert fired.at == first_round + POLL
    assert fake.list_params()[1]["LastModifiedTimeAfter"] == _ts(first_round - watcher_module.SAFETY_MARGIN)


async def test_pagination_when_more_than_a_page_changed(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    names = [f"paged-{i:03d}" for i in range(250)]
    for name in names:
        fake.job(name)
        fake.change(name, "Completed", "Completed", at=START + POLL / 2)

    fired = await run_all(clock, [trigger(name) for name in names])

    assert [f.payload["status"] for f in fired] == ["success"] * 250
    assert {f.at for f in fired} == {START + POLL}  # all in one round
    pages = fake.list_params()
    assert [p.get("NextToken") for p in pages] == [None, "100", "200"]
    assert all(p["MaxResults"] == 100 for p in pages)
    assert len(pages) == math.ceil(250 / 100)


async def test_throttled_list_backs_off_without_losing_changes(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], logs: LogCapture
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("throttled")
    fake.change("throttled", "InProgress", "ModelTuning", at=START + 0.5 * POLL)
    fake.change("throttled", "Completed", "Completed", at=START + 1.5 * POLL)
    # Round 1 lists fine; rounds 2 and 3 are throttled.
    original = fake.list_auto_ml_jobs
    calls = 0

    async def throttle_later(**params: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls in (2, 3):
            fake.calls.append((clock.now, "ListAutoMLJobs", dict(params)))
            raise client_error("ThrottlingException", "Rate exceeded", "ListAutoMLJobs")
        return await original(**params)

    fake.list_auto_ml_jobs = throttle_later  # type: ignore[method-assign]

    (fired,) = await run_all(clock, [trigger("throttled")])

    assert fired.payload["status"] == "success"
    times = [t for t, op, _ in fake.calls if op == "ListAutoMLJobs"]
    windows = [p["LastModifiedTimeAfter"] for p in fake.list_params()]
    # Backoff (2x then 4x the interval, capped at 4x), then the window reaches back to the last good round.
    assert [b - a for a, b in itertools.pairwise(times)] == [POLL, 2 * POLL, 4 * POLL]
    first_round = START + POLL
    assert windows == [
        _ts(START - watcher_module.SAFETY_MARGIN),
        _ts(first_round - watcher_module.SAFETY_MARGIN),
        _ts(first_round - watcher_module.SAFETY_MARGIN),
        _ts(first_round - watcher_module.SAFETY_MARGIN),
    ]
    warnings = [m for m in logs.messages if "Retrying in" in m]
    assert len(warnings) == 1  # once per streak
    assert "ThrottlingException" in warnings[0] and "not lost" in warnings[0]
    assert "works again after 2 failed round(s)" in logs.text


# -- separate watchers, fallback, lifecycle -------------------------------------------------------


def job_for(conn: str, region: str, index: int) -> str:
    return f"{conn}-{region}-{index}".replace("_", "-")


async def test_mixed_connections_and_regions_keep_separate_watchers(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    settings = [("aws_a", "us-east-1"), ("aws_a", "eu-west-1"), ("aws_b", "us-east-1")]
    for conn, region in settings:
        fake = fake_for(fakes, clock, conn, region)
        for i in range(3):
            fake.job(job_for(conn, region, i))
            fake.change(job_for(conn, region, i), "Completed", "Completed", at=START + 1.5 * POLL)
    triggers = [
        trigger(job_for(conn, region, i), aws_conn_id=conn, region_name=region)
        for conn, region in settings
        for i in range(3)
    ]
    seen: list[int] = []

    async def main() -> list[Fired]:
        task = asyncio.ensure_future(run_all_inner(clock, triggers))
        await asyncio.sleep(0)
        for _ in range(30):
            await asyncio.sleep(0)
        seen.append(len(watcher_module.watchers()))
        return await task

    fired = await clock.run(main())

    assert [f.payload["status"] for f in fired] == ["success"] * 9
    assert seen == [3]
    for conn, region in settings:
        fake = fake_for(fakes, clock, conn, region)
        # Each watcher lists its own account/region and describes only its own jobs.
        assert fake.count("ListAutoMLJobs") == 2
        described = {p["AutoMLJobName"] for _, op, p in fake.calls if op == "DescribeAutoMLJobV2"}
        assert described == {job_for(conn, region, i) for i in range(3)}


async def run_all_inner(clock: VirtualClock, triggers: list[SageMakerAutoMLJobTrigger]) -> list[Fired]:
    async def one(t: SageMakerAutoMLJobTrigger) -> Fired:
        (event,) = [e async for e in t.run()]
        return Fired(event.payload, clock.now)

    return list(await asyncio.gather(*(one(t) for t in triggers)))


async def test_access_denied_on_list_falls_back_to_per_job_describe_logged_once(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker], logs: LogCapture
) -> None:
    fake = fake_for(fakes, clock)
    for name in ("denied-1", "denied-2", "late"):
        fake.job(name)
        fake.change(name, "Completed", "Completed", at=START + 2.5 * POLL)
    fake.fail_next(
        "ListAutoMLJobs", client_error("AccessDeniedException", "not authorized: ListAutoMLJobs", "List")
    )

    async def main() -> list[Fired]:
        first = asyncio.ensure_future(run_all_inner(clock, [trigger("denied-1"), trigger("denied-2")]))
        await clock.sleep(1.5 * POLL)  # after the denied round
        late = await run_all_inner(clock, [trigger("late")])
        return [*await first, *late]

    fired = await clock.run(main())

    assert [f.payload["status"] for f in fired] == ["success"] * 3
    assert fake.count("ListAutoMLJobs") == 1  # never tried again, not even for the late trigger
    # Per job from the fallback on: first describe, then one per interval until Completed.
    assert fired[0].at == fired[1].at == START + 3 * POLL
    warnings = [m for m in logs.messages if m.startswith("ListAutoMLJobs is not usable")]
    assert len(warnings) == 1
    assert "AccessDeniedException" in warnings[0] and "falling back" in warnings[0]


async def test_cancelled_and_rebuilt_trigger_leaves_the_watcher_consistent(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("rebuilt")
    fake.change("rebuilt", "InProgress", "ModelTuning", at=START + 1.5 * POLL)
    fake.change("rebuilt", "Completed", "Completed", at=START + 3.5 * POLL)
    original = trigger("rebuilt", last_secondary_status="AnalyzingData")
    counts: list[int] = []

    async def main() -> Fired:
        task = asyncio.ensure_future(run_all_inner(clock, [original]))
        await clock.sleep(2 * POLL)
        (watcher,) = watcher_module.watchers()
        counts.append(watcher.subscription_count)
        task.cancel()  # the triggerer cancels it (task moved to another triggerer, or restarted)
        with pytest.raises(asyncio.CancelledError):
            await task
        counts.append(watcher.subscription_count)
        classpath, kwargs = original.serialize()
        module, _, name = classpath.rpartition(".")
        rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
        (fired,) = await run_all_inner(clock, [rebuilt])
        counts.append(watcher.subscription_count)
        return fired

    fired = await clock.run(main())

    assert counts == [1, 0, 0]
    assert fired.payload["status"] == "success"
    # Each registration described the job once: the rebuilt trigger may have missed changes.
    assert fake.count("DescribeAutoMLJobV2") == 2 + 1


async def test_two_triggers_on_one_job_share_its_describes(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("Shared-Job")
    fake.change("Shared-Job", "Failed", "Failed", at=START + 0.5 * POLL)

    fired = await run_all(clock, [trigger("Shared-Job"), trigger("shared-job")])

    assert [f.payload["status"] for f in fired] == ["failed", "failed"]
    assert fake.count("DescribeAutoMLJobV2") == 2  # one first look, one for the terminal record


async def test_not_found_on_the_first_describe(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake_for(fakes, clock)
    (fired,) = await run_all(clock, [trigger("missing")])
    assert fired.payload["status"] == "error"
    assert fired.payload["message"] == str(AutoMLJobNotFoundError("missing"))


async def test_transient_first_describe_is_retried_next_round(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("flaky", "Completed", "Completed")
    fake.fail_next(
        "DescribeAutoMLJobV2", client_error("ThrottlingException", "Rate exceeded", "Describe"), times=1
    )
    (fired,) = await run_all(clock, [trigger("flaky")])
    assert fired.payload["status"] == "success"
    assert fired.at == START + POLL


async def test_deadline_gets_a_last_look_of_its_own(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("slow")
    fake.change("slow", "InProgress", "ModelTuning", at=START + 100)

    (fired,) = await run_all(clock, [trigger("slow", deadline=START + 150)])

    assert fired.payload["status"] == "timeout"
    assert fired.at == START + 150
    assert fired.payload["message"].endswith("last status seen: InProgress (ModelTuning)")
    # The record is a full describe (OutputPath is not in the list summary).
    assert fired.payload["job"]["OutputPath"] == "s3://bucket/output/"


async def test_coalesce_false_never_lists(
    clock: VirtualClock, fakes: dict[tuple[Any, ...], FakeSageMaker]
) -> None:
    fake = fake_for(fakes, clock)
    fake.job("solo")
    fake.change("solo", "Completed", "Completed", at=START + 1.5 * POLL)
    (fired,) = await run_all(clock, [trigger("solo", coalesce=False)])
    assert fired.payload["status"] == "success"
    assert fake.count("ListAutoMLJobs") == 0
    assert fake.count("DescribeAutoMLJobV2") == 3
