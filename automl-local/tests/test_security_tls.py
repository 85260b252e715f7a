"""HTTPS with --tls-cert/--tls-key: real clients trust the certificate and work; plain HTTP and
silent clients get nothing and block nobody; bad flags exit 2 naming them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from automl_local.process import LocalBackendProcess
from automl_local.tls import CERT_ENV, KEY_ENV
from tests.conftest import BUCKET, client_kwargs, tabular_v2_request, unique, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.security]

TIMEOUT_S = 3


def self_signed(directory: Path, name: str = "automl-local-test") -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, pem: tuple[Path, Path]
) -> Iterator[LocalBackendProcess]:
    cert, key = pem
    extra = ["--tls-cert", str(cert), "--tls-key", str(key), "--request-timeout", str(TIMEOUT_S)]
    with LocalBackendProcess(tmp_path_factory.mktemp("tls-backend"), extra_args=extra) as process:
        yield process


def client(service: str, backend: LocalBackendProcess, verify: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service, verify=verify, config=Config(retries={"max_attempts": 1}), **client_kwargs(backend.url)
    )


def test_the_ready_line_says_https(backend: LocalBackendProcess) -> None:
    assert backend.url.startswith("https://127.0.0.1:")


def test_a_job_trains_over_https(
    backend: LocalBackendProcess, pem: tuple[Path, Path], tmp_path: Path
) -> None:
    """boto3 trusting the certificate: upload, train (the backend reads its data through its own S3
    client, over the same HTTPS), describe."""
    cert, _ = pem
    s3, sagemaker = client("s3", backend, str(cert)), client("sagemaker", backend, str(cert))
    s3.create_bucket(Bucket=BUCKET)
    rows = ["x1,x2,target"] + [f"{i % 7},{(i * 3) % 5},{int(i % 7 > 3)}" for i in range(200)]
    s3.put_object(Bucket=BUCKET, Key="tls/train.csv", Body="\n".join(rows).encode())
    name = unique("tls")
    request = tabular_v2_request(
        name,
        f"s3://{BUCKET}/tls/train.csv",
        ProblemType="BinaryClassification",
        CompletionCriteria={"MaxCandidates": 1},
    )
    sagemaker.create_auto_ml_job_v2(**request)
    job = wait_job(sagemaker, name, timeout=180)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    model = job["BestCandidate"]["InferenceContainers"][-1]["ModelDataUrl"]
    bucket, _, key = model[5:].partition("/")
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


def test_an_untrusted_certificate_is_refused_by_the_client(backend: LocalBackendProcess) -> None:
    from botocore.exceptions import SSLError

    with pytest.raises(SSLError):
        client("sagemaker", backend, True).list_auto_ml_jobs(MaxResults=1)  # the system's CAs only


def test_plain_http_gets_no_answer_and_the_server_lives(
    backend: LocalBackendProcess, pem: tuple[Path, Path]
) -> None:
    parts = urlsplit(backend.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET /automl-local/health HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    assert b"HTTP/1.1 200" not in received  # nothing is served in the clear
    assert "AutoMLJobSummaries" in client("sagemaker", backend, str(pem[0])).list_auto_ml_jobs(MaxResults=1)


def test_a_client_that_never_says_hello_blocks_nobody(
    backend: LocalBackendProcess, pem: tuple[Path, Path]
) -> None:
    parts = urlsplit(backend.url)
    silent = [socket.create_connection((parts.hostname, parts.port), timeout=10) for _ in range(5)]
    try:
        started = time.monotonic()
        listed = client("sagemaker", backend, str(pem[0])).list_auto_ml_jobs(MaxResults=1)
        assert "AutoMLJobSummaries" in listed
        assert time.monotonic() - started < TIMEOUT_S  # not queued behind the silent handshakes
        silent[0].settimeout(TIMEOUT_S + 10)
        assert silent[0].recv(1) == b""  # closed once the timeout passed
    finally:
        for sock in silent:
            sock.close()


def serve_exit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automl_local", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_a_certificate_without_its_key_exits_2(pem: tuple[Path, Path]) -> None:
    result = serve_exit("--tls-cert", str(pem[0]))

    assert result.returncode == 2
    assert "--tls-cert and --tls-key" in result.stderr


def test_a_key_that_does_not_match_exits_2(pem: tuple[Path, Path], tmp_path: Path) -> None:
    _, other_key = self_signed(tmp_path, "other")
    result = serve_exit("--tls-cert", str(pem[0]), "--tls-key", str(other_key))

    assert result.returncode == 2
    assert "not a PEM certificate chain and its matching private key" in result.stderr


def test_a_missing_file_from_the_environment_exits_2(tmp_path: Path) -> None:
    import os

    env = {**os.environ, CERT_ENV: str(tmp_path / "none.crt"), KEY_ENV: str(tmp_path / "none.key")}
    result = serve_exit(env=env)

    assert result.returncode == 2
    assert "--tls-cert" in result.stderr and "no such file" in result.stderr
