"""The only module that talks to SageMaker for AutoML (sync for tasks, async for triggers)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from airflow_provider_automl.exceptions import (
    AutoMLJobExistsError,
    AutoMLJobNotFoundError,
    AutoMLValidationError,
)
from airflow_provider_automl.hooks import clients
from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus, Candidate, json_safe

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# Retry throttling with a client-side rate limiter; a user config that sets retries wins.
DEFAULT_RETRIES: dict[str, Any] = {"mode": "adaptive", "max_attempts": 10}

_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
_API_VERSIONS = ("v1", "v2")
_MAX_PAGE_SIZE = 100


def is_transient_error(exc: BaseException) -> bool:
    """True for errors worth waiting out: throttling, 5xx, connection drops and timeouts."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error.get("Code") in _TRANSIENT_CODES or int(status) >= 500
    # EndpointConnectionError, ConnectTimeoutError (ConnectionError); ReadTimeoutError,
    # ConnectionClosedError (HTTPClientError).
    if isinstance(exc, (BotocoreConnectionError, HTTPClientError)):
        return True
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return True
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - aiobotocore depends on aiohttp
        return False
    return isinstance(exc, aiohttp.ClientError)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_not_found(exc: ClientError) -> bool:
    code = _error_code(exc)
    if code in ("ResourceNotFound", "ResourceNotFoundException"):
        return True
    message = str(exc.response.get("Error", {}).get("Message", "")).lower()
    return code == "ValidationException" and any(
        phrase in message for phrase in ("does not exist", "not found", "could not find")
    )


@contextmanager
def _job_not_found_as_error(job_name: str) -> Iterator[None]:
    """Turn SageMaker's "no such job" answers into :class:`AutoMLJobNotFoundError`."""
    try:
        yield
    except ClientError as exc:
        if _is_not_found(exc):
            raise AutoMLJobNotFoundError(job_name) from exc
        raise


