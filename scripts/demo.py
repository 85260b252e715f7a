"""Run ``example_automl_tabular`` end to end against the local backend (``make demo``).

Starts the backend on a free loopback port, builds a throwaway Airflow home, runs the DAG
with ``airflow dags test`` (the deferrable path included: ``dags test`` runs triggers in
process), then reads the outcome back from the backend itself and stops it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".demo"
DAG_ID = "example_automl_tabular"


def _airflow(env: dict[str, str], *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    airflow = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run([airflow, *args], env=env, check=False, text=True, capture_output=capture, cwd=ROOT)


def main() -> int:
    import boto3

    from airflow_provider_automl.local.process import LocalBackendProcess

    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    home = WORK / "airflow-home"
    home.mkdir(parents=True)
    with LocalBackendProcess(data_dir=WORK / "backend") as backend:
        print(f"Local backend at {backend.url}", flush=True)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
                {
                    "conn_type": "aws",
                    "login": "testing",
                    "password": "testing",
                    "extra": {"region_name": "us-east-1", "endpoint_url": backend.url},
                }
            ),
            "AUTOML_EXAMPLE_MAX_RUNTIME": os.environ.get("AUTOML_EXAMPLE_MAX_RUNTIME", "90"),
        }
        print("Initialising a throwaway Airflow home ...", flush=True)
        migrated = _airflow(env, "db", "migrate", capture=True)
        if migrated.returncode != 0:
            print(migrated.stdout[-4000:], migrated.stderr[-4000:], sep="\n")
            return migrated.returncode
        print(f"Running {DAG_ID} with `airflow dags test` ...", flush=True)
        run = _airflow(env, "dags", "test", DAG_ID)
        client = boto3.client(
            "sagemaker",
            endpoint_url=backend.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        jobs = client.list_auto_ml_jobs(SortBy="CreationTime", SortOrder="Descending")["AutoMLJobSummaries"]
        print("\n=== Result ===")
        if not jobs:
            print("No AutoML job was created.")
            return 1
        job = client.describe_auto_ml_job_v2(AutoMLJobName=jobs[0]["AutoMLJobName"])
        print(f"AutoML job:      {job['AutoMLJobName']} ({job['AutoMLJobStatus']})")
        best = job.get("BestCandidate")
        if best:
            metric = best["FinalAutoMLJobObjectiveMetric"]
            print(f"Best candidate:  {best['CandidateName']}")
            print(f"Objective:       {metric['MetricName']} = {metric['Value']:.4f}")
            for container in best["InferenceContainers"]:
                print(f"Model artifact:  {container['ModelDataUrl']}")
        packages = client.list_model_packages(SortBy="CreationTime", SortOrder="Descending")
        for package in packages.get("ModelPackageSummaryList", [])[:1]:
            print(f"Model package:   {package['ModelPackageArn']} ({package.get('ModelApprovalStatus')})")
        print(f"DAG run:         {'success' if run.returncode == 0 else 'FAILED'}")
        print(f"Elapsed:         {time.monotonic() - started:.0f}s")
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
