"""System-test fixtures: PostgreSQL, the local AutoML backend and a real Airflow deployment,
started once per module and stopped (every process) even when a test fails."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest

from tests.system.deployment import AirflowDeployment
from tests.system.metadata import Metadata
from tests.system.postgres import PostgresCluster, find_bin_dir

# Small budgets: one candidate per job on the example's 2,000-row table.
EXAMPLE_ENV = {
    "AUTOML_EXAMPLE_MAX_CANDIDATES": "1",
    "AUTOML_EXAMPLE_MAX_RUNTIME": "300",
    "AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP": "system-test-churn",
}
# LocalExecutor worker processes: task processes are short (deferred tasks hold no slot) and the
# machine has 2 cores shared with the backend's training threads.
PARALLELISM = 4
BACKEND_ARGS = ["--workers", "2", "--max-active-jobs", "500"]
SETUP_BUDGET = 240


class SystemTestTimeout(Exception):
    """The hard time bound of a system-test phase ran out."""


@contextlib.contextmanager
def time_bound(seconds: int, what: str) -> Iterator[None]:
    """Raise SystemTestTimeout in the main thread if ``what`` takes longer than ``seconds``."""

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


def _sagemaker_client(url: str) -> object:
    import boto3

    return boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
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
    from airflow_provider_automl.local.process import LocalBackendProcess

    work_dir = tmp_path_factory.mktemp("system")
    with ExitStack() as stack:
        with time_bound(SETUP_BUDGET, "starting PostgreSQL, the backend and Airflow"):
            postgres = PostgresCluster(bin_dir=bin_dir)
            stack.callback(postgres.stop)
            postgres.start()
            backend = LocalBackendProcess(work_dir / "backend", extra_args=BACKEND_ARGS)
            stack.callback(backend.stop)
            backend.start()
            airflow = AirflowDeployment(
                work_dir=work_dir,
                database_url=postgres.url,
                backend_url=backend.url,
                parallelism=PARALLELISM,
                extra_env=EXAMPLE_ENV,
            )
            stack.callback(airflow.stop_all)
            airflow.migrate()
            airflow.start_api_server()
            airflow.start("scheduler", "scheduler", "--skip-serve-logs")
            airflow.start("dag-processor", "dag-processor")
            metadata = Metadata(postgres.dsn)
            while not metadata.dag_parsed():
                dead = [c.name for c in airflow.components if not c.alive()]
                assert not dead, f"{dead} exited during startup:\n{airflow.tails()}"
                time.sleep(1)
        yield System(airflow, metadata, _sagemaker_client(backend.url), work_dir)
