"""The process-wide shared aiobotocore clients of the triggerer."""

from __future__ import annotations

import asyncio
import json

import pytest
from botocore.exceptions import (
    ClientError,
)

from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from tests.unit.conftest import REGION


def client_error(code: str, message: str = "", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


class FakeClientContext:
    """Stands in for aiobotocore's ClientCreatorContext; counts enters and exits."""

    def __init__(self) -> None:
        self.entered = 0
        self.exited = 0

    async def __aenter__(self) -> object:
        self.entered += 1
        await asyncio.sleep(0)  # let concurrent callers pile up on the lock
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.exited += 1


async def test_client_cache_creates_one_client_per_key_under_concurrency() -> None:
    from airflow_provider_automl.hooks import clients

    created: list[FakeClientContext] = []

    async def create() -> FakeClientContext:
        created.append(FakeClientContext())
        return created[-1]

    try:
        results = await asyncio.gather(*(clients.get_client(("a", REGION), create) for _ in range(20)))
        other = await clients.get_client(("b", REGION), create)

        assert len(created) == 2
        assert all(r is created[0] for r in results)
        assert other is created[1]
        assert clients.cached_client_count() == 2
    finally:
        await clients.close_all()
    assert [c.exited for c in created] == [1, 1]
    assert clients.cached_client_count() == 0


def test_client_cache_is_per_event_loop() -> None:
    from airflow_provider_automl.hooks import clients

    async def use() -> object:
        client = await clients.get_client("key", _fake_create)
        await clients.close_all()
        return client

    # A client bound to a closed loop must never be handed to another loop.
    assert asyncio.run(use()) is not asyncio.run(use())


async def _fake_create() -> FakeClientContext:
    return FakeClientContext()


async def test_shared_client_uses_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_automl.hooks import clients

    monkeypatch.setenv(
        "AIRFLOW_CONN_AUTOML_UNIT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "AKIDUNIT",
                "password": "secret",
                "extra": {"region_name": "eu-west-1", "endpoint_url": "http://127.0.0.1:9"},
            }
        ),
    )
    try:
        first = await SageMakerAutoMLHook(aws_conn_id="automl_unit").get_shared_async_conn()
        second = await SageMakerAutoMLHook(aws_conn_id="automl_unit").get_shared_async_conn()
        tuned = await SageMakerAutoMLHook(
            aws_conn_id="automl_unit", config={"read_timeout": 5}
        ).get_shared_async_conn()

        assert first is second
        assert tuned is not first
        assert first.meta.endpoint_url == "http://127.0.0.1:9"
        assert first.meta.region_name == "eu-west-1"
        assert first.meta.config.retries["mode"] == "adaptive"
        assert tuned.meta.config.read_timeout == 5
        credentials = await first._get_credentials().get_frozen_credentials()
        assert credentials.access_key == "AKIDUNIT"
    finally:
        await clients.close_all()


def test_shared_clients_close_with_their_event_loop() -> None:
    # asyncio.run (the triggerer, `airflow dags test`) shuts async generators down on the way
    # out; the shared client must be closed then, not leak an unclosed aiohttp session.
    from airflow_provider_automl.hooks import clients

    exits: list[str] = []

    class Creator:
        async def __aenter__(self) -> str:
            return "client"

        async def __aexit__(self, *exc: object) -> None:
            exits.append("closed")

    async def create() -> Creator:
        return Creator()

    async def use() -> str:
        return str(await clients.get_client(("conn", "eu-west-1"), create))

    assert asyncio.run(use()) == "client"
    assert exits == ["closed"]
