"""Plumbing for the real-client suite: client venvs built with uv, a proxy trap, tiny training data.

Each third-party client (SageMaker Python SDK, sagemaker-core, AWS CLI) runs in its own venv so its
pins never meet the provider's. The venvs are built with ``uv venv`` + ``uv pip install`` into a
directory that lives for one pytest session (uv's global cache makes a rebuild take seconds).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "us-east-1"
BUCKET = "automl-clients"
ROLE_ARN = "arn:aws:iam::123456789012:role/automl-clients"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
RESULT_MARKER = "AUTOML-CLIENT-RESULT "

# What each client venv installs. The SDK is held to 2.x: 3.x dropped AutoML/AutoMLV2.
CLIENTS: dict[str, tuple[str, ...]] = {
    "sagemaker-sdk": ("sagemaker>=2.230,<3",),
    "sagemaker-core-1": ("sagemaker-core>=1.0,<2",),
    "sagemaker-core-2": ("sagemaker-core>=2.0,<3",),
    "awscli": ("awscli>=1.36,<2",),
}


def find_uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else shutil.which("uv")


@dataclass
class ClientVenv:
    name: str
    path: Path
    requirements: tuple[str, ...]
    build_seconds: float = 0.0
    reused: bool = False

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def bin(self, program: str) -> str:
        return str(self.path / "bin" / program)

    def version(self, distribution: str) -> str:
        done = subprocess.run(
            [self.python, "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


def build_venv(uv: str, root: Path, name: str, requirements: Sequence[str]) -> ClientVenv:
    """Create (or reuse, when built with the same requirements) a venv under ``root``."""
    path = root / name
    marker = path / ".automl-clients.json"
    wanted = json.dumps(list(requirements))
    venv = ClientVenv(name, path, tuple(requirements))
    if marker.exists() and marker.read_text() == wanted:
        venv.reused = True
        return venv
    shutil.rmtree(path, ignore_errors=True)
    started = time.monotonic()
    # The main venv's interpreter: one Python for every client, no download.
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(path)])
    _run([uv, "pip", "install", "--quiet", "--python", str(path / "bin" / "python"), *requirements])
    venv.build_seconds = time.monotonic() - started
    marker.write_text(wanted)
    return venv


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


class ProxyTrap:
    """A 'proxy' that records every connection a client tries to make beyond loopback and refuses it.

    Client subprocesses get HTTP(S)_PROXY pointing here and NO_PROXY=127.0.0.1,localhost: calls to the
    backend go direct, anything aimed at real AWS (or telemetry) lands here, fails at once, and is
    listed so a test can show that nothing left the machine.
    """

    def __init__(self) -> None:
        self.hits: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, name="proxy-trap", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    first = "<no request line>"
                self.hits.append(first)

    def close(self) -> None:
        self._sock.close()


def client_env(
    home: Path, trap: ProxyTrap, venv: ClientVenv | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clean environment: dummy credentials, no AWS config, a throwaway HOME, every non-loopback
    connection sent to the trap. Nothing of the caller's AWS setup leaks in."""
    home.mkdir(parents=True, exist_ok=True)
    path = os.environ.get("PATH", "/usr/bin:/bin")
    if venv is not None:
        path = f"{venv.path / 'bin'}{os.pathsep}{path}"
    env = {
        "PATH": path,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "PYTHONUNBUFFERED": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[name] = trap.url
    env.update(extra or {})
    return env


@dataclass
class ScriptResult:
    returncode: int
    output: str
    data: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str) -> dict[str, Any]:
        """The named step's result; fails with the client's own error and traceback if it failed."""
        steps = self.data.get("steps", {})
        assert name in steps, f"step {name!r} did not run; script output:\n{self.output[-4000:]}"
        found = steps[name]
        assert found.get("ok"), f"step {name!r} failed: {found.get('error')}\n{found.get('traceback', '')}"
        return found


def run_script(
    venv: ClientVenv, script: str, config: Mapping[str, Any], env: Mapping[str, str], timeout: float = 600
) -> ScriptResult:
    """Run ``scripts/<script>`` in the client's venv; its last marked line is the JSON result."""
    done = subprocess.run(
        [venv.python, str(SCRIPTS / script), json.dumps(dict(config))],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + "\n--- stderr ---\n" + done.stderr
    data: dict[str, Any] = {}
    for line in reversed(done.stdout.splitlines()):
        if RESULT_MARKER in line:
            data = json.loads(line.split(RESULT_MARKER, 1)[1])
            break
    assert data, f"{script} printed no result (exit {done.returncode}):\n{output[-6000:]}"
    return ScriptResult(done.returncode, output, data)


def training_csv(path: Path, rows: int = 300, seed: int = 7) -> Path:
    """A small binary-classification CSV with real signal (a model scores well above chance)."""
    rng = random.Random(seed)
    lines = ["x1,x2,x3,color,target"]
    for _ in range(rows):
        x1, x2, x3 = rng.gauss(0, 1), rng.gauss(0, 1), rng.random()
        color = rng.choice("rgb")
        label = int(x1 + 0.5 * x2 + (0.5 if color == "r" else 0.0) + rng.gauss(0, 0.5) > 0)
        lines.append(f"{x1:.4f},{x2:.4f},{x3:.4f},{color},{label}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
