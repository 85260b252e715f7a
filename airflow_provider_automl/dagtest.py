"""Run a DAG once with ``airflow dags test`` against the local backend, in a throwaway Airflow home.

``airflow dags test`` runs deferred tasks' triggers in process, so a deferrable DAG runs end
to end with no scheduler or triggerer. The ``aws_default`` connection points at the backend.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DagTestResult:
    returncode: int
    output: str

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0


def backend_connection(url: str, region: str = "us-east-1") -> str:
    """``AIRFLOW_CONN_AWS_DEFAULT`` for the local backend at ``url`` (it accepts any credentials)."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"region_name": region, "endpoint_url": url},
        }
    )


def airflow_env(
    home: Path, dags_folder: Path, backend_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW_CONN_AWS_DEFAULT": backend_connection(backend_url),
    }
    env.update(extra or {})
    return env


def _airflow(env: Mapping[str, str], *args: str, capture: bool) -> subprocess.CompletedProcess[str]:
    airflow = shutil.which("airflow", path=str(Path(sys.executable).parent)) or "airflow"
    return subprocess.run(
        [airflow, *args],
        env=dict(env),
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
    )


def run_dag_test(
    dag_id: str,
    *,
    dags_folder: str | os.PathLike[str],
    backend_url: str,
    work_dir: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    capture: bool = True,
) -> DagTestResult:
    """Migrate a fresh metadata database under ``work_dir`` and run ``airflow dags test dag_id``."""
    home = Path(work_dir) / "airflow-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    full_env = airflow_env(home, Path(dags_folder).resolve(), backend_url, env)
    migrated = _airflow(full_env, "db", "migrate", capture=True)
    if migrated.returncode != 0:
        return DagTestResult(migrated.returncode, migrated.stdout or "")
    run = _airflow(full_env, "dags", "test", dag_id, capture=capture)
    return DagTestResult(run.returncode, run.stdout or "")
