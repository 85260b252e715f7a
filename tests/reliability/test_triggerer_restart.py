"""Scenario 2: the triggerer dies mid-wait; a trigger rebuilt from serialize() in a new process
delivers exactly one event carrying the job's real record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.backend import connection_json, tiny_job_operator
from tests.reliability.conftest import FakeTI

pytestmark = pytest.mark.reliability_heavy

ROOT = Path(__file__).resolve().parents[2]


def start_triggerer(serialized: str, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "AIRFLOW_CONN_AWS_DEFAULT": connection_json(url), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.trigger_process", serialized],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_trigger_rebuilt_in_a_new_process_delivers_exactly_one_event(
    backend: Any, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    from airflow.providers.common.compat.sdk import TaskDeferred

    from airflow_provider_automl.jobs import AutoMLJob

    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.url))
    name = f"triggerer-{time.time_ns() % 10**8}"
    ti = FakeTI(task_id=name)
    # A longer job (150 small candidates) so the first triggerer is surely killed mid-wait.
    from airflow_provider_automl.requests import tabular_config

    config = tabular_config(target_attribute="target", mode="HYPERPARAMETER_TUNING", max_candidates=150)
    op = tiny_job_operator(name, backend.training_uri, deferrable=True, problem_type_config=config)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute({"ti": ti})
    serialized = json.dumps(deferred.value.trigger.serialize())  # what the database keeps

    calls_before = backend.proxy.count()
    first = start_triggerer(serialized, backend.url)
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "STARTED"
    deadline = time.monotonic() + 60
    while backend.proxy.count() <= calls_before:  # the new triggerer is polling: mid-wait
        assert time.monotonic() < deadline, "the first triggerer never polled"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # the triggerer dies; no cleanup runs
    first_output = first.communicate(timeout=30)[0]
    direct = backend.direct_client("sagemaker")
    at_kill = direct.describe_auto_ml_job_v2(AutoMLJobName=name)["AutoMLJobStatus"]

    second = start_triggerer(serialized, backend.url)
    output, _ = second.communicate(timeout=180)

    elapsed_job = time.monotonic() - deadline + 60
    events = [json.loads(line[6:]) for line in output.splitlines() if line.startswith("EVENT ")]
    assert not any(line.startswith("EVENT ") for line in first_output.splitlines()), (
        "the first triggerer finished before it was killed"
    )
    assert at_kill == "InProgress", "the kill was not mid-wait"
    assert len(events) == 1, output
    assert "DONE 1" in output.splitlines()
    event = events[0]
    assert event["status"] == "success"
    truth = AutoMLJob.from_describe(direct.describe_auto_ml_job_v2(AutoMLJobName=name)).to_record()
    assert event["job"] == truth
    record = tiny_job_operator(name, backend.training_uri, deferrable=True).execute_complete(
        {"ti": ti}, event=event
    )
    assert record == truth
    assert ti.pushed["best_candidate"] == truth["BestCandidate"]
    record_property("figures", "triggerer SIGKILLed mid-wait; new process: events=1; results_lost=0")
    print(f"second triggerer done {elapsed_job:.1f}s after the first was started")
