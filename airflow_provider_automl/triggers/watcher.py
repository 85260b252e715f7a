"""Coalesced polling: one ListAutoMLJobs call per round for every AutoML trigger of a triggerer.

Every :class:`~airflow_provider_automl.triggers.automl.SageMakerAutoMLJobTrigger` of one event
loop that shares ``(aws_conn_id, region_name, verify, botocore_config)`` registers here with one
:class:`AutoMLJobWatcher`, and so does every
:class:`~airflow_provider_automl.triggers.ended.SageMakerAutoMLJobEndedTrigger` (a *filter*
subscription: any job that ends and matches). A round is:

1. ``ListAutoMLJobs(LastModifiedTimeAfter=<start of the last successful round> - SAFETY_MARGIN)``,
   every page (100 summaries each, sorted by CreationTime so pages cannot shift); a filter that
   joined since the last round reaches its window back to its own high-water mark once;
2. a summary whose (status, secondary status) differs from what its triggers last saw wakes
   them (they log the transition from it); a summary in a terminal status gets one
   DescribeAutoMLJobV2 instead, since BestCandidate is only in the full record, and so does a
   job that ended and matches a filter it has not been handed yet. One describe per job however
   many subscriptions want it, started as soon as its page is read.

So a round costs ``1 + ceil(changed / 100) + terminal`` calls, however many jobs wait and however
many filters watch. A newly registered job trigger gets one DescribeAutoMLJobV2 at once: its job
may have changed before it registered (a rebuilt trigger, a triggerer restart). The window of the
next round starts at the start of the last *successful* round, so a throttled or failed round loses
nothing. When ListAutoMLJobs is denied (IAM), the watcher says so once and hands every job trigger
back to per-job DescribeAutoMLJobV2 polling; a filter cannot work without listing and gets the error.

No boto imports here at module level: the trigger modules import this lazily anyway.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import math
import random
import time
import weakref
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_automl.connection import AwsParams
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
    from airflow_provider_automl.jobs import AutoMLJob

log = logging.getLogger(__name__)

# Indirections so tests control time instead of sleeping.
_sleep = asyncio.sleep
_now = time.time
_rng = random.Random()

# Subtracted from the window start: covers clock skew between this host and AWS and listing
# lag (a change that becomes visible to ListAutoMLJobs a little after its LastModifiedTime).
# Re-listed jobs cost nothing but page space: a summary only wakes a trigger when it differs.
# It widens the window, not the wait: a change is acted on in the first round that lists it.
SAFETY_MARGIN = 60.0
PAGE_SIZE = 100
DESCRIBE_CONCURRENCY = 10  # botocore's default connection pool size; more would only queue
ROUND_JITTER = 0.1
_TERMINAL = ("Completed", "Failed", "Stopped")


class Fallback:
    """Delivered to a subscription when listing is not permitted: poll per job instead."""

    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK = Fallback()

# What a subscription receives: a full job (describe), a list summary (dict), an error to
# handle as the per-job trigger would, or FALLBACK.
Observation = Any


class _Inbox:
    """Observations the watcher fills and one consumer drains."""

    __slots__ = ("_event", "_inbox", "interval", "watcher")

    def __init__(self, *, watcher: AutoMLJobWatcher, interval: float) -> None:
        self.watcher = watcher
        self.interval = interval
        self._inbox: collections.deque[Observation] = collections.deque()
        self._event = asyncio.Event()

    def deliver(self, observation: Observation) -> None:
        self._inbox.append(observation)
        self._event.set()

    async def get(self) -> Observation:
        """The next observation, waiting for one."""
        while not self._inbox:
            self._event.clear()
            await self._event.wait()
        return self._inbox.popleft()


class Subscription(_Inbox):
    """One job trigger's registration."""

    __slots__ = ("job_name", "key", "needs_describe", "seen")

    def __init__(self, *, watcher: AutoMLJobWatcher, job_name: str, interval: float) -> None:
        super().__init__(watcher=watcher, interval=interval)
        self.job_name = job_name
        self.key = job_name.lower()  # job names are unique case-insensitively
        self.needs_describe = True
        self.seen: tuple[str, str] | None = None  # (status, secondary status) last delivered

    def unregister(self) -> None:
        self.watcher.unregister(self)


