"""The example DAGs run end to end with `airflow dags test` against the local backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_automl.dagtest import run_dag_test
from automl_local.process import LocalBackendProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"


def run(dag_id: str, backend: LocalBackendProcess, tmp_path: Path, **env: str) -> str:
    result = run_dag_test(
        dag_id,
        dags_folder=EXAMPLES,
        backend_url=backend.url,
        work_dir=tmp_path,
        env={"AUTOML_EXAMPLE_MAX_RUNTIME": "60", **env},
    )
    assert result.succeeded, result.output[-6000:]
    return result.output


def jobs_since(sagemaker: Any, start: dt.datetime) -> list[dict[str, Any]]:
    return sagemaker.list_auto_ml_jobs(CreationTimeAfter=start)["AutoMLJobSummaries"]


def test_tabular_example_registers_the_best_candidate(
    local_backend: LocalBackendProcess, sagemaker: Any, tmp_path: Path
) -> None:
    group = "it-example-tabular"
    start = dt.datetime.now(dt.timezone.utc)
    output = run("example_automl_tabular", local_backend, tmp_path, AUTOML_EXAMPLE_MODEL_PACKAGE_GROUP=group)

    created = jobs_since(sagemaker, start)
    assert len(created) == 1, "exactly one AutoML job per task instance"
    job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=created[0]["AutoMLJobName"])
    assert job["AutoMLJobStatus"] == "Completed"
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] > 0.6  # F1 on data with real signal

    packages = sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    assert len(packages) == 1
    package = sagemaker.describe_model_package(ModelPackageName=packages[0]["ModelPackageArn"])
    assert package["InferenceSpecification"]["Containers"] == [
        {k: v for k, v in c.items() if k in ("Image", "ModelDataUrl", "Environment")}
        for c in best["InferenceContainers"]
    ]
    assert package["ModelApprovalStatus"] == "Approved"
    # (moto's UpdateModelPackage drops CustomerMetadataProperties, so the metadata written at
    # registration is checked in the unit tests, not after approval here.)
    # The deferrable path really deferred and resumed.
    assert "Deferring until AutoML job" in output
    assert f"Best candidate {best['CandidateName']}" in output


def test_v1_example_waits_with_the_sensor_in_reschedule_mode(
    local_backend: LocalBackendProcess, sagemaker: Any, tmp_path: Path
) -> None:
    start = dt.datetime.now(dt.timezone.utc)
    output = run("example_automl_v1_legacy", local_backend, tmp_path)
    assert "Success criteria met" in output
    created = jobs_since(sagemaker, start)
    assert len(created) == 1
    described = sagemaker.describe_auto_ml_job(AutoMLJobName=created[0]["AutoMLJobName"])
    assert described["AutoMLJobStatus"] == "Completed"
    assert described["ProblemType"] == "BinaryClassification"


def test_batch_transform_example_scores_and_checks_the_predictions(
    local_backend: LocalBackendProcess, sagemaker: Any, tmp_path: Path
) -> None:
    start = dt.datetime.now(dt.timezone.utc)
    output = run("example_automl_batch_transform", local_backend, tmp_path, AUTOML_EXAMPLE_MAX_CANDIDATES="3")

    created = jobs_since(sagemaker, start)
    assert len(created) == 1
    job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=created[0]["AutoMLJobName"])
    transforms = sagemaker.list_transform_jobs(CreationTimeAfter=start)["TransformJobSummaries"]
    assert [t["TransformJobStatus"] for t in transforms] == ["Completed"]
    described = sagemaker.describe_transform_job(TransformJobName=transforms[0]["TransformJobName"])
    model = sagemaker.describe_model(ModelName=described["ModelName"])
    # The HPO pipeline, all three containers, answering the keys the DAG asked for.
    assert [c["ModelDataUrl"] for c in model["Containers"]] == [
        c["ModelDataUrl"] for c in job["BestCandidate"]["InferenceContainers"]
    ]
    assert (
        model["Containers"][-1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probability"
    )
    assert "Checked 500 predictions in s3://" in output


def test_endpoint_example_deploys_invokes_and_cleans_up(
    local_backend: LocalBackendProcess, sagemaker: Any, tmp_path: Path
) -> None:
    start = dt.datetime.now(dt.timezone.utc)
    output = run("example_automl_endpoint", local_backend, tmp_path, AUTOML_EXAMPLE_MAX_CANDIDATES="2")

    created = jobs_since(sagemaker, start)
    assert len(created) == 1
    job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=created[0]["AutoMLJobName"])
    assert job["AutoMLJobStatus"] == "Completed"
    endpoint = job["ModelDeployResult"]["EndpointName"]
    assert f"InvokeEndpoint {endpoint} (AllTraffic) answered" in output
    names = [e["EndpointName"] for e in sagemaker.list_endpoints(MaxResults=100)["Endpoints"]]
    assert endpoint not in names  # the clean-up task deleted it
