"""Connection flood: open connections beyond --max-connections get a prompt 503 and no thread.

The server runs with a cap of 8 connections and a 20 s request timeout, so connections that say
nothing hold their slots for the whole test unless they are closed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest

from automl_local.connections import refusal
from automl_local.process import LocalBackendProcess
from tests.conftest import client_kwargs
from tests.rawhttp import _parse, exchange, sagemaker_head

pytestmark = [pytest.mark.integration, pytest.mark.security]

CAP = 8
FLOOD = 200


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    extra = ["--max-connections", str(CAP), "--request-timeout", "20", "--workers", "1"]
    with LocalBackendProcess(tmp_path_factory.mktemp("connections"), extra_args=extra) as process:
        yield process


def open_silent(url: str, count: int) -> list[socket.socket]:
    parts = urlsplit(url)
    return [socket.create_connection((parts.hostname, parts.port), timeout=10) for _ in range(count)]


def boto3_sagemaker(url: str, attempts: int) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": attempts, "mode": "standard"})
    return boto3.client("sagemaker", config=config, **client_kwargs(url))


def test_refusal_is_one_complete_aws_json_error() -> None:
    answer = _parse(refusal(CAP), 0.0, None)

    assert answer.status == 503
    assert answer.headers["content-type"] == "application/x-amz-json-1.1"
    assert answer.code == "ServiceUnavailable"
    assert f"{CAP} connections" in answer.json["message"]
    assert int(answer.headers["content-length"]) == len(answer.body)


def test_a_connection_over_the_cap_is_answered_503_at_once_and_the_server_lives(
    backend: LocalBackendProcess, record_property: Any
) -> None:
    assert backend.process is not None
    server = psutil.Process(backend.process.pid)
    threads_before = server.num_threads()
    held = open_silent(backend.url, CAP)
    time.sleep(0.5)  # the server accepted them and gave each a thread
    try:
        flood = open_silent(backend.url, FLOOD)
        time.sleep(0.5)
        threads_flooded = server.num_threads()
        for sock in flood:
            sock.close()
        answer = exchange(backend.url, sagemaker_head(backend.url, "ListAutoMLJobs", 2), b"{}")

        assert answer.status == 503, answer
        assert answer.code == "ServiceUnavailable"
        assert answer.seconds < 2  # not queued behind the silent connections
        assert threads_flooded <= threads_before + CAP + 2  # the flood got no threads
        line = f"FIGURE | {FLOOD} connections over a cap of {CAP} | threads {threads_before} -> {threads_flooded}"
        record_property("figure", line)
        print(line)
    finally:
        for sock in held:
            sock.close()

    # Slots free again once the silent connections close: a real client's call succeeds.
    deadline = time.monotonic() + 10
    while True:
        try:
            assert "AutoMLJobSummaries" in boto3_sagemaker(backend.url, 1).list_auto_ml_jobs(MaxResults=1)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert backend.process.poll() is None


def test_boto3_retries_through_a_brief_flood(backend: LocalBackendProcess) -> None:
    held = open_silent(backend.url, CAP)
    time.sleep(0.3)
    sagemaker = boto3_sagemaker(backend.url, 10)
    import threading

    release = threading.Timer(1.0, lambda: [sock.close() for sock in held])
    release.start()
    try:
        started = time.monotonic()
        assert "AutoMLJobSummaries" in sagemaker.list_auto_ml_jobs(MaxResults=1)  # 503s retried
        assert time.monotonic() - started >= 0.5  # it did wait for a slot
    finally:
        release.join()