class FilterSubscription(_Inbox):
    """A registration for every job that ends and matches: gets each such job's full record once.

    ``matches`` looks at a ListAutoMLJobs summary (name, creation time, status), ``accepts`` at
    the describe of a job that ended (what a summary does not carry, e.g. the problem type).
    ``floor`` only rises: every job that ended before it has been seen in a round (handed over,
    or did not match). ``seen`` holds the jobs at or after it already handed over or refused;
    ``pending`` the ones still to describe (a describe failed, or lagged behind the list), and
    ``queued`` the ones handed over but not yet taken by the consumer (:meth:`take`). The jobs a
    round finds are handed over together, as one batch, when the round ends (:meth:`flush`).
    """

    __slots__ = ("_batch", "accepts", "floor", "matches", "pending", "queued", "seen")

    def __init__(
        self,
        *,
        watcher: AutoMLJobWatcher,
        interval: float,
        matches: Callable[[Mapping[str, Any]], bool],
        accepts: Callable[[AutoMLJob], bool],
        since: float,
        seen: Mapping[str, float],
    ) -> None:
        super().__init__(watcher=watcher, interval=interval)
        self.matches = matches
        self.accepts = accepts
        self.floor = since
        self.seen: dict[str, float] = {key.lower(): end for key, end in seen.items()}
        self.pending: dict[str, tuple[str, float]] = {}  # key -> (job name, end epoch seconds)
        self.queued: dict[str, float] = {}  # key -> end epoch seconds
        self._batch: list[AutoMLJob] = []  # accepted in the current round, handed over at its end

    def consider(self, summary: Mapping[str, Any]) -> bool:
        """Queue a describe for a summary of a job that ended and matches; True when queued."""
        if summary.get("AutoMLJobStatus") not in _TERMINAL:
            return False
        name = str(summary["AutoMLJobName"])
        key = name.lower()
        if key in self.seen or key in self.pending:
            return False
        end = _epoch(summary.get("EndTime") or summary["LastModifiedTime"])
        if end < self.floor or not self.matches(summary):
            return False
        self.pending[key] = (name, end)
        return True

    def resolve(self, key: str, job: AutoMLJob) -> None:
        """A describe of a pending job came back: hand it over (once) if it ended and is accepted."""
        if not job.is_terminal:
            return  # the describe lags behind the list: look again next round
        _, end = self.pending.pop(key)
        self.seen[key] = end
        if self.accepts(job):
            self.queued[key] = end
            self._batch.append(job)

    def flush(self) -> None:
        """Hand over the jobs accepted since the last flush, as one batch (the watcher calls it
        when a round, or a batch of first describes, is done)."""
        if self._batch:
            self.watcher.stats.wakeups += 1
            batch, self._batch = self._batch, []
            self.deliver(batch)

    async def take(self) -> list[tuple[AutoMLJob, str, float]]:
        """The next batch: each job with its key and end time (epoch s); raises a delivered error.

        The jobs stay in ``queued`` (holding :meth:`oldest_open` back) until :meth:`release`.
        """
        observation = await self.get()
        if isinstance(observation, BaseException):
            raise observation
        return [(job, job.name.lower(), self.queued[job.name.lower()]) for job in observation]

    def release(self, key: str) -> None:
        """The consumer holds the job taken now (and its own mark keeps it)."""
        self.queued.pop(key, None)

    def give_up(self, key: str, exc: BaseException) -> None:
        """The job cannot be described (deleted since it was listed): never look at it again."""
        name, end = self.pending.pop(key)
        self.seen[key] = end
        log.warning("Skipping AutoML job %s: describing it failed: %s", name, exc)

    def advance(self, floor: float) -> None:
        """A round covered everything that ended before ``floor``: forget what is below it."""
        if floor > self.floor:
            self.floor = floor
            self.seen = {key: end for key, end in self.seen.items() if end >= floor}

    def oldest_open(self) -> float:
        """The earliest end time not settled yet: ``floor``, or a job's still to describe or take."""
        return min([self.floor, *(end for _, end in self.pending.values()), *self.queued.values()])

    def unregister(self) -> None:
        self.watcher.unregister_filter(self)


