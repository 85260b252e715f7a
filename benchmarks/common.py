"""Shared plumbing: the loopback server process, its control calls, the environment of a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Child processes cache bytecode here: a deployment has .pyc files, and compiling Airflow and
# botocore from source in every fresh process would swamp what we measure.
PYCACHE = Path(tempfile.gettempdir()) / "airflow-provider-automl-bench-pycache"


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


REGION = "us-east-1"
CONN_ID = "bench"


@contextmanager
def bench_server(*, check: bool = False) -> Iterator[str]:
    """Start ``benchmarks.server`` in its own process; yield its URL."""
    command = [sys.executable, "-m", "benchmarks.server", *(["--check"] if check else [])]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=child_env())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("ready "):
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        yield line.split(" ", 1)[1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def control(url: str, action: str, **data: Any) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/_bench/{action}", data=json.dumps(data).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return dict(json.loads(response.read()))


def bench_env(url: str) -> dict[str, str]:
    """An Airflow AWS connection ``bench`` pointing at the loopback server, quiet logs."""
    conn = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"endpoint_url": url, "region_name": REGION},
    }
    env = child_env()
    env.update(
        {
            f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(conn),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def run_json(args: list[str], env: dict[str, str], timeout: float = 900) -> dict[str, Any]:
    """Run ``python -m <args>`` in a fresh process; its stdout line ``RESULT <json>`` is the result."""
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise RuntimeError(
            f"{' '.join(args)} printed no result:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return dict(json.loads(lines[-1][len("RESULT ") :]))
