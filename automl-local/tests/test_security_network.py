"""Beyond loopback: refused without an opt-in and credentials; with them, only signed requests pass.

One server listens on 0.0.0.0 with --allow-remote and a key; tests reach it through 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from automl_local.auth import ACCESS_KEY_ENV, SECRET_KEY_ENV, Credentials
from automl_local.process import LocalBackendProcess
from tests.conftest import BUCKET, REGION, ROLE_ARN, unique
from tests.rawhttp import exchange, s3_head, sagemaker_head

pytestmark = [pytest.mark.integration, pytest.mark.security]

KEY = Credentials("AKIALOCALREMOTE01", "remote/secret+with=chars")


def serve_exit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``serve`` expecting it to refuse before listening (so it ends on its own)."""
    clean = {k: v for k, v in os.environ.items() if k not in (ACCESS_KEY_ENV, SECRET_KEY_ENV)}
    return subprocess.run(
        [sys.executable, "-m", "automl_local", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def test_non_loopback_host_without_opt_in_exits_2():
    result = serve_exit("--host", "0.0.0.0")

    assert result.returncode == 2
    assert "not a loopback address" in result.stderr
    assert "--allow-remote" in result.stderr
    assert "ready" not in result.stdout


def test_opt_in_without_credentials_exits_2():
    result = serve_exit("--host", "0.0.0.0", "--allow-remote")

    assert result.returncode == 2
    assert ACCESS_KEY_ENV in result.stderr and SECRET_KEY_ENV in result.stderr


def test_half_a_credential_exits_2():
    result = serve_exit("--host", "0.0.0.0", "--allow-remote", env={ACCESS_KEY_ENV: "AKIAONLYKEY"})

    assert result.returncode == 2
    assert "both an access key id and a secret access key" in result.stderr


def test_invalid_limit_exits_2():
    result = serve_exit("--max-request-bytes", "lots")

    assert result.returncode == 2
    assert "--max-request-bytes" in result.stderr


def test_help_documents_every_flag_and_its_env():
    from automl_local.limits import LIMITS

    result = subprocess.run(
        [sys.executable, "-m", "automl_local", "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    text = " ".join(result.stdout.split())

    for flag in ("--allow-remote", "--access-key-id", "--secret-access-key", ACCESS_KEY_ENV, SECRET_KEY_ENV):
        assert flag in text
    for limit in LIMITS:
        assert limit.flag in text and limit.env in text


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    with LocalBackendProcess(
        tmp_path_factory.mktemp("remote"),
        host="0.0.0.0",
        allow_remote=True,
        credentials=KEY,
        extra_args=["--workers", "1"],
    ) as process:
        yield process


def client(
    remote: LocalBackendProcess,
    service: str,
    *,
    key: str = KEY.access_key_id,
    secret: str = KEY.secret_access_key,
    **config: Any,
) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=remote.url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(scope="module")
def s3(remote: LocalBackendProcess) -> Any:
    s3 = client(remote, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"hello")
    return s3


@pytest.fixture
def alive(remote: LocalBackendProcess) -> Iterator[None]:
    yield
    assert remote.process is not None and remote.process.poll() is None, "the server died"
    assert "AutoMLJobSummaries" in client(remote, "sagemaker").list_auto_ml_jobs(MaxResults=1)


def error_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_ready_line_prints_the_real_address_and_a_warning(remote):
    assert remote.address.startswith("http://0.0.0.0:")
    assert remote.url.startswith("http://127.0.0.1:")
    assert any("WARNING" in line and "reachable from the network" in line for line in remote.output)


def test_the_right_key_works_for_sagemaker_and_s3(remote, s3, alive):
    sagemaker = client(remote, "sagemaker")
    assert sagemaker.list_auto_ml_jobs()["AutoMLJobSummaries"] == []
    body = os.urandom(12 * 1024 * 1024)
    key = "uploads/a file+with spaces&more.bin"

    s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")["KeyCount"] == 1


def test_multipart_upload_with_the_right_key(remote, s3, alive, tmp_path):
    from boto3.s3.transfer import TransferConfig

    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(11 * 1024 * 1024))
    small_parts = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)

    s3.upload_file(str(source), BUCKET, "multipart/big.bin", Config=small_parts)
    s3.download_file(BUCKET, "multipart/big.bin", str(tmp_path / "back.bin"))

    assert (tmp_path / "back.bin").read_bytes() == source.read_bytes()


def test_wrong_secret_is_refused(remote, s3, alive):
    sagemaker = client(remote, "sagemaker", secret="not-the-secret")
    bad_s3 = client(remote, "s3", secret="not-the-secret")

    assert error_of(sagemaker.list_auto_ml_jobs) == ("InvalidSignatureException", 403)
    assert error_of(lambda: bad_s3.get_object(Bucket=BUCKET, Key="small.txt")) == (
        "SignatureDoesNotMatch",
        403,
    )
    assert error_of(lambda: bad_s3.put_object(Bucket=BUCKET, Key="evil.txt", Body=b"x")) == (
        "SignatureDoesNotMatch",
        403,
    )
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="evil")


def test_unknown_key_is_refused(remote, alive):
    assert error_of(client(remote, "sagemaker", key="AKIASOMEONEELSE").list_auto_ml_jobs) == (
        "UnrecognizedClientException",
        403,
    )
    assert error_of(client(remote, "s3", key="AKIASOMEONEELSE").list_buckets) == ("InvalidAccessKeyId", 403)


def test_unsigned_requests_are_refused(remote, s3, alive):
    from botocore import UNSIGNED

    assert error_of(client(remote, "sagemaker", signature_version=UNSIGNED).list_auto_ml_jobs) == (
        "MissingAuthenticationTokenException",
        403,
    )
    assert error_of(client(remote, "s3", signature_version=UNSIGNED).list_buckets) == ("AccessDenied", 403)
    raw_put = exchange(remote.url, s3_head(remote.url, "PUT", f"/{BUCKET}/raw.txt", 3), b"abc")
    raw_call = exchange(remote.url, sagemaker_head(remote.url, "DeleteModel", 2), b"{}")

    assert (raw_put.status, raw_put.code) == (403, "AccessDenied")
    assert (raw_call.status, raw_call.code) == (403, "MissingAuthenticationTokenException")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="raw")


