"""UI fixtures: one example DAG run, the Airflow API server over its metadata, headless Chromium.

The tabular example runs once with ``airflow dags test`` against the local backend, which keeps
running for the session: the AutoML view reads the job through it. The API server then serves
that Airflow home on a free loopback port with the simple auth manager and three users:
``admin`` (ADMIN), ``viewer`` (VIEWER: reads DAGs, not connections) and ``outsider`` (no role:
reads nothing). REST calls and the browser sign in with a token from ``POST /auth/token``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_automl.dagtest import airflow_env, run_dag_test
from automl_local.process import LocalBackendProcess, free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
DAG_ID = "example_automl_tabular"
APT_LINE = "apt-get install -y chromium chromium-driver"
# Screenshots go to the test's tmp_path; set this to docs/_static to refresh the docs' figures.
SCREENSHOT_DIR_ENV = "AUTOML_UI_SCREENSHOT_DIR"
USERS = {"admin": "ADMIN", "viewer": "VIEWER", "outsider": ""}

# Debian's packages; the browser is never downloaded at run time.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason=f"headless Chromium is not installed (chromium={CHROMIUM}, chromedriver={CHROMEDRIVER}): "
    f"`{APT_LINE}`",
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)


@dataclass(frozen=True)
class ExampleRun:
    home: Path
    run_id: str
    job_name: str
    backend_url: str


@dataclass
class ApiServer:
    url: str
    log: Path
    passwords: dict[str, str]
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user: str) -> str:
        if user not in self._tokens:
            request = urllib.request.Request(
                self.url + "/auth/token",
                data=json.dumps({"username": user, "password": self.passwords[user]}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                self._tokens[user] = json.load(response)["access_token"]
        return self._tokens[user]

    def call(self, path: str, *, user: str | None = "admin") -> tuple[int, Any]:
        """GET ``path`` as ``user`` (None: no credentials); the status and the decoded JSON body."""
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as err:
            body = err.read()
            try:
                return err.code, json.loads(body)
            except ValueError:
                return err.code, body.decode(errors="replace")

    def get(self, path: str, *, user: str | None = "admin") -> Any:
        code, body = self.call(path, user=user)
        assert code == 200, (code, body)
        return body


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    """The local backend for the whole session: the example DAG and the AutoML view both use it."""
    with LocalBackendProcess(tmp_path_factory.mktemp("ui-backend") / "data") as process:
        yield process


@pytest.fixture(scope="session")
def example_run(backend: LocalBackendProcess, tmp_path_factory: pytest.TempPathFactory) -> ExampleRun:
    """The tabular example, run once end to end against the session's backend."""
    import boto3

    work_dir = tmp_path_factory.mktemp("ui-example")
    result = run_dag_test(
        DAG_ID,
        dags_folder=EXAMPLES,
        backend_url=backend.url,
        work_dir=work_dir,
        env={"AUTOML_EXAMPLE_MAX_RUNTIME": "60"},
    )
    assert result.succeeded, result.output[-6000:]
    sagemaker = boto3.client(
        "sagemaker",
        endpoint_url=backend.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    # The backend's data directory is fresh: the example's job is the only one.
    jobs = sagemaker.list_auto_ml_jobs()["AutoMLJobSummaries"]
    assert len(jobs) == 1, [job["AutoMLJobName"] for job in jobs]
    home = work_dir / "airflow-home"
    runs = _sqlite_rows(home / "airflow.db", "SELECT run_id FROM dag_run WHERE dag_id = ?", DAG_ID)
    assert len(runs) == 1, runs
    return ExampleRun(
        home=home, run_id=runs[0][0], job_name=jobs[0]["AutoMLJobName"], backend_url=backend.url
    )


def _sqlite_rows(db: Path, query: str, *params: str) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        return connection.execute(query, params).fetchall()


@pytest.fixture(scope="session")
def api_server(example_run: ExampleRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """``airflow api-server`` over the example run's Airflow home, stopped after the session."""
    port = free_port()
    work = tmp_path_factory.mktemp("ui-api-server")
    log = work / "api-server.log"
    passwords = {user: f"{user}-{os.urandom(6).hex()}" for user in USERS}
    passwords_file = work / "passwords.json"
    passwords_file.write_text(json.dumps(passwords))
    env = airflow_env(
        example_run.home,
        EXAMPLES,
        example_run.backend_url,  # the view describes the job through the task's connection
        {
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, r in USERS.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
        },
    )
    airflow = Path(sys.executable).with_name("airflow")
    command = [str(airflow), "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = ApiServer(url=f"http://127.0.0.1:{port}", log=log, passwords=passwords)
    try:
        _wait_healthy(server, process, timeout=120)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_healthy(server: ApiServer, process: subprocess.Popen[bytes], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if server.get("/api/v2/monitor/health", user=None)["metadatabase"]["status"] == "healthy":
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, AssertionError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(server.log.read_text(errors="replace").splitlines()[-30:])
            raise AssertionError(
                f"airflow api-server at {server.url} not healthy after {timeout}s "
                f"(exit code {process.poll()}):\n{tail}"
            )
        time.sleep(0.5)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Debian Chromium driven by Debian's chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "use @needs_chromium on tests that take this fixture"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    # An explicit driver path keeps Selenium Manager from looking for (or downloading) one.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(browser: Any, server: ApiServer, user: str) -> None:
    """Sign ``browser`` in as ``user``: the JWT cookie the Airflow UI and the API read."""
    browser.get(server.url + "/api/v2/monitor/health")  # a page of the origin, to set its cookie
    browser.delete_all_cookies()
    browser.add_cookie({"name": "_token", "value": server.token(user), "path": "/"})


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots: ``$AUTOML_UI_SCREENSHOT_DIR`` (the docs) or tmp_path."""
    chosen = os.environ.get(SCREENSHOT_DIR_ENV)
    path = Path(chosen) if chosen else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
