"""Serving across a restart, on a backend that checks signatures (the runtime signs as ``sagemaker``)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from automl_local.auth import Credentials
from automl_local.process import LocalBackendProcess
from tests.conftest import BUCKET, REGION, ROLE_ARN, tabular_v2_request
from tests.rawhttp import exchange
from tests.serving_helpers import csv_rows, features, transform_request

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = Credentials("AKIASERVINGTEST01", "serving/secret")


def clients(backend: LocalBackendProcess) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    kwargs = {
        "endpoint_url": backend.url,
        "region_name": REGION,
        "config": Config(retries={"max_attempts": 1}),
        **backend.client_credentials(),
    }
    return {name: boto3.client(name, **kwargs) for name in ("sagemaker", "s3", "sagemaker-runtime")}


def wait(call: Any, key: str, done: tuple[str, ...], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = call()
        if answer[key] in done:
            return dict(answer)
        assert time.monotonic() < deadline, answer[key]
        time.sleep(0.2)


def test_outputs_transform_jobs_and_endpoints_survive_a_restart(tmp_path):
    from sklearn.datasets import load_breast_cancer

    data_dir = tmp_path / "data"
    first = LocalBackendProcess(data_dir, credentials=KEY).start()
    try:
        c = clients(first)
        c["s3"].create_bucket(Bucket=BUCKET)
        c["s3"].put_object(
            Bucket=BUCKET,
            Key="restart/train.csv",
            Body=load_breast_cancer(as_frame=True).frame.to_csv(index=False).encode(),
        )
        request = tabular_v2_request(
            "restart-job",
            f"s3://{BUCKET}/restart/train.csv",
            Mode="ENSEMBLING",
            CompletionCriteria={"MaxCandidates": 1},
            extra={"ModelDeployConfig": {"EndpointName": "restart-endpoint"}},
        )
        c["sagemaker"].create_auto_ml_job_v2(**request)
        job = wait(
            lambda: c["sagemaker"].describe_auto_ml_job_v2(AutoMLJobName="restart-job"),
            "AutoMLJobStatus",
            ("Completed", "Failed"),
        )
        assert job["AutoMLJobSecondaryStatus"] == "MaxCandidatesReached", job.get("PartialFailureReasons")
        rows = csv_rows(features(10))
        signed = c["sagemaker-runtime"].invoke_endpoint(
            EndpointName="restart-endpoint", ContentType="text/csv", Body=rows
        )
        before = signed["Body"].read()
        assert len(before.splitlines()) == 10

        # Unsigned, the runtime path is refused like every other request.
        head = (
            f"POST /endpoints/restart-endpoint/invocations HTTP/1.1\r\nHost: {first.url[7:]}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {len(rows)}\r\n\r\n"
        ).encode()
        assert exchange(first.url, head, rows).status == 403

        c["sagemaker"].create_model(
            ModelName="restart-model",
            ExecutionRoleArn=ROLE_ARN,
            Containers=job["BestCandidate"]["InferenceContainers"],
        )
        c["s3"].put_object(Bucket=BUCKET, Key="restart/batch/in.csv", Body=rows)
        c["sagemaker"].create_transform_job(
            **transform_request(
                "restart-done", "restart-model", f"s3://{BUCKET}/restart/batch/", "restart/out"
            )
        )
        done = wait(
            lambda: c["sagemaker"].describe_transform_job(TransformJobName="restart-done"),
            "TransformJobStatus",
            ("Completed", "Failed"),
        )
        assert done["TransformJobStatus"] == "Completed", done.get("FailureReason")
        output = c["s3"].get_object(Bucket=BUCKET, Key="restart/out/in.csv.out")["Body"].read()
        assert output == before

        # One more, still running when the backend stops.
        big = csv_rows(features()) * 20
        c["s3"].put_object(Bucket=BUCKET, Key="restart/big/in.csv", Body=big)
        c["sagemaker"].create_transform_job(
            **transform_request(
                "restart-cut",
                "restart-model",
                f"s3://{BUCKET}/restart/big/",
                "restart/big-out",
                BatchStrategy="SingleRecord",
            )
        )
        time.sleep(0.5)
        assert (
            c["sagemaker"].describe_transform_job(TransformJobName="restart-cut")["TransformJobStatus"]
            == "InProgress"
        )
    finally:
        first.stop()

    second = LocalBackendProcess(data_dir, credentials=KEY).start()
    try:
        c = clients(second)
        assert (
            c["sagemaker"].describe_transform_job(TransformJobName="restart-done")["TransformJobStatus"]
            == "Completed"
        )
        assert c["s3"].get_object(Bucket=BUCKET, Key="restart/out/in.csv.out")["Body"].read() == before
        cut = c["sagemaker"].describe_transform_job(TransformJobName="restart-cut")
        assert cut["TransformJobStatus"] == "Failed" and "restarted" in cut["FailureReason"]
        listed = c["sagemaker"].list_transform_jobs(SortBy="Name", SortOrder="Ascending")[
            "TransformJobSummaries"
        ]
        assert [j["TransformJobName"] for j in listed] == ["restart-cut", "restart-done"]
        assert (
            c["sagemaker"].describe_endpoint(EndpointName="restart-endpoint")["EndpointStatus"] == "InService"
        )
        again = c["sagemaker-runtime"].invoke_endpoint(
            EndpointName="restart-endpoint", ContentType="text/csv", Body=rows
        )
        assert again["Body"].read() == before
        with pytest.raises(ClientError) as err:
            c["sagemaker-runtime"].invoke_endpoint(
                EndpointName="restart-endpoint", ContentType="text/csv", Body=b"1" * (7 * 1024 * 1024)
            )
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        # Over the server's own request limit on a signed backend: refused by the guard, in JSON.
        with pytest.raises(ClientError) as err:
            c["sagemaker-runtime"].invoke_endpoint(
                EndpointName="restart-endpoint", ContentType="text/csv", Body=b"1" * (9 * 1024 * 1024)
            )
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        assert err.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    finally:
        second.stop()
