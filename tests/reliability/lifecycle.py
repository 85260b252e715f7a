"""Drive an operator through Airflow's task lifecycle against the fake: tries, deferral, resume.

What Airflow does, reduced to what the operator can observe:
- each try builds a fresh operator and calls ``execute``;
- ``TaskDeferred`` hands the trigger to the triggerer, which rebuilds it from ``serialize()``;
- the trigger's first event resumes the task: a fresh operator's ``execute_complete(event)``;
- a killed try (``TaskKilled``: SIGKILL, OOM, lost worker) is retried from ``execute``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.conftest import FakeTI
from tests.reliability.fake import AsyncFakeClient, FakeSageMaker, TaskKilled, VirtualClock, make_client


class Switchboard:
    """One boto3 client for the whole session; its answers come from the current fake."""

    def __init__(self) -> None:
        self.fake: FakeSageMaker | None = None
        self.client = make_client()
        from botocore.awsrequest import AWSResponse

        from tests.reliability.fake import FakeClientError

        pending: dict[str, Any] = {}

        def capture(params: dict[str, Any], **_: Any) -> None:
            pending["params"] = dict(params)  # the API parameters; before-call sees the HTTP request

        def answer(model: Any, **_: Any) -> tuple[Any, dict[str, Any]]:
            # botocore has validated the parameters against the model by now.
            assert self.fake is not None, "no fake installed"
            try:
                parsed = self.fake.handle(model.name, pending.pop("params"))
                status = 200
            except FakeClientError as err:
                parsed = {"Error": {"Code": err.code, "Message": err.message}}
                status = 400
            parsed["ResponseMetadata"] = {"HTTPStatusCode": status, "RetryAttempts": 0}
            return AWSResponse(None, status, {}, None), parsed

        self.client.meta.events.register("before-parameter-build.sagemaker.*", capture)
        self.client.meta.events.register_first("before-call.sagemaker.*", answer)


def patch_async(monkeypatch: Any, switchboard: Switchboard, clock: VirtualClock) -> None:
    """Point triggers and watchers at the fake and at the virtual clock."""
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

    async def shared_conn(self: Any) -> Any:
        assert switchboard.fake is not None
        return AsyncFakeClient(switchboard.fake)

    monkeypatch.setattr(SageMakerAutoMLHook, "get_shared_async_conn", shared_conn)
    for module in ("airflow_provider_automl.triggers.automl", "airflow_provider_automl.triggers.watcher"):
        monkeypatch.setattr(f"{module}._sleep", clock.sleep)
        monkeypatch.setattr(f"{module}._now", clock.now)
    monkeypatch.setattr("airflow_provider_automl.hooks.automl._sleep", clock.advance)


def rebuild(trigger: Any) -> Any:
    """What the triggerer does: import the classpath, construct from the kwargs."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


@dataclass
class TriggerRun:
    events: list[dict[str, Any]] = field(default_factory=list)
    cancelled: bool = False


async def _drive(trigger: Any, stop_after_calls: int | None, fake: FakeSageMaker) -> TriggerRun:
    """Run the trigger until its first event, or cancel it after ``stop_after_calls`` fake calls."""
    outcome = TriggerRun()
    start = len(fake.calls)

    async def consume() -> None:
        async for event in trigger.run():
            outcome.events.append(event.payload)
            return  # the triggerer stops a trigger after its first event

    task = asyncio.ensure_future(consume())
    while not task.done():
        if stop_after_calls is not None and len(fake.calls) - start >= stop_after_calls:
            task.cancel()
            outcome.cancelled = True
            break
        await asyncio.sleep(0)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # Let the watcher notice it has no subscribers and end, as a triggerer's loop would.
    for _ in range(5):
        await asyncio.sleep(0)
    return outcome


def run_trigger(trigger: Any, fake: FakeSageMaker, *, stop_after_calls: int | None = None) -> TriggerRun:
    return asyncio.run(_drive(trigger, stop_after_calls, fake))


@dataclass
class TaskResult:
    value: Any = None
    error: BaseException | None = None
    tries: int = 0
    kills: list[str] = field(default_factory=list)
    ti: FakeTI | None = None
    deferrals: int = 0
    trigger_restarts: int = 0


class KillPlan:
    """Decides, call by call, whether the task dies here (seeded, so every run can be replayed)."""

    def __init__(
        self, rng: Any, *, probability: float, budget: int, deferred_probability: float = 0.5
    ) -> None:
        self.rng = rng
        self.probability = probability
        self.deferred_probability = deferred_probability
        self.budget = budget
        self.log: list[str] = []

    def roll(self, where: str, probability: float | None = None) -> bool:
        chance = self.probability if probability is None else probability
        if self.budget > 0 and self.rng.random() < chance:
            self.budget -= 1
            self.log.append(where)
            return True
        return False


def run_task(
    make_op: Callable[[], Any],
    ti_ids: dict[str, Any],
    switchboard: Switchboard,
    *,
    kills: KillPlan | None = None,
    max_tries: int = 10,
    on_deferred: Callable[[FakeSageMaker], None] | None = None,
) -> TaskResult:
    """Run one task instance to success or final failure, retrying killed tries."""
    from airflow.providers.common.compat.sdk import TaskDeferred

    fake = switchboard.fake
    assert fake is not None
    result = TaskResult()

    def interceptor(phase: str, operation: str) -> None:
        if kills is not None and kills.roll(f"{phase} {operation}"):
            raise TaskKilled(f"{phase} {operation}")

    for try_number in range(1, max_tries + 1):
        result.tries = try_number
        ti = FakeTI(try_number=try_number, **ti_ids)
        result.ti = ti
        context: dict[str, Any] = {"ti": ti}
        fake.interceptor = interceptor
        try:
            op = make_op()
            op.hook.__dict__["conn"] = switchboard.client
            try:
                result.value = op.execute(context)
                return result
            except TaskDeferred as deferred:
                result.deferrals += 1
                fake.interceptor = None  # the trigger's calls: kills are decided below instead
                if on_deferred:
                    on_deferred(fake)
                event = _wait_deferred(deferred.trigger, fake, kills, result)
                fake.interceptor = interceptor
                if kills is not None and kills.roll(
                    "resume execute_complete", kills.deferred_probability / 2
                ):
                    raise TaskKilled("resume") from None
                resumed = make_op()
                resumed.hook.__dict__["conn"] = switchboard.client
                result.value = getattr(resumed, deferred.method_name)(context, event=event)
                return result
        except TaskKilled as killed:
            result.kills.append(str(killed))
            continue
        except Exception as err:
            result.error = err
            return result
        finally:
            fake.interceptor = None
    result.error = RuntimeError(f"still killed after {max_tries} tries")
    return result


def _wait_deferred(trigger: Any, fake: FakeSageMaker, kills: KillPlan | None, result: TaskResult) -> Any:
    """The triggerer's side: maybe restart the triggerer, maybe kill the deferred task."""
    trigger = rebuild(trigger)
    while True:
        stop_after = None
        fate = None
        if kills is not None and kills.budget > 0 and kills.rng.random() < kills.deferred_probability:
            fate = kills.rng.choice(("triggerer restart", "task killed while deferred"))
            stop_after = kills.rng.randint(1, 4)
        run = run_trigger(trigger, fake, stop_after_calls=stop_after)
        if run.events:
            return run.events[0]
        assert run.cancelled and kills is not None and fate is not None
        kills.budget -= 1
        kills.log.append(fate)
        if fate == "task killed while deferred":
            raise TaskKilled(fate)
        result.trigger_restarts += 1
        trigger = rebuild(trigger)  # a new triggerer picks the trigger up from the database
