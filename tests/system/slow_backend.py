"""The local backend with every job held in its training stage for a while, as a real Autopilot job
(minutes to hours) would be; the local one trains the example's table in about a second.

Without the hold, a job is done before its trigger's first poll: the triggerer never holds many
waiting triggers, so killing it would prove little. With it, the kill lands while dozens of jobs are
still InProgress.

    python -m tests.system.slow_backend HOLD_SECONDS serve [automl-local serve options]
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from automl_local.process import READY, LocalBackendProcess, free_port

TRAINING_STATUSES = ("TrainingModels", "ModelTuning")
CALL_LOG = "AUTOML_SLOW_BACKEND_CALL_LOG"  # set: log every SageMaker call to this file
REPO_ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    hold = float(sys.argv[1])
    from automl_local import __main__ as cli
    from automl_local import jobs

    original = jobs.JobRunner._secondary

    def hold_in_training(self: jobs.JobRunner, name: str, status: str, **fields: Any) -> None:
        original(self, name, status, **fields)
        if status in TRAINING_STATUSES:
            self.shutdown_event.wait(hold)  # sleeps, without CPU; ends early when the server stops

    jobs.JobRunner._secondary = hold_in_training  # type: ignore[method-assign]
    if path := os.environ.get(CALL_LOG):
        _log_calls(Path(path))
    return cli.main(sys.argv[2:])


def _log_calls(path: Path) -> None:
    """Append ``<epoch> <action> <client>`` per SageMaker call: ``aio`` for aiobotocore (the
    triggerer), ``sync`` for boto3 (tasks, the test). How the test counts the watcher's calls."""
    from automl_local import server

    original = server.LocalBackendApp._sagemaker
    lock = threading.Lock()

    def logged(
        self: server.LocalBackendApp, action: str, environ: dict[str, Any], start_response: Any
    ) -> Any:
        client = "aio" if "aiobotocore" in environ.get("HTTP_USER_AGENT", "") else "sync"
        with lock, path.open("a") as out:
            out.write(f"{time.time():.3f} {action} {client}\n")
        return original(self, action, environ, start_response)

    server.LocalBackendApp._sagemaker = logged  # type: ignore[method-assign]


class SlowBackendProcess(LocalBackendProcess):
    """LocalBackendProcess running this module instead of ``automl_local``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        hold_seconds: float,
        extra_args: list[str],
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(data_dir, extra_args=extra_args)
        self.hold_seconds = hold_seconds
        self.env = dict(env or {})

    def start(self) -> SlowBackendProcess:
        command = [
            sys.executable,
            "-m",
            "tests.system.slow_backend",
            str(self.hold_seconds),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT
        )
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line.rstrip("\n"))
                if not ready.is_set() and (match := READY.search(line)):
                    self.url = match.group(1)
                    ready.set()

        self._reader = threading.Thread(target=read, name="slow-backend-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not ready.wait(0.1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = "\n".join(self.output[-30:])
                raise RuntimeError(f"slow backend did not start (exit {self.process.returncode}):\n{tail}")
        return self


if __name__ == "__main__":
    sys.exit(main())
