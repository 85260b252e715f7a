"""Real scheduler, DAG processor, triggerer(s) and api-server on PostgreSQL with LocalExecutor,
running the deferrable tabular example against the local backend."""

from __future__ import annotations

import time

import pytest

from tests.system.conftest import System, time_bound

pytestmark = pytest.mark.system


def wait_for_runs(system: System, prefix: str, count: int) -> dict[str, str]:
    while True:
        states = system.metadata.run_states(prefix)
        if len(states) == count and all(s in ("success", "failed") for s in states.values()):
            return states
        dead = [c.name for c in system.airflow.components if not c.alive() and c.name != "victim"]
        assert not dead, f"{dead} died:\n{system.airflow.tails()}"
        time.sleep(2)


def test_one_run(system: System) -> None:
    with time_bound(300, "one DAG run"):
        triggerer = system.airflow.start_triggerer("triggerer-0")
        system.airflow.trigger("smoke-0")
        states = wait_for_runs(system, "smoke-", 1)
        print(system.metadata.task_states("smoke-"))
        assert states == {"smoke-0": "success"}, system.airflow.tails()
        assert triggerer.alive()
