"""Scenario 3: half of all AutoML calls throttled, plus latency: tasks succeed, calls stay bounded."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import pytest

from tests.reliability.backend import Backend, connection_json, execute, tiny_job_operator
from tests.reliability.conftest import FakeTI

pytestmark = pytest.mark.reliability_heavy

THROTTLE_RATE = 0.5
LATENCY_MS = 100
TASKS = 4  # two wait in the worker, two defer to the (in-process) triggerer


@pytest.fixture(scope="module")
def throttled_backend(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")
    backend = Backend(
        tmp_path_factory.mktemp("throttled"),
        env={
            "AUTOML_LOCAL_THROTTLE_RATE": str(THROTTLE_RATE),
            "AUTOML_LOCAL_LATENCY_MS": str(LATENCY_MS),
            "AUTOML_LOCAL_FAULT_SEED": "3",
        },
    )
    try:
        backend.training_uri = backend.upload_training_data()
        yield backend
    finally:
        backend.close()


def test_throttled_tasks_succeed_with_bounded_calls(
    throttled_backend: Any, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    backend = throttled_backend
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.url))
    stamp = time.time_ns() % 10**8

    def task(index: int) -> dict[str, Any]:
        name = f"throttle-{index}-{stamp}"
        value, _, _ = execute(
            lambda: tiny_job_operator(name, backend.training_uri, deferrable=index % 2 == 1),
            FakeTI(task_id=f"train_{index}"),
        )
        return value

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(TASKS) as pool:
        results = list(pool.map(task, range(TASKS)))
    elapsed = time.monotonic() - started

    assert [r["AutoMLJobStatus"] for r in results] == ["Completed"] * TASKS
    assert all(r["BestCandidate"]["InferenceContainers"] for r in results)
    requests = backend.proxy.count()
    throttled = backend.proxy.errors["ThrottlingException"]
    answered = requests - throttled
    creates = backend.proxy.count("CreateAutoMLJobV2")  # attempts, throttled ones included
    figures = (
        f"tasks={TASKS} elapsed={elapsed:.1f}s requests={requests} throttled={throttled} "
        f"answered={answered} attempts_per_call={requests / max(answered, 1):.2f} "
        f"requests_per_task_second={requests / (elapsed * TASKS):.2f} create_attempts={creates}"
    )
    record_property("figures", figures)
    print(figures)
    # The fault really hit: about half of the attempts were throttled.
    assert 0.3 <= throttled / requests <= 0.7
    # Bounded: botocore's retries give ~2 attempts per answered call at 50%, never a storm.
    assert requests / answered <= 3.5
    # No hot loop: each waiting task checks about once per check_interval (1 s); with retries,
    # well under 4 requests per task-second.
    assert requests / (elapsed * TASKS) < 4
    # Still one job per task: throttled create attempts never made a second job.
    jobs = list_jobs_with_retries(backend, f"-{stamp}")
    assert sorted(jobs) == sorted(r["AutoMLJobName"] for r in results)


def list_jobs_with_retries(backend: Any, contains: str) -> list[str]:
    from botocore.exceptions import ClientError

    client = backend.direct_client("sagemaker")  # the backend throttles this one too
    for _ in range(50):
        try:
            summaries = client.list_auto_ml_jobs(NameContains=contains, MaxResults=100)["AutoMLJobSummaries"]
            return [s["AutoMLJobName"] for s in summaries]
        except ClientError as err:
            if err.response["Error"]["Code"] != "ThrottlingException":
                raise
    raise AssertionError("ListAutoMLJobs throttled 50 times in a row")
