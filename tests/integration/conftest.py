"""Integration fixtures: one local AutoML backend per session, driven over real HTTP with boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("automl_local", reason="the local backend needs the [local] extra")

from automl_local.process import LocalBackendProcess

REGION = "us-east-1"


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

    return boto3.client(
        "sagemaker",
        config=Config(retries={"max_attempts": 1}),
        endpoint_url=local_backend.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
