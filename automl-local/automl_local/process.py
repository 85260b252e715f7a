"""Run the local backend as a subprocess (tests, demos).

with LocalBackendProcess(tmp_dir) as backend:
    boto3.client("sagemaker", endpoint_url=backend.url, ...)
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

READY = re.compile(r"AutoML local backend ready at (http://\S+)")


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
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.extra_args = tuple(extra_args)
        self.env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.url: str = ""
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self) -> LocalBackendProcess:
        port = self.port if self.port is not None else free_port()
        command = [
            sys.executable,
            "-m",
            "automl_local",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
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
                    self.url = match.group(1)
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
