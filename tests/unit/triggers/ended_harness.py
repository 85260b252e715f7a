"""Running the event trigger as the triggerer does, on virtual time: standalone ``run()`` (Airflow
3.0-3.2) or the shared stream's ack mode (Airflow >= 3.3) with events "stored" on demand."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger
from tests.unit.conftest import REGION
from tests.unit.triggers.fake_sagemaker import POLL, VirtualClock


def ended(*, store: Any = None, **kwargs: Any) -> SageMakerAutoMLJobEndedTrigger:
    """The event trigger with the tests' defaults; ``store``: the asset state store the triggerer gives it."""
    trigger = SageMakerAutoMLJobEndedTrigger(
        **{"poll_interval": POLL, "aws_conn_id": None, "region_name": REGION, **kwargs}
    )
    if store is not None:
        trigger.asset_state_store = store
    return trigger


class FakeAccessor:
    """One asset's state store, as ``AssetStateStoreAccessor`` offers it to a trigger."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = values if values is not None else {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        assert value is not None
        self.values[key] = value
        self.writes += 1


class FakeAccessors:
    """``AssetStateStoreAccessors`` of a trigger watched by several assets."""

    def __init__(self, **by_name: FakeAccessor) -> None:
        self._by_name = by_name
        self._by_uri: dict[str, FakeAccessor] = {}


@dataclass
class Fired:
    """One job reported by an event (an event may carry several)."""

    name: str
    status: str
    at: float
    payload: dict[str, Any]  # the job's entry: {"status", "job_name", "message", "job"}
    event: int = 0  # which event carried it (per trigger run)


def fired_of(payload: dict[str, Any], at: float, event: int) -> list[Fired]:
    entries = payload.get("jobs", [payload])
    return [Fired(e["job_name"], e["status"], at, e, event) for e in entries]


@dataclass
class Triggerer:
    """The parts of the triggerer an event trigger meets in ack mode.

    ``in_flight`` events were handed to the triggerer but are not stored yet; :meth:`store` stores
    them and tells the stream (the supervisor's persist confirmation on the next sync). A kill
    drops ``in_flight`` (the events die with the process) and cancels the trigger.
    """

    clock: VirtualClock
    stored: list[Fired] = field(default_factory=list)
    in_flight: list[tuple[int | None, list[Fired]]] = field(default_factory=list)
    events: int = 0
    auto_store: bool = True  # store every second, as the triggerer's sync loop does

    def __post_init__(self) -> None:
        from airflow.triggers.shared_stream import SharedStreamManager

        self.manager = SharedStreamManager(_now=self.clock.time, ack_timeout=1e9)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, trigger: SageMakerAutoMLJobEndedTrigger, trigger_id: int = 1) -> None:
        self._tasks.append(asyncio.ensure_future(self._run(trigger, trigger_id)))
        if self.auto_store:
            self._tasks.append(asyncio.ensure_future(self._sync()))

    async def _run(self, trigger: SageMakerAutoMLJobEndedTrigger, trigger_id: int) -> None:
        key = trigger.shared_stream_key()
        assert key is not None, "no asset state store: the triggerer would call run()"
        stream = self.manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key)
        try:
            async for event in trigger.filter_shared_stream(stream):
                seq = self.manager.bind_pending_event(trigger_id=trigger_id, key=key)
                self.events += 1
                self.in_flight.append((seq, fired_of(event.payload, self.clock.now, self.events)))
        finally:
            await self.manager.unsubscribe(trigger_id, key)
            await trigger.cleanup()

    async def _sync(self) -> None:
        while True:
            await self.clock.sleep(1)
            self.store()

    def store(self) -> None:
        seqs = [seq for seq, _ in self.in_flight if seq is not None]
        for _, fired in self.in_flight:
            self.stored.extend(fired)
        self.in_flight.clear()
        self.manager.confirm_persisted(seqs)

    async def kill(self) -> None:
        """SIGKILL: in-flight events are lost, nothing else runs (no final mark write)."""
        self.in_flight.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for task in self._tasks:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        self._tasks.clear()
        await self.manager.stop_all()


def new_process() -> None:
    """Forget the watchers of this loop, as a new triggerer process starts without any."""
    from airflow_provider_automl.triggers import watcher

    watcher._BY_LOOP.pop(asyncio.get_running_loop(), None)


async def collect_run(
    clock: VirtualClock, trigger: SageMakerAutoMLJobEndedTrigger, until: float
) -> list[Fired]:
    """Jobs reported by the standalone ``run()`` until virtual time ``until``."""
    fired: list[Fired] = []
    count = 0

    async def consume() -> None:
        nonlocal count
        async for event in trigger.run():
            count += 1
            fired.extend(fired_of(event.payload, clock.now, count))

    task = asyncio.ensure_future(consume())
    await clock.sleep(until - clock.now)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    if task.done() and not task.cancelled() and task.exception():
        raise task.exception()  # type: ignore[misc]
    return fired
