"""Coalesced polling: one ListAutoMLJobs call per round for every AutoML trigger of a triggerer.

Every :class:`~airflow_provider_automl.triggers.automl.SageMakerAutoMLJobTrigger` of one event
loop that shares ``(aws_conn_id, region_name, verify, botocore_config)`` registers here with one
:class:`AutoMLJobWatcher`. A round is:

1. ``ListAutoMLJobs(LastModifiedTimeAfter=<start of the last successful round> - SAFETY_MARGIN)``,
   every page (100 summaries each, sorted by CreationTime so pages cannot shift);
2. a summary whose (status, secondary status) differs from what its triggers last saw wakes
   them (they log the transition from it); a summary in a terminal status gets one
   DescribeAutoMLJobV2 instead, since BestCandidate is only in the full record.

So a round costs ``1 + ceil(changed / 100) + terminal`` calls, however many jobs wait.
A newly registered trigger gets one DescribeAutoMLJobV2 at once: its job may have changed
before it registered (a rebuilt trigger, a triggerer restart). The window of the next round
starts at the start of the last *successful* round, so a throttled or failed round loses nothing.
When ListAutoMLJobs is denied (IAM), the watcher says so once and hands every trigger back to
per-job DescribeAutoMLJobV2 polling.

No boto imports here at module level: the trigger module imports this lazily anyway.
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
from collections.abc import Hashable, Iterable, Mapping
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
SAFETY_MARGIN = 60.0
PAGE_SIZE = 100
DESCRIBE_CONCURRENCY = 10  # botocore's default connection pool size; more would only queue
ROUND_JITTER = 0.1


class Fallback:
    """Delivered to a subscription when listing is not permitted: poll per job instead."""

    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK = Fallback()

# What a subscription receives: a full job (describe), a list summary (dict), an error to
# handle as the per-job trigger would, or FALLBACK.
Observation = Any


class Subscription:
    """One trigger's registration: an inbox the watcher fills and the trigger drains."""

    __slots__ = ("_event", "_inbox", "interval", "job_name", "key", "needs_describe", "seen", "watcher")

    def __init__(self, *, watcher: AutoMLJobWatcher, job_name: str, interval: float) -> None:
        self.watcher = watcher
        self.job_name = job_name
        self.key = job_name.lower()  # job names are unique case-insensitively
        self.interval = interval
        self.needs_describe = True
        self.seen: tuple[str, str] | None = None  # (status, secondary status) last delivered
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

    def unregister(self) -> None:
        self.watcher.unregister(self)


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
    last_round_terminal: int = 0  # of which terminal (one describe each)