class SageMakerAutoMLHook(AwsBaseHook):
    """Create, describe, list and stop SageMaker Autopilot (AutoML) jobs, V1 and V2.

    Thin wrapper around ``boto3.client("sagemaker")`` on the amazon provider's
    :class:`~airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`: connection
    ``aws_default``, role assumption and ``endpoint_url`` come from the ``aws`` connection.
    Unless the botocore config sets ``retries``, retries use mode "adaptive", 10 attempts.

    Keyword arguments (``aws_conn_id``, ``region_name``, ``verify``, ``config``) go to the base hook.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "sagemaker"
        super().__init__(*args, **kwargs)

    @property
    def config(self) -> Config:
        config = super().config
        if getattr(config, "retries", None) is None:
            config = config.merge(Config(retries=cast("Any", dict(DEFAULT_RETRIES))))
        return config

    @property
    def client(self) -> SageMakerClient:
        """The cached boto3 SageMaker client (``self.conn``), typed."""
        return cast("SageMakerClient", self.conn)

    # -- create / describe / stop -------------------------------------------------------------

    def create_job(self, request: dict[str, Any], *, api_version: str = "v2") -> str:
        """Create a job from a validated request (``requests.build_*``); return its ARN."""
        if api_version not in _API_VERSIONS:
            raise AutoMLValidationError("api_version", api_version, "Allowed: 'v1', 'v2'.")
        job_name = request.get("AutoMLJobName", "")
        call = self.client.create_auto_ml_job_v2 if api_version == "v2" else self.client.create_auto_ml_job
        try:
            response = call(**request)
        except ClientError as exc:
            if _error_code(exc) == "ResourceInUse":
                raise AutoMLJobExistsError(job_name) from exc
            raise
        arn = response["AutoMLJobArn"]
        self.log.info("Created AutoML job %s (API %s): %s", job_name, api_version.upper(), arn)
        return arn

    def describe_job(self, job_name: str) -> AutoMLJob:
        """DescribeAutoMLJobV2 (answers for V1- and V2-created jobs) as an :class:`AutoMLJob`."""
        return AutoMLJob.from_describe(self.describe_job_response(job_name))

    def describe_job_response(self, job_name: str) -> dict[str, Any]:
        """The DescribeAutoMLJobV2 response itself, JSON-safe (what a reattach compares against)."""
        with _job_not_found_as_error(job_name):
            response = self.client.describe_auto_ml_job_v2(AutoMLJobName=job_name)
        return dict(json_safe(response))

    def describe_job_v1(self, job_name: str) -> dict[str, Any]:
        """The V1 DescribeAutoMLJob response, JSON-safe."""
        with _job_not_found_as_error(job_name):
            response = self.client.describe_auto_ml_job(AutoMLJobName=job_name)
        return json_safe(response)

    def stop_job(self, job_name: str) -> bool:
        """Request a stop; True when requested, False when the job was already terminal or stopping."""
        job = self.describe_job(job_name)
        if job.is_terminal or job.status is AutoMLJobStatus.STOPPING:
            self.log.info("AutoML job %s is already %s; nothing to stop", job_name, job.status.value)
            return False
        try:
            self.client.stop_auto_ml_job(AutoMLJobName=job_name)
        except ClientError as exc:
            if _is_not_found(exc):
                raise AutoMLJobNotFoundError(job_name) from exc
            if _error_code(exc) != "ValidationException":
                raise
            # The job finished between describe and stop.
            job = self.describe_job(job_name)
            if job.is_terminal or job.status is AutoMLJobStatus.STOPPING:
                self.log.info("AutoML job %s became %s before the stop", job_name, job.status.value)
                return False
            raise
        self.log.info("Requested stop of AutoML job %s", job_name)
        return True

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
        page_size: int = _MAX_PAGE_SIZE,
    ) -> list[Candidate]:
        """ListCandidatesForAutoMLJob over all pages (up to ``limit`` candidates)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise AutoMLValidationError("limit", limit, "Allowed: a positive integer or None.")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
            raise AutoMLValidationError("page_size", page_size, "Allowed: an integer from 1 to 100.")
        params: dict[str, Any] = {"AutoMLJobName": job_name}
        optional = {
            "StatusEquals": status_equals,
            "CandidateNameEquals": candidate_name_equals,
            "SortBy": sort_by,
            "SortOrder": sort_order,
        }
        params.update({k: v for k, v in optional.items() if v is not None})
        pagination: dict[str, Any] = {"PageSize": min(page_size, limit) if limit else page_size}
        if limit:
            pagination["MaxItems"] = limit
        paginator = self.client.get_paginator("list_candidates_for_auto_ml_job")
        candidates: list[Candidate] = []
        with _job_not_found_as_error(job_name):
            for page in paginator.paginate(**params, PaginationConfig=cast("Any", pagination)):
                for item in page.get("Candidates", ()):
                    candidates.append(Candidate.from_response(item))
                    if limit is not None and len(candidates) >= limit:
                        return candidates
        self.log.info("AutoML job %s has %d candidate(s) matching the filters", job_name, len(candidates))
        return candidates

    def list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        """ListAutoMLJobs over all pages; ``filters`` are the API's request fields. JSON-safe summaries."""
        paginator = self.client.get_paginator("list_auto_ml_jobs")
        summaries: list[dict[str, Any]] = []
        for page in paginator.paginate(**filters):
            summaries.extend(json_safe(page.get("AutoMLJobSummaries", [])))
        return summaries

    # -- async (triggers) ----------------------------------------------------------------------

    def client_cache_key(self) -> tuple[Any, ...]:
        """Key of the shared async client: what the hook was built with, no connection lookup."""
        return (self.aws_conn_id, self._region_name, self._verify, clients.freeze_config(self._config))

    async def get_shared_async_conn(self) -> Any:
        """The process-wide aiobotocore SageMaker client for this hook's key (never close it)."""
        return await clients.get_client(self.client_cache_key(), self.get_async_conn)

    async def describe_job_async(self, job_name: str) -> AutoMLJob:
        """DescribeAutoMLJobV2 on the shared async client; not found -> AutoMLJobNotFoundError."""
        client = await self.get_shared_async_conn()
        with _job_not_found_as_error(job_name):
            response = await client.describe_auto_ml_job_v2(AutoMLJobName=job_name)
        return AutoMLJob.from_describe(response)

    async def list_jobs_changed_since_async(
        self, after: dt.datetime, *, page_size: int = _MAX_PAGE_SIZE
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """ListAutoMLJobs(LastModifiedTimeAfter=after), one page per call, on the shared async client.

        Yields the raw summaries of each page (datetimes kept). Sorted by CreationTime, which never
        changes, so a job modified while the pages are read cannot move between pages.
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
            raise AutoMLValidationError("page_size", page_size, "Allowed: an integer from 1 to 100.")
        client = await self.get_shared_async_conn()
        params: dict[str, Any] = {
            "LastModifiedTimeAfter": after,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": page_size,
        }
        while True:
            response = await client.list_auto_ml_jobs(**params)
            yield list(response.get("AutoMLJobSummaries", ()))
            token = response.get("NextToken")
            if not token:
                return
            params["NextToken"] = token


def is_access_denied(exc: BaseException) -> bool:
    """True when the caller's IAM policy does not allow the action."""
    return isinstance(exc, ClientError) and _error_code(exc) in _ACCESS_DENIED_CODES
