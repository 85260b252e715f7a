"""Scenario 4: connection refused / reset / hung for a while, then recovery; beyond max_wait, a clear failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.reliability.backend import Backend, connection_json, execute, tiny_job_operator
from tests.reliability.conftest import FakeTI

pytestmark = pytest.mark.reliability_heavy

# Small botocore budgets, so faults reach the operator and the trigger instead of being
# absorbed by botocore's own retries: what is tested is the provider's waiting, not botocore's.
FAST_FAIL = {"connect_timeout": 1, "read_timeout": 2, "retries": {"mode": "standard", "max_attempts": 2}}
WINDOWS = (("refuse", 6.0), ("reset", 4.0), ("hang", 4.0))


def wait_until(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def in_thread(function: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = function()
        except BaseException as err:
            box["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, box


@pytest.mark.parametrize("deferrable", [False, True], ids=["wait", "deferrable"])
def test_wait_resumes_after_refused_reset_and_hung_connections(
    deferrable: bool,
    backend: Any,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Any,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.url))
    name = f"net-{'d' if deferrable else 'w'}-{time.time_ns() % 10**8}"
    describes_before = backend.proxy.count("DescribeAutoMLJobV2")
    thread, box = in_thread(
        lambda: execute(
            lambda: tiny_job_operator(
                name, backend.training_uri, deferrable=deferrable, botocore_config=FAST_FAIL
            ),
            FakeTI(task_id=name),
        )
    )
    # The task has created the job and described it once: it is waiting now.
    wait_until(lambda: backend.proxy.count("DescribeAutoMLJobV2") > describes_before)
    time.sleep(0.3)  # let that describe's answer arrive: the fault is for the wait, not for execute()
    faults_before = sum(backend.proxy.faults.values())
    try:
        for mode, seconds in WINDOWS:
            backend.proxy.set_mode(mode)
            time.sleep(seconds)
    finally:
        backend.proxy.set_mode("pass")
    faults = sum(backend.proxy.faults.values()) - faults_before
    # The job ends within ~2 s, during the outage: the task can only learn it afterwards.
    assert thread.is_alive(), f"the wait ended during the outage: {box}"
    thread.join(120)

    assert "error" not in box, box.get("error")
    value, _, _ = box["value"]
    assert value["AutoMLJobStatus"] == "Completed"
    truth = backend.direct_client("sagemaker").describe_auto_ml_job_v2(AutoMLJobName=name)
    assert value["BestCandidate"]["CandidateName"] == truth["BestCandidate"]["CandidateName"]
    record_property("figures", f"outage={sum(s for _, s in WINDOWS):.0f}s faulted_connections={faults}")


@pytest.mark.parametrize("deferrable", [False, True], ids=["wait", "deferrable"])
def test_beyond_max_wait_fails_saying_what_was_last_seen(
    deferrable: bool, backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.url))
    name = f"netmax-{'d' if deferrable else 'w'}-{time.time_ns() % 10**8}"
    describes_before = backend.proxy.count("DescribeAutoMLJobV2")
    thread, box = in_thread(
        lambda: execute(
            lambda: tiny_job_operator(
                name, backend.training_uri, deferrable=deferrable, botocore_config=FAST_FAIL, max_wait=6
            ),
            FakeTI(task_id=name),
        )
    )
    wait_until(lambda: backend.proxy.count("DescribeAutoMLJobV2") > describes_before)
    time.sleep(0.3)
    backend.proxy.set_mode("refuse")
    try:
        thread.join(90)
    finally:
        backend.proxy.set_mode("pass")

    assert not thread.is_alive()
    message = str(box.get("error"))
    assert "error" in box, f"the task did not fail: {box.get('value')}"
    assert name in message
    assert "InProgress" in message, message
    assert "last" in message and "seen" in message, message


def test_backend_restarted_on_same_port_and_data_dir_resumes_the_deferred_wait(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    """The backend process stops (connection refused), then starts again on the same port and data dir."""
    pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")
    import asyncio

    from airflow.providers.common.compat.sdk import TaskDeferred

    from tests.reliability.backend import first_event
    from tests.reliability.lifecycle import rebuild

    backend = Backend(tmp_path / "data")
    try:
        uri = backend.upload_training_data()
        # No proxy here: the backend itself goes away and comes back on its own port.
        monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.process.url))
        name = f"restart-{time.time_ns() % 10**8}"
        ti = FakeTI(task_id=name)
        op = tiny_job_operator(name, uri, deferrable=True, botocore_config=FAST_FAIL)
        with pytest.raises(TaskDeferred) as deferred:
            op.execute({"ti": ti})
        direct = backend.direct_client("sagemaker")
        wait_until(
            lambda: direct.describe_auto_ml_job_v2(AutoMLJobName=name)["AutoMLJobStatus"] == "Completed", 120
        )
        backend.stop_backend()
        trigger = rebuild(deferred.value.trigger)
        thread, box = in_thread(lambda: asyncio.run(first_event(trigger)))
        time.sleep(8)  # the trigger meets connection refused meanwhile
        assert thread.is_alive(), f"the trigger gave up during the outage: {box}"
        backend.start_backend()
        thread.join(120)

        assert "error" not in box, box.get("error")
        event = box["value"]
        assert event["status"] == "success", event
        record = op.execute_complete({"ti": ti}, event=event)
        truth = backend.direct_client("sagemaker").describe_auto_ml_job_v2(AutoMLJobName=name)
        assert record["BestCandidate"]["CandidateName"] == truth["BestCandidate"]["CandidateName"]
        assert ti.pushed["best_candidate"]["CandidateName"] == truth["BestCandidate"]["CandidateName"]
        record_property("figures", "backend down 8s+restart; events=1; results_lost=0")
    finally:
        backend.close()
