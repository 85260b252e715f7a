"""Async waiting for an AutoML job on the triggerer.

This module is imported when DAG files are parsed and when the triggerer rebuilds a
trigger: it must not import boto3/botocore/aiobotocore or the hook at module level.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_automl.exceptions import AutoMLValidationError

if TYPE_CHECKING:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
    from airflow_provider_automl.jobs import AutoMLJob

# Indirections so tests control time instead of sleeping.
_sleep = asyncio.sleep
_now = time.time
_rng = random.Random()

POLL_JITTER = 0.1  # +-10% on each poll interval: triggers deferred together do not poll in lockstep
MAX_BACKOFF_FACTOR = 4  # transient-error backoff is capped at this many poll intervals


class SageMakerAutoMLJobTrigger(BaseTrigger):
    """Wait for a SageMaker AutoML job to end; fire one event.

    Polls DescribeAutoMLJobV2 every ``poll_interval`` seconds (+-10% jitter) on an aiobotocore
    client shared by all triggers of the same connection, region, verify and botocore config
    in the triggerer process. Logs each secondary-status transition once. Throttling and
    network errors back off (exponential, jittered, capped at 4 poll intervals) and never fail
    the task by themselves.

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
    ) -> None:
        super().__init__()
        if not _is_positive_number(poll_interval):
            raise AutoMLValidationError("poll_interval", poll_interval, "Allowed: a number of seconds > 0.")
        self.job_name = job_name
        self.poll_interval = poll_interval
        self.deadline = deadline
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config
        self.last_secondary_status = last_secondary_status
        self.accept_stopped = accept_stopped
        self._hook: SageMakerAutoMLHook | None = None
        self._seen_status = last_secondary_status

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_name": self.job_name,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
                "last_secondary_status": self.last_secondary_status,
                "accept_stopped": self.accept_stopped,
            },
        )

    @property
    def hook(self) -> SageMakerAutoMLHook:
        if self._hook is None:
            from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

            self._hook = SageMakerAutoMLHook(
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                config=self.botocore_config,
            )
        return self._hook

    async def _poll_once(self) -> AutoMLJob:
        """One look at the job. A coalescing watcher (ListAutoMLJobs) can replace this."""
        return await self.hook.describe_job_async(self.job_name)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_automl.exceptions import AutoMLJobNotFoundError
        from airflow_provider_automl.hooks.automl import is_transient_error

        last_job: AutoMLJob | None = None
        errors = 0  # consecutive transient errors
        while True:
            try:
                job = await self._poll_once()
            except AutoMLJobNotFoundError as exc:
                yield self._event("error", str(exc), None)
                return
            except Exception as exc:
                if not is_transient_error(exc):
                    if not _is_client_error(exc):
                        raise  # a bug: let the triggerer fail the task with the traceback
                    message = f"Describing AutoML job {self.job_name!r} failed: {exc}"
                    yield self._event("error", message, last_job)
                    return
                errors += 1
                delay = self._backoff(errors)
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
                    yield self._event("timeout", self._timeout_message(last_job), last_job)
                    return
                # Wake at the deadline for one last look rather than overshooting it.
                delay = min(delay, remaining)
            await _sleep(delay)

    def _backoff(self, errors: int) -> float:
        cap = self.poll_interval * MAX_BACKOFF_FACTOR
        return min(self.poll_interval * 2**errors, cap) * _rng.uniform(0.5, 1.0)

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
            return self._event("success", job.summary(), job)
        if job.status is AutoMLJobStatus.STOPPED:
            if self.accept_stopped:
                return self._event("success", f"{job.failure_message()} (accepted: accept_stopped=True)", job)
            return self._event("stopped", job.failure_message(), job)
        return self._event("failed", job.failure_message(), job)

    def _timeout_message(self, job: AutoMLJob | None) -> str:
        deadline = dt.datetime.fromtimestamp(self.deadline or 0, tz=dt.timezone.utc).isoformat()
        seen = (
            f"last status seen: {job.status.value} ({job.secondary_status})"
            if job is not None
            else "no status seen (every describe failed)"
        )
        return f"AutoML job {self.job_name!r} did not finish by the deadline {deadline}; {seen}"

    def _event(self, status: str, message: str, job: AutoMLJob | None) -> TriggerEvent:
        if status != "success":
            self.log.warning(message)
        else:
            self.log.info(message)
        return TriggerEvent(
            {
                "status": status,
                "job_name": self.job_name,
                "message": message,
                "job": job.to_record() if job is not None else None,
            }
        )


def _is_positive_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0


def _is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)
