"""Integration fixtures: one local AutoML backend per session, driven over real HTTP with boto3."""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")

from automl_local.process import LocalBackendProcess

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


def wait_job(
    sagemaker: Any, name: str, *, timeout: float = 120, until: tuple[str, ...] = TERMINAL
) -> dict[str, Any]:
    """Poll DescribeAutoMLJobV2 until the job is terminal; the last response and the statuses seen."""
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
            raise AssertionError(f"job {name} still {described['AutoMLJobStatus']} after {timeout}s: {seen}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def wait_for_job(sagemaker: Any) -> Callable[..., dict[str, Any]]:
    """:func:`wait_job` on the session's client."""
    return functools.partial(wait_job, sagemaker)


class ExtraBackend:
    """A second backend process for tests that restart it or start it with other options."""

    def __init__(self, data_dir: Any, extra_args: list[str], env: dict[str, str]) -> None:
        self.process = LocalBackendProcess(data_dir, extra_args=extra_args, env=env)

    def start(self) -> ExtraBackend:
        import boto3
        from botocore.config import Config

        self.process.start()
        kwargs = client_kwargs(self.process.url)
        self.sagemaker = boto3.client("sagemaker", config=Config(retries={"max_attempts": 1}), **kwargs)
        self.s3 = boto3.client("s3", **kwargs)
        return self

    def stop(self) -> int | None:
        return self.process.stop()


@pytest.fixture
def extra_backend(tmp_path: Any) -> Iterator[Callable[..., ExtraBackend]]:
    started: list[ExtraBackend] = []

    def start(*extra_args: str, env: dict[str, str] | None = None, data_dir: Any = None) -> ExtraBackend:
        backend = ExtraBackend(data_dir or tmp_path / "data", list(extra_args), env or {}).start()
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.stop()


@pytest.fixture(scope="session")
def breast_cancer_uri(put_frame: Any) -> str:
    from sklearn.datasets import load_breast_cancer

    return put_frame(load_breast_cancer(as_frame=True).frame, "datasets/breast-cancer/train.csv")


@pytest.fixture(scope="session")
def hpo_job(
    sagemaker: Any, wait_for_job: Callable[..., dict[str, Any]], breast_cancer_uri: str
) -> dict[str, Any]:
    """A completed HYPERPARAMETER_TUNING job with 6 candidates, shared by the read-only tests."""
    name = unique("it-shared-hpo")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            name, breast_cancer_uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 6}
        )
    )
    job = wait_for_job(name)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return job


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
