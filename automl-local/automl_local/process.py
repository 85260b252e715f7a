"""Run the local backend as a subprocess (tests, demos)::

    with LocalBackendProcess(tmp_dir) as backend:
        boto3.client("sagemaker", endpoint_url=backend.url, **backend.client_credentials())

``host``/``allow_remote``/``credentials`` start it beyond loopback (credentials go through the
environment, not the command line, so they do not show in ``ps``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from automl_local.auth import ACCESS_KEY_ENV, SECRET_KEY_ENV, Credentials, connect_host
from automl_local.data import LOCAL_KEY

READY = re.compile(r"AutoML local backend ready at (https?://\S+)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalBackendProcess:
    """Starts ``python -m automl_local serve`` on a free port and waits until it is ready."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        *,
        startup_timeout: float = 120.0,
        host: str = "127.0.0.1",
        allow_remote: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.allow_remote = allow_remote
        self.credentials = credentials
        self.port = port
        self.extra_args = tuple(extra_args)
        self.env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.url: str = ""  # how this machine reaches it (loopback for a wildcard bind)
        self.address: str = ""  # where it listens, as its ready line says
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self) -> LocalBackendProcess:
        port = self.port if self.port is not None else free_port(connect_host(self.host))
        command = [
            sys.executable,
            "-m",
            "automl_local",
            "serve",
            "--host",
            self.host,
            "--port",
            str(port),
            "--data-dir",
            str(self.data_dir),
            *(["--allow-remote"] if self.allow_remote else []),
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        if self.credentials is not None:
            env[ACCESS_KEY_ENV] = self.credentials.access_key_id
            env[SECRET_KEY_ENV] = self.credentials.secret_access_key
        # Importable even when the package is not installed (a source checkout on sys.path).
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip("\n"))
                match = READY.search(line)
                if match and not ready.is_set():
                    self.address = match.group(1)
                    self.url = _reachable(self.address)
                    ready.set()

        self._reader = threading.Thread(target=read, name="automl-local-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not ready.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = "\n".join(self.output[-30:])
                raise RuntimeError(
                    f"local AutoML backend did not start (exit {self.process.returncode}):\n{tail}"
                )
        return self

    def client_credentials(self) -> dict[str, Any]:
        """boto3 client keyword arguments with the key this server checks (any key when it checks none)."""
        credentials = self.credentials or Credentials(LOCAL_KEY, LOCAL_KEY)
        return {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
        }

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(2)
        return self.process.returncode

    def __enter__(self) -> LocalBackendProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _reachable(address: str) -> str:
    """The ready line's URL, with a wildcard host replaced by this machine's loopback address."""
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    bare = host.strip("[]")
    reach = connect_host(bare)
    return f"{scheme}://{f'[{reach}]' if ':' in reach else reach}:{port}"
