"""System-test fixtures: PostgreSQL, the local AutoML backend and a real Airflow deployment,
started once per module and stopped (every process) even when a test fails."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from tests.system.deployment import DAG_ID, AirflowDeployment, tree_cpu_seconds
from tests.system.metadata import Metadata
from tests.system.postgres import PostgresCluster, find_bin_dir
from tests.system.slow_backend import SlowBackendProcess

# Small budgets: one candidate per job on the example's 2,000-row table.
EXAMPLE_ENV = {
    "AUTOML_EXAMPLE_MAX_CANDIDATES": "1",
    "AUTOML_EXAMPLE_MAX_RUNTIME": "300",
    "AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP": "system-test-churn",
    "AUTOML_EXAMPLE_CHECK_INTERVAL": "10",
}
# LocalExecutor worker processes. Deferred tasks hold no slot; the rest mostly wait on imports
# and API calls, so a few more than the 2 cores.
PARALLELISM = 8
# Every job waits JOB_HOLD_SECONDS in TrainingModels (see slow_backend.py), so all 50 need a worker
# thread each and more than the default 20 active jobs. Training runs at the lowest CPU priority,
# like a remote service: it never takes CPU from Airflow.
JOB_HOLD_SECONDS = 30
BACKEND_ARGS = ["--workers", "64", "--max-active-jobs", "500"]
BACKEND_NICE = 19
# Hard bounds: the whole module (setup and both scenarios) stops at TOTAL_BUDGET, leaving time
# for teardown inside 12 minutes.
SETUP_BUDGET = 180
TOTAL_BUDGET = int(os.environ.get("SYSTEM_TEST_TOTAL_SECONDS", "690"))


class SystemTestTimeout(Exception):
    """The hard time bound of a system-test phase ran out."""


@contextlib.contextmanager
def time_bound(seconds: int, what: str, *, deadline: float | None = None) -> Iterator[None]:
    """Raise SystemTestTimeout in the main thread if ``what`` takes longer than ``seconds`` or runs
    past ``deadline`` (a time.monotonic() value)."""
    if deadline is not None:
        seconds = min(seconds, int(deadline - time.monotonic()))
    if seconds <= 0:
        raise SystemTestTimeout(f"no time left for {what} in the module's {TOTAL_BUDGET} s bound")

    def expire(signum: int, frame: FrameType | None) -> None:
        raise SystemTestTimeout(f"{what} took longer than its {seconds} s bound")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class System:
    airflow: AirflowDeployment
    metadata: Metadata
    sagemaker: object
    work_dir: Path
    backend_pid: int
    postgres_pid: int
    deadline: float
    backend_url: str = ""

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by Airflow (live components plus reaped ones), the backend and PostgreSQL."""
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "airflow": self.airflow.cpu_seconds() + reaped.ru_utime + reaped.ru_stime,
            "backend": tree_cpu_seconds(self.backend_pid),
            "postgres": tree_cpu_seconds(self.postgres_pid),
        }


def _renice(pid: int, niceness: int) -> None:
    """Every thread of ``pid`` (Linux nice is per thread; threads started later inherit it)."""
    import psutil

    for thread in psutil.Process(pid).threads():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread.id, niceness)


def backend_client(service: str, url: str) -> Any:
    """A boto3 client of ``service`` ("sagemaker", "s3") for the local backend at ``url``."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def check_prerequisites() -> Path:
    """The PostgreSQL binaries' directory; skip the module when something the test needs is missing."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin: "
            "apt-get install -y postgresql"
        )
    pytest.importorskip("psycopg2", reason="the system test needs psycopg2 (the [test] extra)")
    pytest.importorskip("asyncpg", reason="Airflow's async engine needs asyncpg (the [test] extra)")
    pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")
    pytest.importorskip("psutil", reason="teardown finds component children with psutil (the [test] extra)")
    return bin_dir


@contextlib.contextmanager
def start_system(
    work_dir: Path,
    *,
    dag_id: str = DAG_ID,
    extra_env: dict[str, str],
    total_budget: int = TOTAL_BUDGET,
    backend_env: dict[str, str] | None = None,
) -> Iterator[System]:
    """PostgreSQL, the slow backend, api-server, scheduler and dag-processor with ``dag_id``'s
    example parsed; every process stopped on the way out, even when the test fails."""
    bin_dir = check_prerequisites()
    deadline = time.monotonic() + total_budget
    with ExitStack() as stack:
        with time_bound(SETUP_BUDGET, "starting PostgreSQL, the backend and Airflow", deadline=deadline):
            postgres = PostgresCluster(bin_dir=bin_dir)
            stack.callback(postgres.stop)
            postgres.start()
            backend = SlowBackendProcess(
                work_dir / "backend", hold_seconds=JOB_HOLD_SECONDS, extra_args=BACKEND_ARGS, env=backend_env
            )
            stack.callback(backend.stop)
            backend.start()
            assert backend.process is not None
            _renice(backend.process.pid, BACKEND_NICE)
            airflow = AirflowDeployment(
                work_dir=work_dir,
                database_url=postgres.url,
                backend_url=backend.url,
                parallelism=PARALLELISM,
                extra_env=extra_env,
                dag_id=dag_id,
            )
            stack.callback(airflow.stop_all)
            airflow.migrate()
            airflow.start_api_server()
            airflow.start("scheduler", "scheduler", "--skip-serve-logs")
            airflow.start("dag-processor", "dag-processor")
            metadata = Metadata(postgres.dsn, dag_id=dag_id)
            while not metadata.dag_parsed():
                dead = [c.name for c in airflow.components if not c.alive()]
                assert not dead, f"{dead} exited during startup:\n{airflow.tails()}"
                time.sleep(1)
        yield System(
            airflow,
            metadata,
            backend_client("sagemaker", backend.url),
            work_dir,
            backend.process.pid,
            postgres.pid,
            deadline,
            backend.url,
        )


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    check_prerequisites()
    with start_system(tmp_path_factory.mktemp("system"), extra_env=EXAMPLE_ENV) as running:
        yield running
