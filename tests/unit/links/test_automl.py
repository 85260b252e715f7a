"""The AutoML Job link: the SageMaker console on AWS, the AutoML view on the local backend."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.links import automl as links
from airflow_provider_automl.links.automl import (
    SageMakerAutoMLJobLink,
    is_local_endpoint,
    recorded_params,
    task_view_url,
)
from tests.fakes import FakeTI

RUN = "manual__2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        (None, False),
        ("", False),
        ("https://api.sagemaker.us-east-1.amazonaws.com", False),
        ("https://api.sagemaker-fips.us-gov-west-1.amazonaws.com", False),
        ("https://vpce-0123-abcd.api.sagemaker.eu-west-1.vpce.amazonaws.com", False),
        ("https://api.sagemaker.cn-north-1.amazonaws.com.cn", False),
        ("https://sagemaker.us-east-1.api.aws", False),
        ("http://127.0.0.1:4566", True),
        ("http://localhost:4566/", True),
        ("http://[::1]:4566", True),
        ("127.0.0.1:4566", True),
        ("http://automl-local:4566", True),  # a container next to Airflow
        ("http://10.0.0.5:4566", True),
        ("https://amazonaws.com.evil.example", True),
    ],
)
def test_which_endpoints_are_not_aws(endpoint: str | None, local: bool) -> None:
    assert is_local_endpoint(endpoint) is local


def test_task_view_url_is_the_task_instances_automl_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        task_view_url(dag_id="d", run_id=RUN, task_id="t")
        == "/dags/d/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00/tasks/t/plugin/automl"
    )
    assert task_view_url(dag_id="d", run_id="r", task_id="g.t", map_index=3) == (
        "/dags/d/runs/r/tasks/g.t/mapped/3/plugin/automl"
    )
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com/team/")
    assert task_view_url(dag_id="d", run_id="r", task_id="t") == (
        "https://airflow.example.com/team/dags/d/runs/r/tasks/t/plugin/automl"
    )


def stored(ti: FakeTI, **kwargs: Any) -> dict[str, Any]:
    SageMakerAutoMLJobLink.persist(
        {"ti": ti}, job_name="churn-job", region_name="eu-west-1", partition="aws", **kwargs
    )  # type: ignore[arg-type]
    return dict(ti.pushed[SageMakerAutoMLJobLink.key])


def get_link(value: dict[str, Any], monkeypatch: pytest.MonkeyPatch, ti: FakeTI) -> str:
    monkeypatch.setattr(links.XCom, "get_value", staticmethod(lambda key, ti_key: value))
    return SageMakerAutoMLJobLink().get_link(None, ti_key=ti)  # type: ignore[arg-type]


def test_on_aws_the_link_opens_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    ti = FakeTI(run_id=RUN)
    value = stored(ti, aws_params=recorded_params(AwsParams(aws_conn_id="aws_prod", verify="/ca.pem")))
    assert value["local_backend"] is False
    assert value["aws_params"] == {"aws_conn_id": "aws_prod", "region_name": None, "verify": "/ca.pem"}
    assert get_link(value, monkeypatch, ti) == (
        "https://console.aws.amazon.com/sagemaker/home?region=eu-west-1#/automl-jobs/churn-job"
    )


def test_on_the_local_backend_the_link_opens_the_view(monkeypatch: pytest.MonkeyPatch) -> None:
    ti = FakeTI(run_id=RUN, task_id="create_automl_job")
    value = stored(ti, local_backend=True)
    url = get_link(value, monkeypatch, ti)
    if links._has_view():
        assert (
            url
            == f"/dags/churn_dag/runs/{RUN.replace(':', '%3A').replace('+', '%2B')}/tasks/create_automl_job/plugin/automl"
        )
    else:  # Airflow 2.11 / 3.0: no view to open
        assert url.startswith("https://console.aws.amazon.com/")


def test_the_link_keeps_no_botocore_config_which_may_hold_proxy_credentials() -> None:
    params = AwsParams(
        aws_conn_id="aws", botocore_config={"proxies": {"https": "http://user:secret@proxy:3128"}}
    )
    assert "secret" not in str(recorded_params(params))


def test_links_stored_before_the_view_still_open_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    old = {"job_name": "churn-job", "region_name": "us-east-1", "aws_domain": "aws.amazon.com"}
    assert get_link(old, monkeypatch, FakeTI()).startswith("https://console.aws.amazon.com/")
    assert get_link({}, monkeypatch, FakeTI()) == ""
