"""Fault injection (off by default): throttling and latency on the AutoML actions only."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET

pytestmark = pytest.mark.integration


def test_faults_are_off_by_default(sagemaker):
    started = time.monotonic()
    for _ in range(20):
        sagemaker.list_auto_ml_jobs(MaxResults=1)
    assert time.monotonic() - started < 10


def test_env_throttles_every_automl_call_and_adds_latency(extra_backend):
    backend = extra_backend(env={"AUTOML_LOCAL_THROTTLE_RATE": "1", "AUTOML_LOCAL_LATENCY_MS": "300"})

    started = time.monotonic()
    with pytest.raises(ClientError) as caught:
        backend.sagemaker.list_auto_ml_jobs()
    elapsed = time.monotonic() - started

    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert elapsed >= 0.3
    # Only the AutoML actions: moto's S3 and SageMaker answer normally.
    backend.s3.create_bucket(Bucket=BUCKET)
    assert backend.s3.list_buckets()["Buckets"][0]["Name"] == BUCKET
    assert backend.sagemaker.list_models()["Models"] == []


def test_flags_set_a_partial_throttle_rate(extra_backend):
    backend = extra_backend(
        "--throttle-rate", "0.5", "--latency-ms", "0", env={"AUTOML_LOCAL_FAULT_SEED": "7"}
    )

    outcomes = []
    for _ in range(40):
        try:
            backend.sagemaker.list_auto_ml_jobs()
            outcomes.append("ok")
        except ClientError as err:
            outcomes.append(err.response["Error"]["Code"])

    assert set(outcomes) == {"ok", "ThrottlingException"}
    assert 8 <= outcomes.count("ThrottlingException") <= 32


def test_invalid_fault_settings_refuse_to_start(tmp_path):
    from automl_local.process import LocalBackendProcess

    with pytest.raises(RuntimeError, match="throttle rate"):
        LocalBackendProcess(tmp_path, extra_args=["--throttle-rate", "2"]).start()
