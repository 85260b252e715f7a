"""Scenario 1: tasks killed at random points of create / describe / defer and retried.

200 seeded runs against the in-memory fake (botocore-validated requests and responses,
virtual clock): every run ends with exactly one job for its task instance and a final XCom
equal to the job's real record. A smaller set of full runs against the local backend lives in
test_backend_retries.py.
"""

from __future__ import annotations

import collections
import random
from typing import Any

import pytest

from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
from airflow_provider_automl.requests import derive_job_name, tabular_config
from tests.reliability.fake import FakeSageMaker, VirtualClock
from tests.reliability.lifecycle import KillPlan, Switchboard, patch_async, run_task

RUNS = 200
SEED = 20260101
ROLE = "arn:aws:iam::123456789012:role/AutoMLRole"


@pytest.fixture(scope="module")
def switchboard() -> Switchboard:
    return Switchboard()


def make_op(deferrable: bool) -> Any:
    return SageMakerCreateAutoMLJobOperator(
        task_id="train",
        input_data_config="s3://reliability-bucket/churn/train/",
        output_path="s3://reliability-bucket/churn/output/",
        role_arn=ROLE,
        problem_type_config=tabular_config(target_attribute="churn", max_candidates=5),
        aws_conn_id=None,
        region_name="us-east-1",
        deferrable=deferrable,
        check_interval=60,
    )


def test_200_randomised_killed_and_retried_runs_create_one_job_each(
    switchboard: Switchboard, monkeypatch: pytest.MonkeyPatch, record_property: Any
) -> None:
    clock = VirtualClock()
    fake = FakeSageMaker(clock=clock, rng=random.Random(SEED), durations=(120.0, 900.0))
    switchboard.fake = fake
    patch_async(monkeypatch, switchboard, clock)
    rng = random.Random(SEED)
    kill_sites: collections.Counter[str] = collections.Counter()
    tries = deferrals = restarts = 0
    for run in range(RUNS):
        deferrable = rng.random() < 0.6
        kills = KillPlan(rng, probability=rng.choice((0.1, 0.25, 0.4)), budget=rng.randint(0, 4))
        ids = {"dag_id": "retry_dag", "task_id": "train", "run_id": f"scheduled__run-{run}", "map_index": -1}
        result = run_task(lambda d=deferrable: make_op(d), ids, switchboard, kills=kills)

        assert result.error is None, f"run {run} (seed {SEED}, kills {kills.log}): {result.error!r}"
        name = derive_job_name(ids["dag_id"], ids["task_id"], ids["run_id"], -1)
        truth = AutoMLJob.from_describe(fake.describe(name)).to_record()
        assert result.value == truth, f"run {run}: XCom differs from the job's record"
        assert result.ti is not None
        assert result.ti.pushed["best_candidate"] == truth["BestCandidate"]
        assert result.ti.pushed["inference_containers"] == truth["BestCandidate"]["InferenceContainers"]
        assert truth["AutoMLJobStatus"] == "Completed"
        kill_sites.update(kills.log)
        tries += result.tries
        deferrals += result.deferrals
        restarts += result.trigger_restarts
        # Exactly one job per task instance so far: one per run, never a second.
        assert fake.creates == run + 1 == len(fake.jobs)

    total_kills = sum(kill_sites.values())
    summary = (
        f"runs={RUNS} kills={total_kills} tries={tries} deferrals={deferrals} "
        f"triggerer_restarts={restarts} jobs_created={fake.creates} results_lost=0 "
        f"sites={dict(sorted(kill_sites.items()))}"
    )
    record_property("figures", summary)
    print(summary)
    # The kills must have hit every phase, or the test proves less than it claims.
    assert total_kills >= 150
    for site in (
        "before CreateAutoMLJobV2",
        "after CreateAutoMLJobV2",
        "before DescribeAutoMLJobV2",
        "after DescribeAutoMLJobV2",
        "task killed while deferred",
        "triggerer restart",
        "resume execute_complete",
    ):
        assert kill_sites[site] > 0, f"no kill at {site}: {kill_sites}"
