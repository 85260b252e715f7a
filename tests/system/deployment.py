"""A real Airflow deployment for the system tests: PostgreSQL metadata database, LocalExecutor,
and ``airflow api-server``, ``scheduler``, ``dag-processor`` and ``triggerer`` as separate processes.

Every component runs in its own session (process group), so SIGKILL takes the whole component
down at once, the way a lost container or machine would, and teardown can reach its children.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from airflow_provider_automl.dagtest import backend_connection
from automl_local.process import free_port

DAG_ID = "example_automl_tabular"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Component:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    descendants: set[int] = field(default_factory=set)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def remember_descendants(self) -> None:
        """Note the component's children now, so teardown can reach any that left the group."""
        import psutil

        with contextlib.suppress(psutil.Error):
            self.descendants.update(c.pid for c in psutil.Process(self.pid).children(recursive=True))

    def tail(self, lines: int = 40) -> str:
        if not self.log_file.closed:
            self.log_file.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a live process and its live descendants, each including the
    children it has already reaped."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


class AirflowDeployment:
    """Airflow components sharing one environment: database URL, JWT secret, Execution API URL."""

    def __init__(
        self,
        *,
        work_dir: Path,
        database_url: str,
        backend_url: str,
        parallelism: int,
        extra_env: Mapping[str, str] | None = None,
        dag_id: str = DAG_ID,
    ) -> None:
        self.work_dir = work_dir
        self.dag_id = dag_id
        self.home = work_dir / "airflow-home"
        self.dags_folder = work_dir / "dags"
        self.logs = work_dir / "logs"
        for directory in (self.home, self.dags_folder, self.logs):
            directory.mkdir(parents=True, exist_ok=True)
        # Only the scenario's example: the DAG processor has one file to parse.
        example = REPO_ROOT / "example_dags" / f"{dag_id}.py"
        (self.dags_folder / example.name).symlink_to(example)
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.components: list[Component] = []
        self.ended: set[str] = set()  # components the test killed or stopped on purpose
        self._token: str | None = None
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG": "1000",
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "1000",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Airflow 3.3.2 can fail a task whose trigger fires before the scheduler drains the
            # executor event of its defer exit, and the stale event can fail the retry too
            # (apache/airflow#67287, #72716). Two quick retries; the test counts them and checks each
            # retried task instance had such a "state mismatch".
            "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "2",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "2",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            # Every component signs or checks task tokens with the same secret.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            # A dead triggerer's triggers move to a live one after this many seconds without heartbeat.
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "10",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW_CONN_AWS_DEFAULT": backend_connection(backend_url),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
        }
        self.env.update(extra_env or {})

    # -- processes ---------------------------------------------------------------------------

    def _airflow(self) -> str:
        return str(Path(sys.executable).parent / "airflow")

    def migrate(self) -> None:
        result = subprocess.run(
            [self._airflow(), "db", "migrate"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (
            f"airflow db migrate failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )

    def start(self, name: str, *args: str) -> Component:
        log_path = self.logs / f"{name}.log"
        log_file = log_path.open("ab")
        process = subprocess.Popen(
            [self._airflow(), *args],
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        component = Component(name, process, log_path, log_file)
        self.components.append(component)
        return component

    def start_api_server(self) -> Component:
        component = self.start(
            "api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as reply:
                    if reply.status == 200:
                        return component
            except OSError:
                pass
            if not component.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"api-server did not come up:\n{component.tail()}")
            time.sleep(0.5)

    def start_triggerer(self, name: str) -> Component:
        # No log server: two triggerers on one host would fight over its port.
        return self.start(name, "triggerer", "--skip-serve-logs")

    def kill(self, component: Component) -> None:
        """SIGKILL the component's whole process group: no shutdown code runs."""
        component.remember_descendants()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(component.pid, signal.SIGKILL)
        component.process.wait(30)
        self.ended.add(component.name)

    def stop(self, components: list[Component], timeout: float = 30) -> None:
        """Stop components the way an operator would (SIGTERM, SIGKILL after ``timeout``)."""
        for component in components:
            component.remember_descendants()
        self._stop(components, timeout)
        self.ended.update(c.name for c in components)

    def unexpectedly_dead(self) -> list[str]:
        return [c.name for c in self.components if not c.alive() and c.name not in self.ended]

    def stop_all(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL, every component: the api-server last, so tasks still running can
        report to it while the scheduler and triggerers shut down."""
        for component in self.components:
            component.remember_descendants()
        api = [c for c in self.components if c.name == "api-server"]
        self._stop([c for c in self.components if c.name != "api-server"], timeout)
        self._stop(api, timeout)

    def _stop(self, components: list[Component], timeout: float) -> None:
        for component in components:
            if component.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(component.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for component in components:
            try:
                component.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(component.pid, signal.SIGKILL)
                component.process.wait(10)
            # Children that outlived their parent (the group is gone once the leader is reaped).
            for pid in component.descendants:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            component.descendants.clear()
            component.log_file.close()

    # -- REST API ----------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """A REST API call (``/api/v2/...``) as an admin; the decoded JSON answer."""
        return self._request(method, path, body)

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        if self._token is None:
            with urllib.request.urlopen(f"{self.api_url}/auth/token", timeout=30) as reply:
                self._token = json.load(reply)["access_token"]
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.load(reply)

    def trigger(self, run_id: str) -> None:
        self._request(
            "POST", f"/api/v2/dags/{self.dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": None}
        )

    def cpu_seconds(self) -> float:
        """CPU used so far by the live components (the killed ones count in the test process's children)."""
        return sum(tree_cpu_seconds(c.pid) for c in self.components if c.alive())

    def tails(self) -> str:
        return "\n\n".join(f"== {c.name} (pid {c.pid}) ==\n{c.tail()}" for c in self.components)
