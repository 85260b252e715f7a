from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
    PokeReturnValue,
    TaskDeferred,
)
from botocore.stub import Stubber

from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor
from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger
from tests.fakes import FakeTI
from tests.unit.conftest import make_describe_v2, make_sagemaker_client

JOB = "churn-job"


def sensor(**kwargs: Any) -> tuple[SageMakerAutoMLJobSensor, Stubber]:
    params: dict[str, Any] = {
        "task_id": "wait_for_job",
        "job_name": JOB,
        "aws_conn_id": None,
        "region_name": "us-east-1",
        "poke_interval": 10,
    }
    params.update(kwargs)
    op = SageMakerAutoMLJobSensor(**params)
    client = make_sagemaker_client()
    op.hook.__dict__["conn"] = client
    return op, Stubber(client)


def describe(stubber: Stubber, **kwargs: Any) -> dict[str, Any]:
    response = make_describe_v2(JOB, **kwargs)
    stubber.add_response("describe_auto_ml_job_v2", response, {"AutoMLJobName": JOB})
    return response


@pytest.fixture
def context() -> dict[str, Any]:
    return {"ti": FakeTI()}


def test_poke_is_false_while_in_progress_and_returns_the_record_when_completed(
    context: dict[str, Any],
) -> None:
    op, stubber = sensor()
    with stubber:
        describe(stubber, status="InProgress", secondary_status="ModelTuning")
        final = describe(stubber, status="Completed")
        assert op.poke(context) is False
        done = op.poke(context)
    assert isinstance(done, PokeReturnValue)
    assert done.is_done
    assert done.xcom_value == AutoMLJob.from_describe(final).to_record()


def test_a_poke_that_meets_throttling_pokes_again(context: dict[str, Any]) -> None:
    # The same wait step as the operators: a transient error is not a failed try.
    op, stubber = sensor()
    with stubber:
        stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
        describe(stubber, status="Completed")
        assert op.poke(context) is False
        assert isinstance(op.poke(context), PokeReturnValue)


def test_a_poke_with_a_bad_job_name_fails_before_any_call(context: dict[str, Any]) -> None:
    from airflow_provider_automl.exceptions import AutoMLValidationError

    op, stubber = sensor(job_name="churn_model!")
    with stubber, pytest.raises(AutoMLValidationError, match="Invalid AutoMLJobName: 'churn_model!'"):
        op.poke(context)


def test_default_args_reach_the_connection_arguments() -> None:
    import pendulum

    from airflow_provider_automl.compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk import DAG
    else:
        from airflow import DAG

    with DAG(
        "d",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1),
        default_args={"region_name": "eu-west-1"},
    ):
        op = SageMakerAutoMLJobSensor(task_id="s", job_name=JOB)
    assert op.region_name == "eu-west-1"
    assert op.aws_conn_id == "aws_default"


@pytest.mark.parametrize(
    ("status", "reason"), [("Failed", "fewer than 500 rows"), ("Stopped", "Stopped by bob")]
)
def test_failed_or_stopped_fails_at_once_with_the_job_reason(
    status: str, reason: str, context: dict[str, Any]
) -> None:
    op, stubber = sensor()
    with stubber:
        extra = {"FailureReason": "Stopped by bob"} if status == "Stopped" else {}
        describe(stubber, status=status, **extra)
        with pytest.raises(AirflowFailException, match=reason):
            op.poke(context)


def test_accept_stopped_turns_stopped_into_success(context: dict[str, Any]) -> None:
    op, stubber = sensor(accept_stopped=True)
    with stubber:
        describe(stubber, status="Stopped")
        done = op.poke(context)
    assert isinstance(done, PokeReturnValue)
    assert done.xcom_value["AutoMLJobStatus"] == "Stopped"


def test_soft_fail_skips_instead_of_failing(context: dict[str, Any]) -> None:
    op, stubber = sensor(soft_fail=True, mode="poke")
    with stubber:
        describe(stubber, status="Failed")
        with pytest.raises(AirflowSkipException):
            op.execute(context)


def test_poke_mode_execute_returns_the_record(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _s: None)
    op, stubber = sensor(mode="poke")
    with stubber:
        describe(stubber, status="InProgress")
        describe(stubber, status="Completed")
        record = op.execute(context)
    assert record["AutoMLJobStatus"] == "Completed"
    assert context["ti"].pushed["automl_job_link"]["job_name"] == JOB


def test_deferrable_defers_to_the_same_trigger_as_the_operator(context: dict[str, Any]) -> None:
    op, stubber = sensor(deferrable=True, timeout=3600, accept_stopped=True)
    with stubber:
        describe(stubber, status="InProgress", secondary_status="ModelTuning")
        with pytest.raises(TaskDeferred) as deferred:
            op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, SageMakerAutoMLJobTrigger)
    _, kwargs = trigger.serialize()
    assert kwargs["job_name"] == JOB
    assert kwargs["poll_interval"] == 10
    assert kwargs["accept_stopped"] is True
    assert kwargs["last_secondary_status"] == "ModelTuning"


def test_deferrable_with_a_finished_job_does_not_defer(context: dict[str, Any]) -> None:
    op, stubber = sensor(deferrable=True)
    with stubber:
        describe(stubber, status="Completed")
        assert op.execute(context)["AutoMLJobStatus"] == "Completed"


def test_execute_complete_success_and_failure(context: dict[str, Any]) -> None:
    op, _ = sensor(deferrable=True)
    done = AutoMLJob.from_describe(make_describe_v2(JOB, status="Completed")).to_record()
    assert op.execute_complete(context, {"status": "success", "job_name": JOB, "job": done}) == done
    failed = AutoMLJob.from_describe(make_describe_v2(JOB, status="Failed")).to_record()
    with pytest.raises(AirflowFailException, match="fewer than 500 rows"):
        op.execute_complete(context, {"status": "failed", "job_name": JOB, "job": failed})
    with pytest.raises(AirflowException, match="still InProgress"):
        op.execute_complete(context, {"status": "timeout", "job_name": JOB, "message": "still InProgress"})


def test_job_name_is_templated() -> None:
    assert "job_name" in SageMakerAutoMLJobSensor.template_fields
    assert "aws_conn_id" in SageMakerAutoMLJobSensor.template_fields
