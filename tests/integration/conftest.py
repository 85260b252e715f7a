"""Integration fixtures: one local AutoML backend per session, driven over real HTTP with boto3."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")

from airflow_provider_automl.local.process import LocalBackendProcess

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/automl-local-tests"
BUCKET = "automl-it"
TERMINAL = ("Completed", "Failed", "Stopped")


def client_kwargs(url: str) -> dict[str, Any]:
    return {
        "endpoint_url": url,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }


@pytest.fixture(scope="session")
def local_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    with LocalBackendProcess(
        tmp_path_factory.mktemp("automl-local"), extra_args=["--workers", "2"]
    ) as backend:
        yield backend


@pytest.fixture(scope="session")
def sagemaker(local_backend: LocalBackendProcess) -> Any:
    import boto3
    from botocore.config import Config

    # No retries: tests must see every error the server answers.
    return boto3.client(
        "sagemaker", config=Config(retries={"max_attempts": 1}), **client_kwargs(local_backend.url)
    )


@pytest.fixture(scope="session")
def s3(local_backend: LocalBackendProcess) -> Any:
    import boto3

    client = boto3.client("s3", **client_kwargs(local_backend.url))
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="session")
def put_frame(s3: Any) -> Callable[..., str]:
    """Upload a DataFrame as CSV (default) or Parquet; returns its s3:// URI."""

    def put(frame: Any, key: str, *, fmt: str = "csv", gzip_it: bool = False) -> str:
        if fmt == "parquet":
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            body = buffer.getvalue()
        else:
            body = frame.to_csv(index=False).encode()
        if gzip_it:
            import gzip

            body = gzip.compress(body)
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        return f"s3://{BUCKET}/{key}"

    return put


@pytest.fixture(scope="session")
def wait_for_job(sagemaker: Any) -> Callable[..., dict[str, Any]]:
    """Poll DescribeAutoMLJobV2 until the job is terminal; returns the last response and the statuses seen."""

    def wait(name: str, *, timeout: float = 120, until: tuple[str, ...] = TERMINAL) -> dict[str, Any]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            described = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
            secondary = described["AutoMLJobSecondaryStatus"]
            if not seen or seen[-1] != secondary:
                seen.append(secondary)
            if described["AutoMLJobStatus"] in until:
                described["SecondaryStatusesSeen"] = seen
                return described
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"job {name} still {described['AutoMLJobStatus']} after {timeout}s: {seen}"
                )
            time.sleep(0.2)

    return wait


def tabular_v2_request(
    name: str, training_uri: str, *, target: str = "target", **tabular: Any
) -> dict[str, Any]:
    extra = tabular.pop("extra", {})
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": training_uri}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/output/"},
        "RoleArn": ROLE_ARN,
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": target, **tabular}},
        **extra,
    }


def tabular_v1_request(
    name: str, training_uri: str, *, target: str = "target", **extra: Any
) -> dict[str, Any]:
    return {
        "AutoMLJobName": name,
        "InputDataConfig": [
            {
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": training_uri}},
                "TargetAttributeName": target,
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/output-v1/"},
        "RoleArn": ROLE_ARN,
        **extra,
    }


def unique(prefix: str) -> str:
    """A job name no other test (or earlier run in this session) uses."""
    return f"{prefix}-{time.time_ns() % 10**9}"
