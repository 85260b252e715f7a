"""Reliability fixtures: call counting, task-instance stand-ins, log capture.

Heavier fixtures (the local backend, the fault proxy, the in-memory SageMaker fake) live in
``tests/reliability/harness.py`` and ``tests/reliability/fake.py`` so the case lists can be
imported by the docs generator without pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes import FakeTI


@pytest.fixture
def ti() -> FakeTI:
    return FakeTI()


@pytest.fixture
def context(ti: FakeTI) -> dict[str, Any]:
    return {"ti": ti}


class CapturedLogs:
    """Everything logged: stdlib records (all loggers) and structlog events (Airflow 3's ``self.log``)."""

    def __init__(self, caplog: pytest.LogCaptureFixture, events: list[dict[str, Any]]) -> None:
        self._caplog = caplog
        self._events = events

    @property
    def text(self) -> str:
        lines = []
        for record in self._caplog.records:
            lines.append(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                lines.append(repr(record.exc_info[1]))
        lines += [repr(event) for event in self._events]
        return "\n".join(lines)


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[CapturedLogs]:
    from structlog.testing import capture_logs

    caplog.set_level("DEBUG", logger="airflow_provider_automl")
    caplog.set_level("DEBUG", logger="airflow.task")
    caplog.set_level("INFO")
    with capture_logs() as events:
        yield CapturedLogs(caplog, events)


def pytest_configure(config: pytest.Config) -> None:
    # Registered here until pyproject.toml lists them (owned by another engineer).
    config.addinivalue_line("markers", "reliability: fault suite (tests/reliability)")
    config.addinivalue_line(
        "markers", "reliability_heavy: reliability cases that run real backends; CI runs them"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local backend (behind a fault proxy) for the scenarios that do not restart it."""
    pytest.importorskip("sklearn", reason="the local backend needs the [local] extra")
    from tests.reliability.backend import Backend

    started = Backend(tmp_path_factory.mktemp("reliability-backend"))
    try:
        started.training_uri = started.upload_training_data()
        yield started
    finally:
        started.close()