def test_a_replayed_signature_on_another_body_is_refused(remote, alive):
    """A captured signed request cannot carry another body: the body is part of what is signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    request = AWSRequest(
        method="POST",
        url=f"{remote.url}/",
        data=b'{"MaxResults": 1}',
        headers={"X-Amz-Target": "SageMaker.ListAutoMLJobs", "Content-Type": "application/x-amz-json-1.1"},
    )
    SigV4Auth(BotoCredentials(KEY.access_key_id, KEY.secret_access_key), "sagemaker", REGION).add_auth(
        request
    )
    headers = "".join(
        f"{k}: {v}\r\n"
        for k, v in request.headers.items()
        if k.lower() not in ("content-type", "x-amz-target")
    )
    good = exchange(remote.url, sagemaker_head(remote.url, "ListAutoMLJobs", 17, extra=headers), request.body)
    forged = exchange(
        remote.url, sagemaker_head(remote.url, "ListAutoMLJobs", 17, extra=headers), b'{"MaxResults": 9}'
    )

    assert good.status == 200
    assert (forged.status, forged.code) == (403, "InvalidSignatureException")


def test_a_signed_upload_cannot_carry_another_body(remote, s3, alive):
    """boto3 signs the payload hash of an upload over HTTP: a body swapped on the way is refused."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    request = AWSRequest(method="PUT", url=f"{remote.url}/{BUCKET}/swapped.txt", data=b"good")
    S3SigV4Auth(BotoCredentials(KEY.access_key_id, KEY.secret_access_key), "s3", REGION).add_auth(request)
    headers = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    head = s3_head(remote.url, "PUT", f"/{BUCKET}/swapped.txt", 4, extra=headers)

    swapped = exchange(remote.url, head, b"evil")
    assert (swapped.status, swapped.code) == (400, "XAmzContentSHA256Mismatch")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="swapped")
    assert exchange(remote.url, head, b"good").status == 200
    assert s3.get_object(Bucket=BUCKET, Key="swapped.txt")["Body"].read() == b"good"


def test_a_stale_signature_is_refused(remote, alive, monkeypatch):
    import botocore.auth

    stale = datetime.now(timezone.utc) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: stale.replace(tzinfo=None))

    assert error_of(client(remote, "sagemaker").list_auto_ml_jobs) == ("InvalidSignatureException", 403)
    assert error_of(client(remote, "s3").list_buckets) == ("RequestTimeTooSkewed", 403)


@pytest.mark.parametrize("signature_version", [None, "s3v4"])  # None: boto3's default (SigV2 in us-east-1)
def test_presigned_urls_work_with_the_right_key(remote, s3, alive, signature_version):
    signer = client(remote, "s3", signature_version=signature_version) if signature_version else s3
    get_url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "small.txt"}, ExpiresIn=60
    )
    put_url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": f"presigned-{signature_version}.txt"}, ExpiresIn=60
    )

    assert urllib.request.urlopen(get_url, timeout=30).read() == b"hello"
    # No Content-Type: urllib would add one, and SigV2 signs it (as S3 does).
    put = urllib.request.Request(put_url, data=b"put", method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(put, timeout=30).read()
    assert s3.get_object(Bucket=BUCKET, Key=f"presigned-{signature_version}.txt")["Body"].read() == b"put"


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_presigned_urls_of_another_secret_or_object_are_refused(remote, s3, alive, signature_version):
    other = client(remote, "s3", secret="not-the-secret", signature_version=signature_version or "s3")
    forged = other.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "small.txt"})
    good = (
        client(remote, "s3", signature_version=signature_version) if signature_version else s3
    ).generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "small.txt"})
    moved = good.replace("/small.txt", "/uploads/other.bin")

    for url in (forged, moved):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=30)
        assert caught.value.code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in caught.value.read()


def test_health_stays_open(remote):
    assert (
        urllib.request.urlopen(f"{remote.url}/automl-local/health", timeout=30).read() == b'{"status": "ok"}'
    )


def test_the_backend_reads_job_data_with_the_configured_key(remote, s3, alive):
    """Its own S3 client signs with the configured key: a job reads its data and writes its notebooks."""
    import time

    rows = "x,target\n" + "".join(f"{i},{i % 2}\n" for i in range(60))
    s3.put_object(Bucket=BUCKET, Key="jobs/train.csv", Body=rows.encode())
    sagemaker = client(remote, "sagemaker")
    name = unique("remote")
    sagemaker.create_auto_ml_job_v2(
        AutoMLJobName=name,
        AutoMLJobInputDataConfig=[
            {
                "ChannelType": "training",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/jobs/train.csv"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output/"},
        RoleArn=ROLE_ARN,
        AutoMLProblemTypeConfig={
            "TabularJobConfig": {"TargetAttributeName": "target", "GenerateCandidateDefinitionsOnly": True}
        },
    )
    deadline = time.monotonic() + 120
    while (job := sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name))["AutoMLJobStatus"] == "InProgress":
        assert time.monotonic() < deadline, job
        time.sleep(0.2)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    notebook = job["AutoMLJobArtifacts"]["DataExplorationNotebookLocation"]
    bucket, _, key = notebook[5:].partition("/")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
