"""Reading SageMaker's errors and backing off: one place for the hooks, the wait loop and the triggers."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from airflow_provider_automl.exceptions import AutoMLJobNotFoundError
from airflow_provider_automl.hooks.errors import (
    backoff_delay,
    is_already_exists,
    is_not_found,
    is_transient_error,
)


def client_error(code: str, message: str = "", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (client_error("ThrottlingException"), True),
        (client_error("Throttling"), True),
        (client_error("TooManyRequestsException"), True),
        (client_error("RequestLimitExceeded"), True),
        (client_error("ServiceUnavailable", status=503), True),
        (client_error("InternalFailure", status=500), True),
        (client_error("SomethingNew", status=502), True),
        (client_error("ValidationException"), False),
        (client_error("AccessDeniedException"), False),
        (client_error("ResourceNotFound"), False),
        (EndpointConnectionError(endpoint_url="https://x"), True),
        (ReadTimeoutError(endpoint_url="https://x"), True),
        (ConnectTimeoutError(endpoint_url="https://x"), True),
        (aiohttp.ClientConnectionError("reset"), True),
        (asyncio.TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("bug"), False),
        (AutoMLJobNotFoundError("x"), False),
    ],
)
def test_is_transient_error(exc: BaseException, transient: bool) -> None:
    assert is_transient_error(exc) is transient


@pytest.mark.parametrize(
    ("exc", "found"),
    [
        (client_error("ResourceNotFound"), True),
        (client_error("ValidationException", "Model Package Group churn does not exist."), True),
        (client_error("ValidationException", "Could not find job x"), True),
        (client_error("ValidationException", "Bad value"), False),
        (ValueError("does not exist"), False),
    ],
)
def test_is_not_found(exc: BaseException, found: bool) -> None:
    assert is_not_found(exc) is found


def test_is_already_exists() -> None:
    assert is_already_exists(client_error("ResourceInUse"))
    assert is_already_exists(client_error("ValidationException", "Model Package Group already exists: x"))
    assert not is_already_exists(client_error("ValidationException", "Bad value"))


def test_backoff_doubles_and_is_capped_at_four_intervals() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff_delay(10, errors, rng) for errors in range(1, 8)]
    assert all(5 <= d <= 40 for d in delays)
    assert max(delays[3:]) <= 40 and min(delays[:1]) >= 10
