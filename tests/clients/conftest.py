"""Fixtures of the real-client suite: one local backend, the proxy trap, client venvs, uploaded data."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("automl_local", reason="the local backend needs the [local] extra")

from automl_local.process import LocalBackendProcess
from tests.clients.harness import (
    BUCKET,
    CLIENTS,
    REGION,
    ClientVenv,
    ProxyTrap,
    build_venv,
    find_uv,
    training_csv,
)

_BUILT: list[ClientVenv] = []


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    with LocalBackendProcess(
        tmp_path_factory.mktemp("clients-backend"), extra_args=["--workers", "2"]
    ) as started:
        yield started


@pytest.fixture(scope="session")
def run_id() -> str:
    """Short and unique per session: job names stay within 32 characters and never collide."""
    return secrets.token_hex(3)


@pytest.fixture(scope="session")
def trap() -> Iterator[ProxyTrap]:
    started = ProxyTrap()
    yield started
    started.close()


@pytest.fixture(scope="session")
def venv_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # AUTOML_CLIENT_VENVS keeps the venvs across sessions when iterating locally.
    kept = os.environ.get("AUTOML_CLIENT_VENVS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("client-venvs")


@pytest.fixture(scope="session")
def client_venv(venv_root: Path) -> Any:
    uv = find_uv()
    if uv is None:
        pytest.skip("uv is not installed next to the test interpreter nor on PATH")
    built: dict[str, ClientVenv] = {}

    def get(name: str) -> ClientVenv:
        if name not in built:
            built[name] = build_venv(uv, venv_root, name, CLIENTS[name])
            _BUILT.append(built[name])
        return built[name]

    return get


@pytest.fixture(scope="session")
def boto_clients(backend: LocalBackendProcess) -> dict[str, Any]:
    """boto3 clients of the test process itself, for setup and for checking what a client did."""
    import boto3

    kwargs = {
        "endpoint_url": backend.url,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return {"sagemaker": boto3.client("sagemaker", **kwargs), "s3": boto3.client("s3", **kwargs)}


@pytest.fixture(scope="session")
def training_data(tmp_path_factory: pytest.TempPathFactory, boto_clients: dict[str, Any]) -> dict[str, str]:
    """The training CSV on disk (for clients that upload it themselves) and in the backend's S3."""
    path = training_csv(tmp_path_factory.mktemp("clients-data") / "train.csv")
    s3 = boto_clients["s3"]
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="data/train.csv", Body=path.read_bytes())
    return {"path": str(path), "uri": f"s3://{BUCKET}/data/train.csv"}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _BUILT:
        terminalreporter.section("client venvs")
        for venv in _BUILT:
            how = "reused" if venv.reused else f"built in {venv.build_seconds:.1f}s"
            terminalreporter.write_line(f"{venv.name}: {how} ({' '.join(venv.requirements)}) at {venv.path}")
