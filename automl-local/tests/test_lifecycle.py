"""Job lifecycle: stop, restart persistence, bad data, input formats, limits."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.conftest import BUCKET, tabular_v1_request, tabular_v2_request, unique

pytestmark = pytest.mark.integration


def wait_until(predicate: Any, timeout: float = 60, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def completed_candidates(sagemaker: Any, name: str) -> list[dict[str, Any]]:
    return sagemaker.list_candidates_for_auto_ml_job(
        AutoMLJobName=name, StatusEquals="Completed", MaxResults=100
    )["Candidates"]


def long_hpo_request(name: str, uri: str) -> dict[str, Any]:
    return tabular_v2_request(
        name, uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 250}
    )


@pytest.mark.slow
def test_stop_goes_stopping_then_stopped_and_keeps_candidates(sagemaker, wait_for_job, breast_cancer_uri):
    name = unique("it-stop")
    sagemaker.create_auto_ml_job_v2(**long_hpo_request(name, breast_cancer_uri))
    wait_until(lambda: len(completed_candidates(sagemaker, name)) >= 2)

    sagemaker.stop_auto_ml_job(AutoMLJobName=name)
    right_after = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    try:
        sagemaker.stop_auto_ml_job(AutoMLJobName=name)  # stopping a Stopping job is harmless
    except sagemaker.exceptions.ClientError as err:
        # ... unless the candidate in training finished in between: then the job is Stopped, and says so.
        assert "is in status 'Stopped'" in err.response["Error"]["Message"]
    job = wait_for_job(name)

    assert (right_after["AutoMLJobStatus"], right_after["AutoMLJobSecondaryStatus"]) in (
        ("Stopping", "Stopping"),
        ("Stopped", "Stopped"),
    )
    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == ("Stopped", "Stopped")
    kept = completed_candidates(sagemaker, name)
    assert 2 <= len(kept) < 250
    assert job["BestCandidate"]["CandidateName"] in {c["CandidateName"] for c in kept}
    assert "EndTime" in job


@pytest.mark.slow
def test_runtime_limit_ends_with_max_runtime_reached(sagemaker, wait_for_job, breast_cancer_uri, hpo_job):
    # hpo_job has run: the ML libraries are imported, so the limit measures training, not imports.
    name = unique("it-runtime")
    request = tabular_v2_request(
        name,
        breast_cancer_uri,
        Mode="HYPERPARAMETER_TUNING",
        CompletionCriteria={"MaxAutoMLJobRuntimeInSeconds": 10},
    )
    request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CompletionCriteria"]["MaxCandidates"] = 250
    sagemaker.create_auto_ml_job_v2(**request)
    job = wait_for_job(name, timeout=60)

    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == (
        "Completed",
        "MaxAutoMLJobRuntimeReached",
    )
    assert 1 <= len(completed_candidates(sagemaker, name)) < 250
    assert (job["EndTime"] - job["CreationTime"]).total_seconds() < 40


@pytest.mark.slow
def test_restart_keeps_finished_jobs_and_fails_interrupted_ones(extra_backend, tmp_path):
    from sklearn.datasets import load_breast_cancer

    data_dir = tmp_path / "restart"
    first = extra_backend(data_dir=data_dir)
    first.s3.create_bucket(Bucket=BUCKET)
    first.s3.put_object(
        Bucket=BUCKET,
        Key="bc/train.csv",
        Body=load_breast_cancer(as_frame=True).frame.to_csv(index=False).encode(),
    )
    uri = f"s3://{BUCKET}/bc/train.csv"
    finished, running = unique("it-finished"), unique("it-running")
    first.sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            finished, uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 2}
        )
    )
    wait_until(
        lambda: (
            first.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=finished)["AutoMLJobStatus"] == "Completed"
        )
    )
    before = first.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=finished)
    first.sagemaker.create_auto_ml_job_v2(**long_hpo_request(running, uri))
    wait_until(lambda: completed_candidates(first.sagemaker, running))
    assert first.stop() == 0

    second = extra_backend(data_dir=data_dir)
    after = second.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=finished)
    interrupted = second.sagemaker.describe_auto_ml_job_v2(AutoMLJobName=running)

    assert after["AutoMLJobStatus"] == "Completed"
    assert after["BestCandidate"] == before["BestCandidate"]
    assert after["LastModifiedTime"] == before["LastModifiedTime"]
    assert (interrupted["AutoMLJobStatus"], interrupted["AutoMLJobSecondaryStatus"]) == ("Failed", "Failed")
    assert "restarted" in interrupted["FailureReason"]
    assert {c["CandidateStatus"] for c in completed_candidates(second.sagemaker, running)} == {"Completed"}
    # moto keeps S3 in memory; the backend restores its artifacts from the data dir.
    model_url = after["BestCandidate"]["InferenceContainers"][1]["ModelDataUrl"]
    bucket, key = model_url[5:].split("/", 1)
    assert second.s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    listed = second.sagemaker.list_auto_ml_jobs(SortBy="CreationTime", SortOrder="Ascending")[
        "AutoMLJobSummaries"
    ]
    assert [s["AutoMLJobName"] for s in listed] == [finished, running]

    # predict works from the data dir alone (job, artifacts and signing key), without a running server
    second.stop()
    frame = load_breast_cancer(as_frame=True).frame.drop(columns="target").head(5)
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "automl_local",
            "predict",
            "--data-dir",
            str(data_dir),
            "--job",
            finished,
            "--input",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "predicted_label,probability"
    assert len(result.stdout.splitlines()) == 6


def _env() -> dict[str, str]:
    import os
    from pathlib import Path

    import automl_local

    root = str(Path(automl_local.__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
    }


def test_resource_limit_exceeded_beyond_max_active_jobs(extra_backend, tmp_path):
    backend = extra_backend("--max-active-jobs", "1", "--workers", "1")
    backend.s3.create_bucket(Bucket=BUCKET)
    backend.s3.put_object(
        Bucket=BUCKET,
        Key="tiny.csv",
        Body=b"x,target\n" + b"".join(f"{i},{i % 2}\n".encode() for i in range(40)),
    )
    uri = f"s3://{BUCKET}/tiny.csv"
    first = unique("it-limit-a")
    backend.sagemaker.create_auto_ml_job_v2(**long_hpo_request(first, uri))

    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        backend.sagemaker.create_auto_ml_job_v2(**long_hpo_request(unique("it-limit-b"), uri))
    assert caught.value.response["Error"]["Code"] == "ResourceLimitExceeded"
    assert "--max-active-jobs" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"a,b\n1,2\n3,4\n", None, "TargetAttributeName 'target' is not a column"),
        (b"", None, "is empty"),
        (b"this is not parquet", "x-application/vnd.amazon+parquet", "as Parquet"),
        (b"target,x\n" + b"1,1\n1,2\n1,3\n" * 10, None, "single value"),
    ],
    ids=["missing-target", "empty-file", "unreadable", "constant-target"],
)
def test_bad_data_fails_the_job_not_the_server(sagemaker, s3, wait_for_job, body, content_type, expected):
    name = unique("it-baddata")
    s3.put_object(Bucket=BUCKET, Key=f"bad/{name}/data", Body=body)
    request = tabular_v2_request(name, f"s3://{BUCKET}/bad/{name}/")
    if content_type:
        request["AutoMLJobInputDataConfig"][0]["ContentType"] = content_type
    sagemaker.create_auto_ml_job_v2(**request)
    job = wait_for_job(name)

    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == ("Failed", "Failed")
    assert expected in job["FailureReason"]
    assert (
        sagemaker.list_auto_ml_jobs(NameContains=name)["AutoMLJobSummaries"][0]["FailureReason"]
        == (job["FailureReason"])
    )


def test_missing_input_prefix_fails_the_job(sagemaker, wait_for_job):
    name = unique("it-noinput")
    sagemaker.create_auto_ml_job_v2(**tabular_v2_request(name, f"s3://{BUCKET}/nothing-here/"))
    job = wait_for_job(name)

    assert job["AutoMLJobStatus"] == "Failed"
    assert "No objects found" in job["FailureReason"]


def test_gzip_parquet_manifest_and_validation_channel_are_read(sagemaker, s3, put_frame, wait_for_job):
    """Definitions-only jobs read and analyse the data without training: cheap proof of each format."""
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    prefix = unique("formats")
    gz = put_frame(frame, f"{prefix}/gzip/train.csv.gz", gzip_it=True)
    parquet = put_frame(frame, f"{prefix}/parquet/train.parquet", fmt="parquet")
    put_frame(frame.iloc[:75], f"{prefix}/parts/part-1.csv")
    put_frame(frame.iloc[75:], f"{prefix}/parts/part-2.csv")
    manifest_key = f"{prefix}/manifest.json"
    s3.put_object(
        Bucket=BUCKET,
        Key=manifest_key,
        Body=json.dumps([{"prefix": f"s3://{BUCKET}/{prefix}/parts/"}, "part-1.csv", "part-2.csv"]).encode(),
    )
    validation = put_frame(frame.sample(30, random_state=0), f"{prefix}/validation/valid.csv")

    requests = {
        "gzip": tabular_v2_request(unique("it-gz"), gz, GenerateCandidateDefinitionsOnly=True),
        "parquet": tabular_v1_request(unique("it-pq"), parquet, GenerateCandidateDefinitionsOnly=True),
        "manifest": tabular_v2_request(
            unique("it-mf"), f"s3://{BUCKET}/{manifest_key}", GenerateCandidateDefinitionsOnly=True
        ),
        "validation": tabular_v2_request(unique("it-val"), gz, GenerateCandidateDefinitionsOnly=True),
    }
    requests["gzip"]["AutoMLJobInputDataConfig"][0]["CompressionType"] = "Gzip"
    requests["parquet"]["InputDataConfig"][0]["ContentType"] = "x-application/vnd.amazon+parquet"
    requests["manifest"]["AutoMLJobInputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"] = (
        "ManifestFile"
    )
    requests["validation"]["AutoMLJobInputDataConfig"].append(
        {
            "ChannelType": "validation",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": validation}},
        }
    )
    for kind, request in requests.items():
        if kind == "parquet":
            sagemaker.create_auto_ml_job(**request)
        else:
            sagemaker.create_auto_ml_job_v2(**request)

    for kind, request in requests.items():
        job = wait_for_job(request["AutoMLJobName"])
        assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == (
            "Completed",
            "CandidateDefinitionsGenerated",
        ), (kind, job.get("FailureReason"))
        resolved = job["ResolvedAttributes"]["AutoMLProblemTypeResolvedAttributes"][
            "TabularResolvedAttributes"
        ]
        assert resolved["ProblemType"] == "MulticlassClassification", kind
        assert job["ResolvedAttributes"]["AutoMLJobObjective"]["MetricName"] == "Accuracy"
