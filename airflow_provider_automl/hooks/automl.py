"""The hook for AutoML jobs: create, describe, list, stop, and the one wait loop (sync for tasks,
async for triggers)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_automl.exceptions import (
    AutoMLJobExistsError,
    AutoMLValidationError,
    AutoMLWaitTimeoutError,
)
from airflow_provider_automl.hooks.base import MAX_PAGE_SIZE, SageMakerBaseHook
from airflow_provider_automl.hooks.errors import (
    error_code,
    is_transient_error,
    job_not_found_as_error,
)
from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus, Candidate, json_safe
from airflow_provider_automl.requests.coerce import choice

# Indirections so tests control time instead of sleeping.
_sleep = time.sleep
_monotonic = time.monotonic

_CREATE_OPERATIONS = {"v1": "CreateAutoMLJob", "v2": "CreateAutoMLJobV2"}


@dataclass
class JobWatch:
    """Waiting on one job: what was last seen and the current streak of transient errors.

    The in-worker wait keeps one for its loop, a sensor one across its pokes, so each status
    transition is logged once, and an error streak once when it starts and once when it ends.
    """

    job_name: str
    log: Any
    started: float = field(default_factory=lambda: _monotonic())
    job: AutoMLJob | None = None
    errors: int = 0
    last_error: BaseException | None = None

    def seen(self, job: AutoMLJob) -> AutoMLJob:
        previous, self.job = self.job, job
        if previous is None or (previous.status, previous.secondary_status) != (
            job.status,
            job.secondary_status,
        ):
            self.log.info(
                "AutoML job %s: %s / %s (%.0fs elapsed)",
                job.name,
                job.status.value,
                job.secondary_status,
                _monotonic() - self.started,
            )
        return job

    def timeout_message(self, max_wait: float) -> str:
        job = self.job
        seen = f"still {job.status.value} / {job.secondary_status} (last seen)" if job else "never described"
        failing = f" The last {self.errors} check(s) failed: {self.last_error}" if self.errors else ""
        return (
            f"AutoML job {self.job_name} {seen} after max_wait={max_wait:.0f}s; "
            f"the job keeps running.{failing}"
        )


class SageMakerAutoMLHook(SageMakerBaseHook):
    """Create, describe, list, stop and wait for SageMaker Autopilot (AutoML) jobs, V1 and V2.

    Every request goes through the one validator before it is sent (see
    :class:`~airflow_provider_automl.hooks.base.SageMakerBaseHook`).
    """

    # -- create / describe / stop -------------------------------------------------------------

    def create_job(self, request: dict[str, Any], *, api_version: str = "v2") -> str:
        """Create a job from a request (``requests.build_*``); return its ARN.

        :raises AutoMLJobExistsError: the name is taken (ResourceInUse).
        """
        operation = _CREATE_OPERATIONS[choice("api_version", api_version, tuple(_CREATE_OPERATIONS))]
        job_name = request.get("AutoMLJobName", "")
        from botocore.exceptions import ClientError

        try:
            response = self.call(operation, request)
        except ClientError as exc:
            if error_code(exc) == "ResourceInUse":
                raise AutoMLJobExistsError(job_name) from exc
            raise
        arn = str(response["AutoMLJobArn"])
        self.log.info("Created AutoML job %s (%s): %s", job_name, operation, arn)
        return arn

    def describe_job(self, job_name: str) -> AutoMLJob:
        """DescribeAutoMLJobV2 (answers for V1- and V2-created jobs) as an :class:`AutoMLJob`."""
        return AutoMLJob.from_describe(self.describe_job_response(job_name))

    def describe_job_response(self, job_name: str) -> dict[str, Any]:
        """The DescribeAutoMLJobV2 response itself, JSON-safe (what a reattach compares against)."""
        with job_not_found_as_error(job_name):
            response = self.call("DescribeAutoMLJobV2", {"AutoMLJobName": job_name})
        return dict(json_safe(response))

    def describe_job_v1(self, job_name: str) -> dict[str, Any]:
        """The V1 DescribeAutoMLJob response, JSON-safe."""
        with job_not_found_as_error(job_name):
            response = self.call("DescribeAutoMLJob", {"AutoMLJobName": job_name})
        return dict(json_safe(response))

    def stop_job(self, job_name: str) -> bool:
        """Request a stop; True when requested, False when the job was already terminal or stopping."""
        from botocore.exceptions import ClientError

        job = self.describe_job(job_name)
        if job.is_terminal or job.status is AutoMLJobStatus.STOPPING:
            self.log.info("AutoML job %s is already %s; nothing to stop", job_name, job.status.value)
            return False
        try:
            with job_not_found_as_error(job_name):
                self.call("StopAutoMLJob", {"AutoMLJobName": job_name})
        except ClientError as exc:
            if error_code(exc) != "ValidationException":
                raise
            # The job finished between describe and stop.
            job = self.describe_job(job_name)
            if job.is_terminal or job.status is AutoMLJobStatus.STOPPING:
                self.log.info("AutoML job %s became %s before the stop", job_name, job.status.value)
                return False
            raise
        self.log.info("Requested stop of AutoML job %s", job_name)
        return True

    # -- waiting -------------------------------------------------------------------------------

    def look(self, watch: JobWatch) -> AutoMLJob | None:
        """One describe for ``watch``; a transient error (throttling, 5xx, network) gives None."""
        try:
            job = self.describe_job(watch.job_name)
        except Exception as exc:
            if not is_transient_error(exc):
                raise
            watch.errors, watch.last_error = watch.errors + 1, exc
            if watch.errors == 1:
                seen = (
                    f"{watch.job.status.value} / {watch.job.secondary_status}" if watch.job else "nothing yet"
                )
                watch.log.warning(
                    "Describing AutoML job %s failed (%s); still waiting (last seen %s).",
                    watch.job_name,
                    exc,
                    seen,
                )
            return None
        if watch.errors:
            watch.log.info(
                "Describing AutoML job %s works again after %d error(s).", watch.job_name, watch.errors
            )
            watch.errors, watch.last_error = 0, None
        return watch.seen(job)

    def wait_for_job(
        self,
        job_name: str,
        *,
        check_interval: float,
        max_wait: float | None = None,
        job: AutoMLJob | None = None,
        log: Any = None,
    ) -> AutoMLJob:
        """Describe every ``check_interval`` seconds until the job is terminal; return the last view.

        Transient errors are waited out (logged once per streak) up to ``max_wait``; ``job``, when
        given, is the view already in hand (not described again first).

        :raises AutoMLWaitTimeoutError: ``max_wait`` seconds passed first (the job keeps running).
        """
        watch = JobWatch(job_name, log or self.log)
        current = watch.seen(job) if job is not None else self.look(watch)
        while current is None or not current.is_terminal:
            if max_wait is not None and _monotonic() - watch.started >= max_wait:
                raise AutoMLWaitTimeoutError(job_name, watch.timeout_message(max_wait), job=watch.job)
            _sleep(check_interval)
            current = self.look(watch) or current
        return current

    # -- listing -------------------------------------------------------------------------------

    def list_candidates(
        self,
        job_name: str,
        *,
        status_equals: str | None = None,
        candidate_name_equals: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        limit: int | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[Candidate]:
        """ListCandidatesForAutoMLJob over all pages (up to ``limit`` candidates)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise AutoMLValidationError("limit", limit, "Allowed: a positive integer or None.")
        optional = {
            "StatusEquals": status_equals,
            "CandidateNameEquals": candidate_name_equals,
            "SortBy": sort_by,
            "SortOrder": sort_order,
            "MaxResults": min(page_size, limit) if limit else page_size,
        }
        request = {"AutoMLJobName": job_name, **{k: v for k, v in optional.items() if v is not None}}
        pagination = {"MaxItems": limit} if limit else {}
        candidates: list[Candidate] = []
        with job_not_found_as_error(job_name):
            for page in self.paginate("ListCandidatesForAutoMLJob", request, pagination):
                for item in page.get("Candidates", ()):
                    candidates.append(Candidate.from_response(item))
                    if limit is not None and len(candidates) >= limit:
                        return candidates
        self.log.info("AutoML job %s has %d candidate(s) matching the filters", job_name, len(candidates))
        return candidates

    def list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        """ListAutoMLJobs over all pages; ``filters`` are the API's request fields. JSON-safe summaries."""
        summaries: list[dict[str, Any]] = []
        for page in self.paginate("ListAutoMLJobs", filters):
            summaries.extend(json_safe(page.get("AutoMLJobSummaries", [])))
        return summaries

    # -- async (triggers) ----------------------------------------------------------------------

    async def describe_job_async(self, job_name: str) -> AutoMLJob:
        """DescribeAutoMLJobV2 on the shared async client; not found -> AutoMLJobNotFoundError."""
        with job_not_found_as_error(job_name):
            response = await self.call_async("DescribeAutoMLJobV2", {"AutoMLJobName": job_name})
        return AutoMLJob.from_describe(response)

    async def list_jobs_changed_since_async(
        self, after: dt.datetime, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """ListAutoMLJobs(LastModifiedTimeAfter=after), one page per call, on the shared async client.

        Yields the raw summaries of each page (datetimes kept). Sorted by CreationTime, which never
        changes, so a job modified while the pages are read cannot move between pages.
        """
        request = {
            "LastModifiedTimeAfter": after,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": page_size,
        }
        async for response in self.pages_async("ListAutoMLJobs", request):
            yield list(response.get("AutoMLJobSummaries", ()))
