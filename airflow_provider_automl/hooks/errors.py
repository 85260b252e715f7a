"""One place that reads SageMaker's errors and decides how long to back off.

Used by both hooks, the in-worker wait loop, the trigger and the watcher (those two import it
lazily: it imports botocore).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from airflow_provider_automl.exceptions import AutoMLJobNotFoundError

TRANSIENT_CODES = frozenset(
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
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
MAX_BACKOFF_FACTOR = 4  # a backoff never exceeds this many poll intervals


def is_client_error(exc: BaseException) -> bool:
    """An answer from the service (as opposed to a network failure or a bug)."""
    return isinstance(exc, ClientError)


def error_code(exc: BaseException) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""


def error_message(exc: BaseException) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")) if isinstance(exc, ClientError) else ""


def is_not_found(exc: BaseException) -> bool:
    """ResourceNotFound, or SageMaker's ValidationException "... does not exist"."""
    code = error_code(exc)
    if code in NOT_FOUND_CODES:
        return True
    message = error_message(exc).lower()
    return code == "ValidationException" and any(
        phrase in message for phrase in ("does not exist", "not exist", "not found", "could not find")
    )


def is_already_exists(exc: BaseException) -> bool:
    """ResourceInUse, or a ValidationException "... already exists"."""
    return error_code(exc) == "ResourceInUse" or "already exist" in error_message(exc).lower()


def is_access_denied(exc: BaseException) -> bool:
    """True when the caller's IAM policy does not allow the action."""
    return error_code(exc) in ACCESS_DENIED_CODES


def is_transient_error(exc: BaseException) -> bool:
    """True for errors worth waiting out: throttling, 5xx, connection drops and timeouts."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error_code(exc) in TRANSIENT_CODES or int(status) >= 500
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


def backoff_delay(interval: float, errors: int, rng: random.Random) -> float:
    """Seconds to wait after ``errors`` consecutive transient errors: doubling, capped, jittered."""
    return min(interval * 2**errors, interval * MAX_BACKOFF_FACTOR) * rng.uniform(0.5, 1.0)


@contextmanager
def job_not_found_as_error(job_name: str) -> Iterator[None]:
    """Turn SageMaker's "no such job" answers into :class:`AutoMLJobNotFoundError`."""
    try:
        yield
    except ClientError as exc:
        if is_not_found(exc):
            raise AutoMLJobNotFoundError(job_name) from exc
        raise
