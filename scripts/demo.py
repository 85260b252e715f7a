"""Run ``example_automl_tabular`` end to end against the local backend (``make demo``).

Starts the backend on a free loopback port, runs the DAG with ``airflow dags test`` in a
throwaway Airflow home (the deferrable path included: ``dags test`` runs triggers in
process), then reads the outcome back from the backend itself and stops it.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".demo"
DAG_ID = "example_automl_tabular"


def report(url: str) -> bool:
    """Print the job, best candidate and model package the run left in the backend."""
    import boto3

    client = boto3.client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    jobs = client.list_auto_ml_jobs(SortBy="CreationTime", SortOrder="Descending")["AutoMLJobSummaries"]
    if not jobs:
        print("No AutoML job was created.")
        return False
    job = client.describe_auto_ml_job_v2(AutoMLJobName=jobs[0]["AutoMLJobName"])
    print(f"AutoML job:      {job['AutoMLJobName']} ({job['AutoMLJobStatus']})")
    best = job.get("BestCandidate")
    if best:
        metric = best["FinalAutoMLJobObjectiveMetric"]
        print(f"Best candidate:  {best['CandidateName']}")
        print(f"Objective:       {metric['MetricName']} = {metric['Value']:.4f}")
        for container in best["InferenceContainers"]:
            print(f"Model artifact:  {container['ModelDataUrl']}")
    group = os.environ.get("AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP", "example-automl-churn")
    packages = client.list_model_packages(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
    )
    for summary in packages.get("ModelPackageSummaryList", [])[:1]:
        package = client.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        print(f"Model package:   {package['ModelPackageArn']} ({package.get('ModelApprovalStatus')})")
    return bool(best)


def main() -> int:
    from airflow_provider_automl.dagtest import run_dag_test
    from automl_local.process import LocalBackendProcess

    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    with LocalBackendProcess(data_dir=WORK / "backend") as backend:
        print(f"Local backend at {backend.url}; running {DAG_ID} with `airflow dags test` ...", flush=True)
        result = run_dag_test(
            DAG_ID,
            dags_folder=ROOT / "example_dags",
            backend_url=backend.url,
            work_dir=WORK,
            env={"AUTOML_EXAMPLE_MAX_RUNTIME": os.environ.get("AUTOML_EXAMPLE_MAX_RUNTIME", "90")},
            capture=False,
        )
        print("\n=== Result ===")
        found = report(backend.url)
    print(f"DAG run:         {'success' if result.succeeded else 'FAILED'}")
    print(f"Elapsed:         {time.monotonic() - started:.0f}s")
    return 0 if result.succeeded and found else 1


if __name__ == "__main__":
    sys.exit(main())
