"""The suite's guard rails: a client that forgets the backend fails fast and is caught."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clients.harness import ProxyTrap, client_env

pytestmark = pytest.mark.clients

STRAY_CALL = """
import boto3
from botocore.config import Config
try:
    boto3.client("sagemaker", config=Config(retries={"max_attempts": 1})).list_auto_ml_jobs()
except Exception as err:
    print(type(err).__name__)
"""


def test_a_call_to_real_aws_fails_fast_and_is_recorded(trap: ProxyTrap, tmp_path: Path) -> None:
    before = len(trap.hits)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", STRAY_CALL],
        env=client_env(tmp_path, trap),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert time.monotonic() - started < 30
    assert done.stdout.strip() == "ProxyConnectionError", done.stdout + done.stderr
    hits = trap.hits[before:]
    assert hits
    assert all(hit.startswith("CONNECT api.sagemaker.us-east-1.amazonaws.com:443 ") for hit in hits), hits
    # Client tests compare slices of the hit list; this test's own hit must not count against them.
    del trap.hits[before:]