def _epoch(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, str):
        from airflow_provider_automl.jobs import _parse_time

        parsed = _parse_time(value)
        assert parsed is not None
        return parsed.timestamp()
    return float(value)


@dataclass
class WatcherStats:
    """Counters for tests, benchmarks and metrics."""

    rounds: int = 0
    failed_rounds: int = 0
    list_calls: int = 0
    describe_calls: int = 0
    wakeups: int = 0  # observations delivered
    last_round_calls: int = 0
    last_round_changed: int = 0  # summaries listed in the last round
    last_round_terminal: int = 0  # jobs described in the last round (one call each)


class AutoMLJobWatcher:
    """Polls for all triggers of one (connection, region, verify, botocore config) on one loop."""

    def __init__(self, *, hook: SageMakerAutoMLHook, description: str) -> None:
        self.hook = hook
        self.description = description
        self.stats = WatcherStats()
        self.listing_permitted = True
        self._subs: dict[str, list[Subscription]] = {}
        self._filters: list[FilterSubscription] = []
        self._new: list[Subscription] = []
        self._since: float | None = None  # start of the last successful round (epoch s)
        self._catch_up: float | None = None  # earliest high-water mark of filters not yet covered
        self._next_round: float = 0.0
        self._errors = 0  # consecutive failed rounds
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._describe_slots: asyncio.Semaphore | None = None

    # -- registration -------------------------------------------------------------------------

    def register(self, job_name: str, *, interval: float) -> Subscription | None:
        """Subscribe to ``job_name``; None when listing is not permitted (poll per job instead)."""
        if not self.listing_permitted:
            return None
        sub = Subscription(watcher=self, job_name=job_name, interval=interval)
        self._subs.setdefault(sub.key, []).append(sub)
        self._new.append(sub)
        self._start()
        self._wakeup.set()
        return sub

    def register_filter(
        self,
        *,
        matches: Callable[[Mapping[str, Any]], bool],
        accepts: Callable[[AutoMLJob], bool],
        since: float,
        seen: Mapping[str, float] | None = None,
        interval: float,
    ) -> FilterSubscription:
        """Subscribe to every job that ends at or after ``since`` (epoch s) and matches.

        ``seen`` names jobs (lower-case name -> end epoch s) already handed over before, which are
        not handed over again. The next round lists back to ``since`` (minus the safety margin)
        once, and runs at once.

        :raises PermissionError: listing was already found denied in this process.
        """
        if not self.listing_permitted:
            raise PermissionError(f"ListAutoMLJobs is not permitted for {self}")
        sub = FilterSubscription(
            watcher=self, interval=interval, matches=matches, accepts=accepts, since=since, seen=seen or {}
        )
        self._filters.append(sub)
        self._catch_up = since if self._catch_up is None else min(self._catch_up, since)
        self._start()
        self._next_round = min(self._next_round, _now())  # catch up now, not an interval later
        self._wakeup.set()
        return sub

    def _start(self) -> None:
        if self._task is None or self._task.done():
            # Idle until now, so every trigger is new and gets a first describe (a filter its own
            # catch-up window): changes before now are covered, and an old window would only list
            # stale jobs.
            self._since = _now()
            self._next_round = self._since + self._interval()
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"automl-watcher {self}")

    def unregister(self, sub: Subscription) -> None:
        """Idempotent; the trigger calls it when it ends, is cancelled or falls back."""
        subs = self._subs.get(sub.key)
        if subs is not None and sub in subs:
            subs.remove(sub)
            if not subs:
                del self._subs[sub.key]
        if sub in self._new:
            self._new.remove(sub)
        self._wake_if_idle()

    def unregister_filter(self, sub: FilterSubscription) -> None:
        """Idempotent."""
        if sub in self._filters:
            self._filters.remove(sub)
        self._wake_if_idle()

    def _wake_if_idle(self) -> None:
        if not self._subs and not self._filters:
            self._wakeup.set()  # let the loop end now instead of at the next round

    @property
    def subscription_count(self) -> int:
        return sum(len(subs) for subs in self._subs.values()) + len(self._filters)

    def __str__(self) -> str:
        return self.description

    # -- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while self._subs or self._filters:
                if self._new:
                    # Let triggers started in the same tick (a triggerer restart) join this batch.
                    await asyncio.sleep(0)
                    batch, self._new = self._new, []
                    await self._describe(batch)
                    self._flush_filters()
                    continue
                if _now() >= self._next_round:
                    await self.run_round()
                    continue
                await self._idle(self._next_round - _now())
        except Exception as exc:  # a bug: fail the waiting tasks with it rather than hang them
            log.exception("AutoML job watcher for %s failed", self)
            self._fail_all(exc)

    async def _idle(self, delay: float) -> None:
        self._wakeup.clear()
        if self._new or not (self._subs or self._filters) or _now() >= self._next_round:
            return
        sleeper = asyncio.ensure_future(_sleep(delay))
        waker = asyncio.ensure_future(self._wakeup.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    def _interval(self) -> float:
        intervals = [s.interval for subs in self._subs.values() for s in subs]
        intervals += [f.interval for f in self._filters]
        return min(intervals) if intervals else 60.0

    async def run_round(self) -> None:
        """One round: retry failed describes, list changes since the last good round, wake."""
        from airflow_provider_automl.hooks.errors import (
            backoff_delay,
            is_access_denied,
            is_client_error,
            is_transient_error,
        )

        start = _now()
        interval = self._interval()
        calls_before = self.stats.list_calls + self.stats.describe_calls
        retry = [s for subs in self._subs.values() for s in subs if s.needs_describe]
        if retry:
            await self._describe(retry)
        described_before = self.stats.describe_calls  # after the retries: not this round's listing
        assert self._since is not None
        filters = list(self._filters)  # the ones this round's window covers
        catch_up = self._catch_up
        window = self._since if catch_up is None else min(self._since, catch_up)
        after = dt.datetime.fromtimestamp(window - SAFETY_MARGIN, tz=dt.timezone.utc)
        # Describes start as each page is read; filters' describes that failed before go first.
        describing = [self._describe_for_filters({k: n for f in filters for k, (n, _) in f.pending.items()})]
        changed = 0
        try:
            async for page in self.hook.list_jobs_changed_since_async(after, page_size=PAGE_SIZE):
                self.stats.list_calls += 1
                changed += len(page)
                terminal, wanted = self._on_summaries(page, filters)
                if terminal:
                    describing.append(self._describe(terminal, expect_terminal=True))
                if wanted:
                    describing.append(self._describe_for_filters(wanted))
        except Exception as exc:
            if is_access_denied(exc) or (is_client_error(exc) and not is_transient_error(exc)):
                await asyncio.gather(*describing)
                self._flush_filters()
                self._fall_back(exc)
                return
            if not is_transient_error(exc):
                raise
            self._errors += 1
            self.stats.failed_rounds += 1
            delay = backoff_delay(interval, self._errors, _rng)
            if self._errors == 1:
                log.warning(
                    "ListAutoMLJobs for %s failed: %s. Retrying in %.0fs, with backoff; changes since "
                    "the last good round are not lost.",
                    self,
                    exc,
                    delay,
                )
            else:
                log.debug("ListAutoMLJobs for %s failed again (#%d): %s", self, self._errors, exc)
            self._next_round = start + delay
        else:
            if self._errors:
                log.info("ListAutoMLJobs for %s works again after %d failed round(s)", self, self._errors)
                self._errors = 0
            self._since = start
            if self._catch_up == catch_up:
                self._catch_up = None  # a filter that joined during the round keeps its own
            for sub in filters:
                # Whatever ended before this round's start (less the margin) was listed by now.
                sub.advance(start - SAFETY_MARGIN)
            self._next_round = start + interval * _rng.uniform(1 - ROUND_JITTER, 1 + ROUND_JITTER)
            if self._catch_up is not None:
                self._next_round = _now()  # a filter joined during the round: catch it up now
        # Terminal summaries already read are described even when a later page failed.
        await asyncio.gather(*describing)
        self._flush_filters()
        self.stats.rounds += 1
        self.stats.last_round_changed = changed
        self.stats.last_round_terminal = self.stats.describe_calls - described_before
        self.stats.last_round_calls = self.stats.list_calls + self.stats.describe_calls - calls_before

    def _on_summaries(
        self, summaries: Iterable[Mapping[str, Any]], filters: list[FilterSubscription]
    ) -> tuple[list[Subscription], dict[str, str]]:
        """Wake job triggers whose job moved on; return the terminal ones to describe, and the
        jobs (key -> name) filters want described."""
        from airflow_provider_automl.jobs import AutoMLJobStatus

        terminal: list[Subscription] = []
        wanted: dict[str, str] = {}
        for summary in summaries:
            name = str(summary.get("AutoMLJobName", ""))
            for watch in filters:
                if watch.consider(summary):
                    wanted[name.lower()] = name
            subs = self._subs.get(name.lower())
            if not subs:
                continue  # a job no job trigger here waits for
            status = str(summary["AutoMLJobStatus"])
            seen = (status, str(summary["AutoMLJobSecondaryStatus"]))
            for sub in subs:
                if sub.needs_describe or sub.seen == seen:
                    continue
                sub.seen = seen
                if AutoMLJobStatus.parse(status).is_terminal():
                    sub.needs_describe = True
                    terminal.append(sub)
                else:
                    self.stats.wakeups += 1
                    sub.deliver(dict(summary))
        # A job both kinds want is described once, for the job triggers.
        for sub in terminal:
            wanted.pop(sub.key, None)
        return terminal, wanted

    async def _describe(self, subs: list[Subscription], *, expect_terminal: bool = False) -> None:
        """One DescribeAutoMLJobV2 per job (not per subscription), at most DESCRIBE_CONCURRENCY at once."""
        by_job: dict[str, list[Subscription]] = {}
        for sub in subs:
            by_job.setdefault(sub.key, []).append(sub)
        await asyncio.gather(
            *(self._describe_one(group, expect_terminal=expect_terminal) for group in by_job.values())
        )

    async def _describe_for_filters(self, wanted: Mapping[str, str]) -> None:
        async def one(key: str, name: str) -> None:
            try:
                job = await self._call_describe(name)
            except Exception as exc:
                self._filters_failed(key, name, exc)
                return
            self._filters_resolve(key, job)

        await asyncio.gather(*(one(key, name) for key, name in wanted.items()))

    async def _call_describe(self, job_name: str) -> AutoMLJob:
        if self._describe_slots is None:
            self._describe_slots = asyncio.Semaphore(DESCRIBE_CONCURRENCY)
        async with self._describe_slots:
            self.stats.describe_calls += 1
            return await self.hook.describe_job_async(job_name)

    async def _describe_one(self, subs: list[Subscription], *, expect_terminal: bool) -> None:
        from airflow_provider_automl.hooks.errors import is_transient_error

        try:
            job = await self._call_describe(subs[0].job_name)
        except Exception as exc:
            self._filters_failed(subs[0].key, subs[0].job_name, exc)
            if is_transient_error(exc):
                for sub in subs:
                    sub.needs_describe = True  # again next round
                log.debug("Describing AutoML job %s failed (will retry): %s", subs[0].job_name, exc)
                return
            for sub in subs:
                self._drop(sub)
                sub.deliver(exc)
            return
        self._filters_resolve(subs[0].key, job)
        for sub in subs:
            # The list said terminal but the describe lags behind: look again next round.
            sub.needs_describe = expect_terminal and not job.is_terminal
            sub.seen = (job.status.value, job.secondary_status)
            self.stats.wakeups += 1
            sub.deliver(job)
            if job.is_terminal:
                self._drop(sub)  # its trigger fires and unregisters; stop watching for it now

    def _flush_filters(self) -> None:
        for watch in list(self._filters):
            watch.flush()

    def _filters_resolve(self, key: str, job: AutoMLJob) -> None:
        for watch in list(self._filters):
            if key in watch.pending:
                watch.resolve(key, job)

    def _filters_failed(self, key: str, name: str, exc: BaseException) -> None:
        from airflow_provider_automl.hooks.errors import is_transient_error

        if is_transient_error(exc):
            log.debug("Describing AutoML job %s failed (will retry): %s", name, exc)
            return  # still pending: retried next round
        for watch in list(self._filters):
            if key in watch.pending:
                watch.give_up(key, exc)

    def _drop(self, sub: Subscription) -> None:
        self.unregister(sub)

    def _fall_back(self, exc: BaseException) -> None:
        from airflow_provider_automl.exceptions import AutoMLError

        self.listing_permitted = False
        count = self.subscription_count - len(self._filters)
        log.warning(
            "ListAutoMLJobs is not usable for %s (%s): falling back to one DescribeAutoMLJobV2 per "
            "job and poll interval for %d waiting trigger(s) and every later one in this process.",
            self,
            exc,
            count,
        )
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._drop(sub)
                sub.deliver(FALLBACK)
        for watch in list(self._filters):
            self.unregister_filter(watch)
            error = AutoMLError(f"ListAutoMLJobs is not usable for {self}: {exc}")
            error.__cause__ = exc
            watch.deliver(error)

    def _fail_all(self, exc: BaseException) -> None:
        self._flush_filters()
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._drop(sub)
                sub.deliver(exc)
        for watch in list(self._filters):
            self.unregister_filter(watch)
            watch.deliver(exc)


def apply_summary(job: AutoMLJob | None, summary: Mapping[str, Any]) -> AutoMLJob:
    """The last full record updated with a ListAutoMLJobs summary (status fields only)."""
    from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus

    if job is None:
        return AutoMLJob.from_describe(summary)  # the summary has the required describe fields
    update = AutoMLJob.from_describe(summary)
    return replace(
        job,
        status=AutoMLJobStatus.parse(summary["AutoMLJobStatus"]),
        secondary_status=update.secondary_status,
        failure_reason=update.failure_reason or job.failure_reason,
        partial_failure_reasons=update.partial_failure_reasons or job.partial_failure_reasons,
        end_time=update.end_time or job.end_time,
        last_modified_time=update.last_modified_time or job.last_modified_time,
    )


# -- registry -----------------------------------------------------------------------------------

_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, AutoMLJobWatcher]] = (
    weakref.WeakKeyDictionary()
)


def get_watcher(aws: AwsParams) -> AutoMLJobWatcher:
    """The watcher of the running loop for these connection settings (created once)."""
    watchers = _BY_LOOP.setdefault(asyncio.get_running_loop(), {})
    key = aws.cache_key()
    watcher = watchers.get(key)
    if watcher is None:
        from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

        hook = aws.build_hook(SageMakerAutoMLHook)
        watcher = watchers[key] = AutoMLJobWatcher(hook=hook, description=aws.describe())
    return watcher


def watchers() -> list[AutoMLJobWatcher]:
    """The watchers of the running loop (tests, metrics)."""
    return list(_BY_LOOP.get(asyncio.get_running_loop(), {}).values())


def calls_per_round_bound(changed: int, terminal: int) -> int:
    """The most calls a round may make: one list call per page (plus an empty last page) and
    one describe per job described."""
    return 1 + math.ceil(changed / PAGE_SIZE) + terminal
