"""Jobs drive DAGs: an event trigger for ``AssetWatcher`` that reports AutoML jobs when they end.

Imported when DAG files are parsed: no boto3/botocore/aiobotocore, no hook at module level.
Airflow >= 3.0 (``BaseEventTrigger``); the high-water mark survives restarts on Airflow >= 3.3.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Hashable
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.requests.coerce import positive_seconds, strict_bool
from airflow_provider_automl.triggers.events import EventStatus, job_event
from airflow_provider_automl.triggers.filters import JobFilter
from airflow_provider_automl.triggers.mark import AssetMarkStore, MarkStore, MemoryMarkStore, state_key

if TYPE_CHECKING:
    from airflow.triggers.shared_stream import SharedStreamProducer

    from airflow_provider_automl.jobs import AutoMLJob

# Indirections so tests control time instead of sleeping.
_sleep = asyncio.sleep
_now = time.time

STREAM_PREFIX = "sagemaker-automl-ended"
SAVE_EVERY = 600.0  # seconds: how stale a quiet watch's mark may get (a restart re-lists from it)


class SageMakerAutoMLJobEndedTrigger(BaseEventTrigger):
    """Fire one event per SageMaker AutoML job that ends and matches: use it in an ``AssetWatcher``.

    Jobs created anywhere count (SageMaker Studio, Canvas, other pipelines, other DAGs): the
    trigger watches the account and region of its connection. It rides on the process's coalesced
    watcher (:mod:`airflow_provider_automl.triggers.watcher`): one ListAutoMLJobs call per round
    for every event trigger and every job trigger of that connection, and one DescribeAutoMLJobV2
    per job that ended and passes the name, creation-time and status filters (its event carries
    the full record). Throttling and network errors back off and lose nothing.

    The jobs a round finds go out as one event, ``{"message", "jobs"}``, where each entry of
    ``jobs`` is the job trigger's payload ``{"status", "job_name", "message", "job"}`` (``status``
    is ``"success"`` for Completed, ``"failed"``, ``"stopped"``) and ``job`` is the XCom record of
    the job (:meth:`AutoMLJob.to_record`, with ``BestCandidate``): the triggered DAG can register
    the best candidate at once (:func:`~airflow_provider_automl.triggers.events.ended_jobs` reads
    the records from ``triggering_asset_events``). One event per round rather than per job because
    Airflow (3.3.2 at least) can leave an asset event that is stored while the scheduler creates a
    run for the previous one without a run until a later event comes (the queue row is dropped);
    jobs that end together would hit that every time. ``one_event_per_job=True`` sends one event
    per job, with that payload, for Airflow versions without the race.

    Across triggerer restarts (Airflow >= 3.3) no job is lost and none already reported is reported
    again: the high-water mark lives in the watched asset's state store, written after Airflow
    confirms the events it covers are stored (:mod:`airflow_provider_automl.triggers.mark`). On
    first start the trigger reports jobs that end from then on. On Airflow 3.0-3.2, which has no
    asset state store, the mark lives in memory and a restart starts again from then.

    :param name_prefix: Only jobs whose name starts with this (case-insensitive).
    :param name_contains: Only jobs whose name contains this (case-insensitive).
    :param created_after: Only jobs created after this instant (aware datetime or ISO-8601 text).
    :param statuses: End statuses to report: ``Completed`` (default), ``Failed``, ``Stopped``.
    :param problem_types: Only these ``AutoMLProblemTypeConfigName`` values (``Tabular``,
        ``TimeSeriesForecasting``, ...); None for any.
    :param poll_interval: Seconds between rounds (the watcher polls at the smallest interval of
        its triggers).
    :param one_event_per_job: One asset event per job instead of one per round (see above).
    :param aws_conn_id: The Airflow AWS connection.
    :param region_name: AWS region; None uses the connection's.
    :param verify: SSL certificate verification (bool or CA bundle path).
    :param botocore_config: botocore client config as a dict.
    """

    # Triggers whose producer the triggerer builds from kwargs alone find their state store here.
    _instances: ClassVar[dict[Hashable, SageMakerAutoMLJobEndedTrigger]] = {}

    def __init__(
        self,
        *,
        name_prefix: str | None = None,
        name_contains: str | None = None,
        created_after: Any = None,
        statuses: list[str] | str | None = None,
        problem_types: list[str] | str | None = None,
        poll_interval: float = 60,
        one_event_per_job: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        # Checked here, while the DAG file is parsed: a bad filter never reaches the triggerer.
        self.filter = JobFilter.checked(
            name_prefix=name_prefix,
            name_contains=name_contains,
            created_after=created_after,
            statuses=statuses,
            problem_types=problem_types,
        )
        self.poll_interval = positive_seconds("poll_interval", poll_interval)
        self.one_event_per_job = strict_bool("one_event_per_job", one_event_per_job)
        self.aws = AwsParams.checked(
            aws_conn_id=aws_conn_id, region_name=region_name, verify=verify, botocore_config=botocore_config
        )

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.filter.to_kwargs(),
                "poll_interval": self.poll_interval,
                "one_event_per_job": self.one_event_per_job,
                **self.aws.to_kwargs(),
            },
        )

    @property
    def state_key(self) -> str:
        """Key of the mark in the asset state store: what is watched, and where (not how often)."""
        return state_key(
            {"filter": self.filter.to_kwargs(), "conn": self.aws.aws_conn_id, "region": self.aws.region_name}
        )

    def describe(self) -> str:
        return f"AutoML jobs that end ({self.filter.describe()}) in {self.aws.describe()}"

    # -- Airflow >= 3.3: the triggerer runs us in ack mode --------------------------------------

    def shared_stream_key(self) -> Hashable | None:
        """Opt into the shared stream's ack mode when the asset state store is there to hold the mark.

        A group of one: the sharing that matters happens in the watcher, across every AutoML trigger
        of the connection. What ack mode adds is the signal that the events are stored.
        """
        if getattr(self, "asset_state_store", None) is None:
            return None
        key = (STREAM_PREFIX, self.state_key)
        type(self)._instances[key] = self
        return key

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
        from airflow_provider_automl.triggers.producer import EndedJobsProducer

        trigger = cls(**kwargs)
        instance = cls._instances.get((STREAM_PREFIX, trigger.state_key))
        accessors = getattr(instance, "asset_state_store", None)
        if accessors is None:  # not registered by shared_stream_key(): should not happen
            trigger.log.warning("No asset state store for %s: its mark lives in memory.", trigger.describe())
            return EndedJobsProducer(trigger, MemoryMarkStore())
        return EndedJobsProducer(trigger, AssetMarkStore(accessors, trigger.state_key))

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        # Each raw event is the records of one event's jobs: the producer did the filtering.
        async for records in shared_stream:
            yield self.event_for(records)

    async def cleanup(self) -> None:
        key = (STREAM_PREFIX, self.state_key)
        if type(self)._instances.get(key) is self:
            del type(self)._instances[key]

    # -- Airflow 3.0-3.2 (no shared streams, no asset state store) -------------------------------

    async def run(self) -> AsyncIterator[TriggerEvent]:
        accessors = getattr(self, "asset_state_store", None)
        if accessors is None:
            self.log.warning(
                "No asset state store (Airflow < 3.3): the mark of %s lives in memory, so jobs that end "
                "while the triggerer is down are not reported after a restart.",
                self.describe(),
            )
        store: MarkStore = AssetMarkStore(accessors, self.state_key) if accessors else MemoryMarkStore()
        watch = EndedJobsWatch(self, store)
        await watch.open()
        try:
            while True:
                for records, keys in self.group(await watch.next()):
                    yield self.event_for(records)
                    # No stored-event signal on this path: the event is in the triggerer's hands now.
                    for key in keys:
                        watch.confirmed(key)
                await watch.save()
        finally:
            watch.close()

    # -- events -----------------------------------------------------------------------------------

    def group(self, jobs: list[tuple[AutoMLJob, str]]) -> list[tuple[list[dict[str, Any]], list[str]]]:
        """The events for a round's jobs: (job records, job keys) each; one, or one per job."""
        if self.one_event_per_job:
            return [([job.to_record()], [key]) for job, key in jobs]
        return [([job.to_record() for job, _ in jobs], [key for _, key in jobs])]

    def event_for(self, records: list[dict[str, Any]]) -> TriggerEvent:
        """The asset event payload for job records: the job trigger's payload per job."""
        payloads = [self._payload(record) for record in records]
        if self.one_event_per_job and len(payloads) == 1:
            return TriggerEvent(payloads[0])
        names = ", ".join(f"{p['job_name']} ({p['job']['AutoMLJobStatus']})" for p in payloads)
        return TriggerEvent({"message": f"{len(payloads)} AutoML job(s) ended: {names}", "jobs": payloads})

    def _payload(self, record: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus

        job = AutoMLJob.from_record(record)
        status = {
            AutoMLJobStatus.COMPLETED: EventStatus.SUCCESS,
            AutoMLJobStatus.STOPPED: EventStatus.STOPPED,
        }.get(job.status, EventStatus.FAILED)
        message = job.summary() if job.is_success else job.failure_message()
        self.log.info("Reporting: %s", message)
        return job_event(status, job.name, message, job)


class EndedJobsWatch:
    """The event trigger's side of the watcher: the mark, the filter subscription, the saves."""

    def __init__(self, trigger: SageMakerAutoMLJobEndedTrigger, store: MarkStore) -> None:
        from airflow_provider_automl.triggers.mark import MarkTracker

        self.trigger = trigger
        self.store = store
        self.tracker: MarkTracker | None = None
        self._sub: Any = None
        self._saved: Any = None
        self._saved_at = 0.0
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Check the filter with the one validator, read the mark (or start one), subscribe."""
        from airflow_provider_automl.exceptions import AutoMLError
        from airflow_provider_automl.triggers.mark import Mark, MarkTracker
        from airflow_provider_automl.triggers.watcher import get_watcher

        trigger = self.trigger
        trigger.filter.validate()
        mark = await self.store.load()
        if mark is None:
            mark = Mark(since=_now())
            await self.store.save(mark)  # a restart before the first event resumes from here
            trigger.log.info("Watching %s, from now on.", trigger.describe())
        else:
            trigger.log.info(
                "Watching %s, from the stored mark (%d job(s) ended since it already reported).",
                trigger.describe(),
                len(mark.reported),
            )
        self._saved, self._saved_at = mark, _now()
        self.tracker = MarkTracker(mark)
        try:
            self._sub = get_watcher(trigger.aws).register_filter(
                matches=trigger.filter.matches,
                accepts=trigger.filter.accepts,
                since=mark.since,
                seen=mark.reported,
                interval=trigger.poll_interval,
            )
        except PermissionError as exc:
            raise AutoMLError(f"{exc}: the AutoML event trigger needs ListAutoMLJobs.") from exc

    async def next(self) -> list[tuple[AutoMLJob, str]]:
        """The jobs of the next round that found some (ended and matched), with their keys; the
        mark is saved while none come."""
        assert self.tracker is not None
        while True:
            getter = asyncio.ensure_future(self._sub.take())
            sleeper = asyncio.ensure_future(_sleep(min(SAVE_EVERY, self.trigger.poll_interval * 10)))
            try:
                await asyncio.wait({getter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                if not getter.done():
                    getter.cancel()
            if getter.done() and not getter.cancelled():
                batch = getter.result()
                for _, key, end in batch:
                    self.tracker.handed_out(key, end)
                    self._sub.release(key)  # after handed_out: always held back by one of the two
                return [(job, key) for job, key, _ in batch]
            if _now() - self._saved_at >= SAVE_EVERY:
                await self.save()

    def confirmed(self, key: str) -> None:
        assert self.tracker is not None
        self.tracker.confirmed(key)

    async def save(self) -> None:
        """Write the mark when it moved (one store write per event, or per SAVE_EVERY when quiet)."""
        assert self.tracker is not None
        async with self._lock:
            mark = self.tracker.current(self._sub.oldest_open())
            if mark != self._saved:
                await self.store.save(mark)
                self._saved = mark
            self._saved_at = _now()

    def close(self) -> None:
        if self._sub is not None:
            self._sub.unregister()