class AutoMLJobWatcher:
    """Polls for all triggers of one (connection, region, verify, botocore config) on one loop."""

    def __init__(self, *, hook: SageMakerAutoMLHook, description: str) -> None:
        self.hook = hook
        self.description = description
        self.stats = WatcherStats()
        self.listing_permitted = True
        self._subs: dict[str, list[Subscription]] = {}
        self._new: list[Subscription] = []
        self._since: float | None = None  # start of the last successful round (epoch s)
        self._next_round: float = 0.0
        self._errors = 0  # consecutive failed rounds
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()

    # -- registration -------------------------------------------------------------------------

    def register(self, job_name: str, *, interval: float) -> Subscription | None:
        """Subscribe to ``job_name``; None when listing is not permitted (poll per job instead)."""
        if not self.listing_permitted:
            return None
        sub = Subscription(watcher=self, job_name=job_name, interval=interval)
        self._subs.setdefault(sub.key, []).append(sub)
        self._new.append(sub)
        if self._task is None or self._task.done():
            # Idle until now, so every trigger is new and gets a first describe: changes before
            # now are covered by it, and an old window would only list stale jobs.
            self._since = _now()
            self._next_round = self._since + self._interval()
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"automl-watcher {self}")
        self._wakeup.set()
        return sub

    def unregister(self, sub: Subscription) -> None:
        """Idempotent; the trigger calls it when it ends, is cancelled or falls back."""
        subs = self._subs.get(sub.key)
        if subs is not None and sub in subs:
            subs.remove(sub)
            if not subs:
                del self._subs[sub.key]
        if sub in self._new:
            self._new.remove(sub)
        if not self._subs:
            self._wakeup.set()  # let the loop end now instead of at the next round

    @property
    def subscription_count(self) -> int:
        return sum(len(subs) for subs in self._subs.values())

    def __str__(self) -> str:
        return self.description

    # -- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while self._subs:
                if self._new:
                    # Let triggers started in the same tick (a triggerer restart) join this batch.
                    await asyncio.sleep(0)
                    batch, self._new = self._new, []
                    await self._describe(batch)
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
        if self._new or not self._subs:
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
        assert self._since is not None
        after = dt.datetime.fromtimestamp(self._since - SAFETY_MARGIN, tz=dt.timezone.utc)
        terminal: list[Subscription] = []
        changed = 0
        try:
            async for page in self.hook.list_jobs_changed_since_async(after, page_size=PAGE_SIZE):
                self.stats.list_calls += 1
                changed += len(page)
                terminal.extend(self._on_summaries(page))
        except Exception as exc:
            if is_access_denied(exc) or (is_client_error(exc) and not is_transient_error(exc)):
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
            self._next_round = start + interval * _rng.uniform(1 - ROUND_JITTER, 1 + ROUND_JITTER)
        # Terminal summaries already read are described even when a later page failed.
        if terminal:
            await self._describe(terminal, expect_terminal=True)
        self.stats.rounds += 1
        self.stats.last_round_changed = changed
        self.stats.last_round_terminal = len(terminal)
        self.stats.last_round_calls = self.stats.list_calls + self.stats.describe_calls - calls_before

    def _on_summaries(self, summaries: Iterable[Mapping[str, Any]]) -> list[Subscription]:
        from airflow_provider_automl.jobs import AutoMLJobStatus

        terminal: list[Subscription] = []
        for summary in summaries:
            subs = self._subs.get(str(summary.get("AutoMLJobName", "")).lower())
            if not subs:
                continue  # a job nobody here waits for
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
        return terminal

    async def _describe(self, subs: list[Subscription], *, expect_terminal: bool = False) -> None:
        """One DescribeAutoMLJobV2 per job (not per subscription), at most DESCRIBE_CONCURRENCY at once."""
        by_job: dict[str, list[Subscription]] = {}
        for sub in subs:
            by_job.setdefault(sub.key, []).append(sub)
        pending = collections.deque(by_job.values())

        async def worker() -> None:
            while pending:
                await self._describe_one(pending.popleft(), expect_terminal=expect_terminal)

        await asyncio.gather(*(worker() for _ in range(min(len(pending), DESCRIBE_CONCURRENCY))))

    async def _describe_one(self, subs: list[Subscription], *, expect_terminal: bool) -> None:
        from airflow_provider_automl.hooks.errors import is_transient_error

        self.stats.describe_calls += 1
        try:
            job = await self.hook.describe_job_async(subs[0].job_name)
        except Exception as exc:
            if is_transient_error(exc):
                for sub in subs:
                    sub.needs_describe = True  # again next round
                log.debug("Describing AutoML job %s failed (will retry): %s", subs[0].job_name, exc)
                return
            for sub in subs:
                self._drop(sub)
                sub.deliver(exc)
            return
        for sub in subs:
            # The list said terminal but the describe lags behind: look again next round.
            sub.needs_describe = expect_terminal and not job.is_terminal
            sub.seen = (job.status.value, job.secondary_status)
            self.stats.wakeups += 1
            sub.deliver(job)
            if job.is_terminal:
                self._drop(sub)  # its trigger fires and unregisters; stop watching for it now

    def _drop(self, sub: Subscription) -> None:
        self.unregister(sub)

    def _fall_back(self, exc: BaseException) -> None:
        self.listing_permitted = False
        count = self.subscription_count
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

    def _fail_all(self, exc: BaseException) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._drop(sub)
                sub.deliver(exc)


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
    one describe per terminal job."""
    return 1 + math.ceil(changed / PAGE_SIZE) + terminal
