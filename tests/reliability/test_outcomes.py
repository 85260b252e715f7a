"""Scenario 5: job outcomes other than Completed fail the task with the job's own reason.

Failed (with partial failures), stopped by someone else mid-wait, deleted / not found mid-wait,
each waited on in the worker, on the triggerer (deferrable), and by the sensor (poke and
deferrable). No best-candidate or inference-containers XCom is pushed for a job that did not
complete; a Completed job with partial failures still succeeds.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.requests import tabular_config
from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor
from tests.reliability.fake import FakeSageMaker, VirtualClock
from tests.reliability.lifecycle import Switchboard, patch_async, run_task

ROLE = "arn:aws:iam::123456789012:role/AutoMLRole"
JOB = "outcome-job"
PARTIAL = ["Candidate outcome-job-3 failed: AlgorithmError: out of memory"]

OUTCOMES: dict[str, dict[str, Any]] = {
    "failed": {"outcome": "Failed", "partial_failures": PARTIAL},
    "stopped-by-someone-else": {"stop_after": 0.6},
    "deleted-mid-wait": {"vanish_after": 0.4},
}
EXPECTED: dict[str, list[str]] = {
    "failed": ["ended Failed", "fake failure of outcome-job", "out of memory"],
    "stopped-by-someone-else": ["ended Stopped"],
    "deleted-mid-wait": ["outcome-job", "does not exist"],
}
MODES = ("wait", "deferrable", "sensor-poke", "sensor-deferrable")


@pytest.fixture(scope="module")
def switchboard() -> Switchboard:
    return Switchboard()


@pytest.fixture
def fake(switchboard: Switchboard, monkeypatch: pytest.MonkeyPatch) -> FakeSageMaker:
    clock = VirtualClock()
    fake = FakeSageMaker(clock=clock, rng=random.Random(5), durations=(30.0, 60.0))
    switchboard.fake = fake
    patch_async(monkeypatch, switchboard, clock)
    return fake


def make_op(mode: str) -> Any:
    common: dict[str, Any] = {"aws_conn_id": None, "region_name": "us-east-1"}
    if mode.startswith("sensor"):
        return SageMakerAutoMLJobSensor(
            task_id="sense",
            job_name=JOB,
            deferrable=mode == "sensor-deferrable",
            poke_interval=0.001,
            timeout=3600,
            **common,
        )
    return SageMakerCreateAutoMLJobOperator(
        task_id="train",
        job_name=JOB,
        input_data_config="s3://reliability-bucket/train/",
        output_path="s3://reliability-bucket/output/",
        role_arn=ROLE,
        problem_type_config=tabular_config(target_attribute="label"),
        deferrable=mode == "deferrable",
        check_interval=5,
        # A job that vanishes drops out of the coalesced watcher's listing: only the trigger's
        # own describe at the deadline sees it is gone (see docs/reliability.md, findings).
        max_wait=7200,
        **common,
    )


def start_job_for_sensor(fake: FakeSageMaker, switchboard: Switchboard) -> None:
    op = make_op("wait")
    op.hook.__dict__["conn"] = switchboard.client
    op.hook.create_job(op.build_request(JOB))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_unsuccessful_outcome_fails_with_the_jobs_reason_and_pushes_no_candidate(
    outcome: str, mode: str, fake: FakeSageMaker, switchboard: Switchboard
) -> None:
    fake.plans[JOB] = dict(OUTCOMES[outcome])
    if mode.startswith("sensor"):
        start_job_for_sensor(fake, switchboard)

    result = run_task(lambda: make_op(mode), {"task_id": "train"}, switchboard)

    assert result.error is not None, f"{outcome} / {mode} succeeded: {result.value}"
    message = str(result.error)
    for text in EXPECTED[outcome]:
        assert text in message, message
    assert result.ti is not None
    assert "best_candidate" not in result.ti.pushed
    assert "inference_containers" not in result.ti.pushed
    assert result.value is None
    assert fake.creates == 1


@pytest.mark.parametrize("mode", MODES)
def test_completed_with_partial_failures_succeeds_and_keeps_them(
    mode: str, fake: FakeSageMaker, switchboard: Switchboard
) -> None:
    fake.plans[JOB] = {"partial_failures": PARTIAL}
    if mode.startswith("sensor"):
        start_job_for_sensor(fake, switchboard)

    result = run_task(lambda: make_op(mode), {"task_id": "train"}, switchboard)

    assert result.error is None, result.error
    assert result.value["AutoMLJobStatus"] == "Completed"
    assert result.value["PartialFailureReasons"] == PARTIAL
    if not mode.startswith("sensor"):
        assert result.ti is not None
        assert result.ti.pushed["best_candidate"] == result.value["BestCandidate"]


def test_a_job_that_never_existed_fails_the_sensor_with_its_name(
    fake: FakeSageMaker, switchboard: Switchboard
) -> None:
    result = run_task(lambda: make_op("sensor-poke"), {"task_id": "sense"}, switchboard)

    assert result.error is not None
    assert "'outcome-job' does not exist" in str(result.error)
