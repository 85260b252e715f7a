"""Scenario 7: a planted credential never shows up in logs, XCom, trigger serialization or events."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.reliability.backend import connection_json, execute, tiny_job_operator
from tests.reliability.conftest import CapturedLogs, FakeTI

pytestmark = pytest.mark.reliability_heavy

KEY_ID = "AKIARELIABILITY00042"  # AKIA + 16: the shape of a real long-term access key id
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiPLANTEDSECRET"
TOKEN = "FwoGZXIvYXdzEPLANTED//////////wEaDSessionTokenPlanted0042"
PLANTED = (KEY_ID, SECRET, TOKEN, SECRET.split("/")[-1], TOKEN[-24:])


def leaks(text: str) -> list[str]:
    return [secret for secret in PLANTED if secret in text]


@pytest.fixture
def planted_connection(backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT", connection_json(backend.url, key=KEY_ID, secret=SECRET, token=TOKEN)
    )


@pytest.mark.parametrize("deferrable", [False, True], ids=["wait", "deferrable"])
def test_planted_credential_reaches_no_log_xcom_serialization_or_event(
    deferrable: bool, backend: Any, planted_connection: None, captured_logs: CapturedLogs
) -> None:
    name = f"secrets-{'d' if deferrable else 'w'}-{time.time_ns() % 10**8}"
    calls_before = backend.proxy.count()

    value, ti, seen = execute(lambda: tiny_job_operator(name, backend.training_uri, deferrable=deferrable))

    assert value["AutoMLJobStatus"] == "Completed"
    assert backend.proxy.count() > calls_before  # the credential was really used
    if deferrable:
        assert seen, "the operator did not defer"
    outputs = {
        "logs": captured_logs.text,
        "xcom": json.dumps({"return_value": value, **ti.pushed}),
        "trigger": json.dumps(seen, default=str),
    }
    for where, text in outputs.items():
        assert not leaks(text), f"planted credential in {where}"


def test_planted_credential_reaches_no_failure_message_or_error_event(
    backend: Any, planted_connection: None, captured_logs: CapturedLogs
) -> None:
    from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor

    ti = FakeTI(task_id="sense")
    sensor = SageMakerAutoMLJobSensor(
        task_id="sense", job_name="secrets-no-such-job", deferrable=True, poke_interval=1, timeout=60
    )
    with pytest.raises(Exception) as caught:
        sensor.execute({"ti": ti})

    assert "does not exist" in str(caught.value)
    texts = [str(caught.value), repr(caught.value), captured_logs.text, json.dumps(ti.pushed)]
    assert not leaks("\n".join(texts))


def test_leak_check_can_fail(captured_logs: CapturedLogs) -> None:
    # The same check on a log that does contain the key id: it must be caught.
    import logging

    logging.getLogger("airflow_provider_automl.test").info("oops %s", KEY_ID)
    assert leaks(captured_logs.text) == [KEY_ID]
