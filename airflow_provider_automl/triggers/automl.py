"""Async waiting for an AutoML job on the triggerer.

This module is imported when DAG files are parsed and when the triggerer rebuilds a
trigger: it must not import boto3/botocore/aiobotocore or the hook at module level.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import random
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.coerce import positive_seconds, strict_bool
from airflow_provider_automl.requests.names import validate_job_name
from airflow_provider_automl.triggers.events import EventStatus, job_event

if TYPE_CHECKING:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
    from airflow_provider_automl.jobs import AutoMLJob
    from airflow_provider_automl.triggers.watcher import Subscription

# Indirections so tests control time instead of sleeping.
_sleep = asyncio.sleep
_now = time.time
_rng = random.Random()

POLL_JITTER = 0.1  # +-10% on each poll interval: triggers deferred together do not poll in lockstep
_DEADLINE = object()  # what _next_observation returns when the deadline passes first


class SageMakerAutoMLJobTrigger(BaseTrigger):
    """Wait for a SageMaker AutoML job to end; fire one event.

    By default (``coalesce=True``) the trigger registers with the process's coalescing watcher
    for its connection, region, verify and botocore config
    (:mod:`airflow_provider_automl.triggers.watcher`): one DescribeAutoMLJobV2 when it starts, then
    one ListAutoMLJobs call per round for all waiting triggers wakes it only when its job changes,
    and one DescribeAutoMLJobV2 fetches the full record when the job ends. Rounds run every
    ``poll_interval`` (the smallest among the watcher's triggers). Where ListAutoMLJobs is denied,
    or with ``coalesce=False``, the trigger polls DescribeAutoMLJobV2 itself every
    ``poll_interval`` seconds (+-10% jitter). Either way the aiobotocore client is shared by all
    triggers of the same settings in the process, each secondary-status transition is logged
    once, and throttling or network errors back off (exponential, jittered, capped at 4 poll
    intervals) and never fail the task by themselves.

    Event payload: ``{"status", "job_name", "message", "job"}`` where ``status`` is
    ``"success"`` (Completed; also Stopped with ``accept_stopped``), ``"failed"``, ``"stopped"``,
    ``"timeout"`` (``deadline`` passed) or ``"error"`` (job not found, non-transient API error),
    and ``job`` is :meth:`AutoMLJob.to_record` of the last describe, or None.

    :param job_name: The AutoML job to wait for.
    :param poll_interval: Seconds between describes.
    :param deadline: Epoch seconds after which a ``"timeout"`` event fires; None waits forever.
    :param aws_conn_id: The Airflow AWS connection.
    :param region_name: AWS region; None uses the connection's.
    :param verify: SSL certificate verification (bool or CA bundle path).
    :param botocore_config: botocore client config as a dict.
    :param last_secondary_status: Secondary status already logged by the operator (not logged again).
    :param accept_stopped: Report a Stopped job as ``"success"``.
    :param coalesce: Share one ListAutoMLJobs call per round with the other AutoML triggers of
        this process; False polls DescribeAutoMLJobV2 for this job alone.
    """

    def __init__(
        self,
        *,
        job_name: str,
        poll_interval: float = 60,
        deadline: float | None = None,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        last_secondary_status: str | None = None,
        accept_stopped: bool = False,
        coalesce: bool = True,
    ) -> None:
        super().__init__()
        # Checked here, in the task, so a bad trigger never reaches the triggerer.
        self.job_name = validate_job_name(job_name)
        self.poll_interval = positive_seconds("poll_interval", poll_interval)
        if deadline is not None and (
            isinstance(deadline, bool)
            or not isinstance(deadline, (int, float))
            or not math.isfinite(deadline)
        ):
            raise AutoMLValidationError("deadline", deadline, "Allowed: epoch seconds (a number), or None.")
        self.deadline = deadline
        self.aws = AwsParams.checked(
            aws_conn_id=aws_conn_id, region_name=region_name, verify=verify, botocore_config=botocore_config
        )
        if last_secondary_status is not None and not isinstance(last_secondary_status, str):
            raise AutoMLValidationError(
                "last_secondary_status", last_secondary_status, "Allowed: a string or None."
            )
        self.last_secondary_status = last_secondary_status
        self.accept_stopped = strict_bool("accept_stopped", accept_stopped)
        self.coalesce = strict_bool("coalesce", coalesce)
        self._hook: SageMakerAutoMLHook | None = None
        self._seen_status = last_secondary_status

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_name": self.job_name,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                **self.aws.to_kwargs(),
                "last_secondary_status": self.last_secondary_status,
                "accept_stopped": self.accept_stopped,
                "coalesce": self.coalesce,
            },
        )

    @property
    def hook(self) -> SageMakerAutoMLHook:
        if self._hook is None:
            from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

            self._hook = self.aws.build_hook(SageMakerAutoMLHook)
        return self._hook

    async def _poll_once(self) -> AutoMLJob:
        """One look at the job (per-job polling: coalesce=False, fallback, the deadline's last look)."""
        return await self.hook.describe_job_async(self.job_name)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        if self.coalesce:
            async for event in self._run_coalesced():
                yield event
        else:
            async for event in self._run_polling():
                yield event

    async def _run_coalesced(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_automl.triggers.watcher import FALLBACK, apply_summary, get_watcher

        last_job: AutoMLJob | None = None
        if self.deadline is not None and self.deadline <= _now():
            # Past the deadline already: one last look of our own, as per-job polling does.
            async for event in self._run_polling():
                yield event
            return
        watcher = get_watcher(self.aws)
        sub = watcher.register(self.job_name, interval=self.poll_interval)
        if sub is None:  # listing is denied in this process (already logged by the watcher)
            async for event in self._run_polling():
                yield event
            return
        handover: float | None = None  # set: continue with per-job polling after this delay
        try:
            while True:
                observation = await self._next_observation(sub)
                if observation is _DEADLINE:
                    handover = 0.0
                    break
                if observation is FALLBACK:
                    handover = self.poll_interval * _rng.uniform(1 - POLL_JITTER, 1 + POLL_JITTER)
                    break
                if isinstance(observation, BaseException):
                    sub.unregister()
                    yield self._error_event(observation, last_job)
                    return
                job = apply_summary(last_job, observation) if isinstance(observation, dict) else observation
                last_job = job
                self._log_transition(job)
                if job.is_terminal:
                    sub.unregister()  # before yielding: the triggerer may never resume us
                    yield self._terminal_event(job)
                    return
        finally:
            sub.unregister()
        # At the deadline the last look is a describe of our own (per-job semantics: a job that
        # ended meanwhile still succeeds); after a fallback we simply poll per job from now on.
        async for event in self._run_polling(last_job=last_job, first_delay=handover):
            yield event

    async def _next_observation(self, sub: Subscription) -> Any:
        """The watcher's next word on our job, or _DEADLINE when the deadline comes first."""
        if self.deadline is None:
            return await sub.get()
        getter = asyncio.ensure_future(sub.get())
        sleeper = asyncio.ensure_future(_sleep(max(self.deadline - _now(), 0)))
        try:
            await asyncio.wait({getter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                return getter.result()
            return _DEADLINE
        finally:
            getter.cancel()
            sleeper.cancel()

    def _error_event(self, exc: BaseException, last_job: AutoMLJob | None) -> TriggerEvent:
        """The event for a describe error the per-job loop would end on; other errors raise."""
        from airflow_provider_automl.exceptions import AutoMLJobNotFoundError
        from airflow_provider_automl.hooks.errors import is_client_error

        if isinstance(exc, AutoMLJobNotFoundError):
            return self._event(EventStatus.ERROR, str(exc), None)
        if not is_client_error(exc):
            raise exc  # a bug: let the triggerer fail the task with the traceback
        return self._event(
            EventStatus.ERROR, f"Describing AutoML job {self.job_name!r} failed: {exc}", last_job
        )

    async def _run_polling(
        self, *, last_job: AutoMLJob | None = None, first_delay: float | None = None
    ) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_automl.exceptions import AutoMLJobNotFoundError
        from airflow_provider_automl.hooks.errors import backoff_delay, is_client_error, is_transient_error

        errors = 0  # consecutive transient errors
        if first_delay:
            await _sleep(first_delay)
        while True:
            try:
                job = await self._poll_once()
            except AutoMLJobNotFoundError as exc:
                yield self._event(EventStatus.ERROR, str(exc), None)
                return
            except Exception as exc:
                if not is_transient_error(exc):
                    if not is_client_error(exc):
                        raise  # a bug: let the triggerer fail the task with the traceback
                    message = f"Describing AutoML job {self.job_name!r} failed: {exc}"
                    yield self._event(EventStatus.ERROR, message, last_job)
                    return
                errors += 1
                delay = backoff_delay(self.poll_interval, errors, _rng)
                if errors == 1:
                    self.log.warning(
                        "Transient error describing AutoML job %s: %s. Retrying in %.0fs, "
                        "with backoff, until it clears.",
                        self.job_name,
                        exc,
                        delay,
                    )
                else:
                    self.log.debug("Transient error #%d for AutoML job %s: %s", errors, self.job_name, exc)
            else:
                if errors:
                    self.log.info("Describing AutoML job %s works again after %d error(s)", job.name, errors)
                    errors = 0
                last_job = job
                self._log_transition(job)
                if job.is_terminal:
                    yield self._terminal_event(job)
                    return
                delay = self.poll_interval * _rng.uniform(1 - POLL_JITTER, 1 + POLL_JITTER)
            if self.deadline is not None:
                remaining = self.deadline - _now()
                if remaining <= 0:
                    yield self._event(EventStatus.TIMEOUT, self._timeout_message(last_job), last_job)
                    return
                # Wake at the deadline for one last look rather than overshooting it.
                delay = min(delay, remaining)
            await _sleep(delay)

    def _log_transition(self, job: AutoMLJob) -> None:
        if job.secondary_status == self._seen_status:
            return
        self._seen_status = job.secondary_status
        if job.creation_time is not None:
            elapsed = dt.timedelta(seconds=round(_now() - job.creation_time.timestamp()))
            self.log.info(
                "AutoML job %s: %s / %s (%s since creation)",
                job.name,
                job.status.value,
                job.secondary_status,
                elapsed,
            )
        else:
            self.log.info("AutoML job %s: %s / %s", job.name, job.status.value, job.secondary_status)

    def _terminal_event(self, job: AutoMLJob) -> TriggerEvent:
        from airflow_provider_automl.jobs import AutoMLJobStatus

        if job.is_success:
            return self._event(EventStatus.SUCCESS, job.summary(), job)
        if job.status is AutoMLJobStatus.STOPPED:
            if self.accept_stopped:
                return self._event(
                    EventStatus.SUCCESS, f"{job.failure_message()} (accepted: accept_stopped=True)", job
                )
            return self._event(EventStatus.STOPPED, job.failure_message(), job)
        return self._event(EventStatus.FAILED, job.failure_message(), job)

    def _timeout_message(self, job: AutoMLJob | None) -> str:
        deadline = dt.datetime.fromtimestamp(self.deadline or 0, tz=dt.timezone.utc).isoformat()
        seen = (
            f"last status seen: {job.status.value} ({job.secondary_status})"
            if job is not None
            else "no status seen (every describe failed)"
        )
        return f"AutoML job {self.job_name!r} did not finish by the deadline {deadline}; {seen}"

    def _event(self, status: EventStatus, message: str, job: AutoMLJob | None) -> TriggerEvent:
        if status is EventStatus.SUCCESS:
            self.log.info(message)
        else:
            self.log.warning(message)
        return TriggerEvent(job_event(status, self.job_name, message, job))
