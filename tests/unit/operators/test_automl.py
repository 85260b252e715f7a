from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred
from botocore.stub import Stubber

from airflow_provider_automl.exceptions import AutoMLJobFailedError, AutoMLValidationError
from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.operators.automl import (
    XCOM_BEST_CANDIDATE,
    XCOM_INFERENCE_CONTAINERS,
    SageMakerCreateAutoMLJobOperator,
    SageMakerDescribeAutoMLJobOperator,
    SageMakerListAutoMLCandidatesOperator,
    SageMakerStopAutoMLJobOperator,
)
from airflow_provider_automl.requests import derive_job_name, tabular_config
from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger
from tests.fakes import FakeTI
from tests.unit.conftest import ROLE_ARN, job_arn, make_candidate, make_describe_v2, make_sagemaker_client

JOB = "churn-job"
TRAIN = "s3://bucket/train/"
OUTPUT = "s3://bucket/output/"


@pytest.fixture
def ti() -> FakeTI:
    return FakeTI()


@pytest.fixture
def context(ti: FakeTI) -> dict[str, Any]:
    return {"ti": ti}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("airflow_provider_automl.hooks.automl._sleep", slept.append)
    return slept


def stub(op: Any) -> Stubber:
    client = make_sagemaker_client()
    op.hook.__dict__["conn"] = client
    return Stubber(client)


def create_op(**kwargs: Any) -> SageMakerCreateAutoMLJobOperator:
    params: dict[str, Any] = {
        "task_id": "create_automl_job",
        "job_name": JOB,
        "input_data_config": TRAIN,
        "output_path": OUTPUT,
        "role_arn": ROLE_ARN,
        "problem_type_config": tabular_config(target_attribute="label", max_candidates=10),
        "aws_conn_id": None,
        "region_name": "us-east-1",
        "check_interval": 30,
    }
    params.update(kwargs)
    return SageMakerCreateAutoMLJobOperator(**params)


def expected_v2_request(name: str = JOB) -> dict[str, Any]:
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": OUTPUT},
        "RoleArn": ROLE_ARN,
        "AutoMLProblemTypeConfig": {
            "TabularJobConfig": {"TargetAttributeName": "label", "CompletionCriteria": {"MaxCandidates": 10}}
        },
    }


def add_create(stubber: Stubber, name: str = JOB) -> None:
    stubber.add_response("create_auto_ml_job_v2", {"AutoMLJobArn": job_arn(name)}, expected_v2_request(name))


def add_describe(stubber: Stubber, name: str = JOB, **kwargs: Any) -> dict[str, Any]:
    response = make_describe_v2(name, **kwargs)
    stubber.add_response("describe_auto_ml_job_v2", response, {"AutoMLJobName": name})
    return response


# -- create: the three ways of waiting ------------------------------------------------------


def test_no_wait_creates_and_returns_the_in_progress_record(context: dict[str, Any], ti: FakeTI) -> None:
    op = create_op(wait_for_completion=False)
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="InProgress", secondary_status="AnalyzingData")
        record = op.execute(context)
    assert record["AutoMLJobName"] == JOB
    assert record["AutoMLJobStatus"] == "InProgress"
    assert XCOM_BEST_CANDIDATE not in ti.pushed
    assert ti.pushed["automl_job_link"]["job_name"] == JOB


def test_wait_polls_until_completed_and_pushes_the_best_candidate(
    context: dict[str, Any], ti: FakeTI, no_sleep: list[float], logs: Any
) -> None:
    op = create_op(wait_for_completion=True, deferrable=False)
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="InProgress", secondary_status="AnalyzingData")
        add_describe(stubber, status="InProgress", secondary_status="AnalyzingData")
        add_describe(stubber, status="InProgress", secondary_status="ModelTuning")
        final = add_describe(stubber, status="Completed")
        record = op.execute(context)
    assert record["AutoMLJobStatus"] == "Completed"
    assert no_sleep == [30.0, 30.0, 30.0]
    best = final["BestCandidate"]
    assert ti.pushed[XCOM_INFERENCE_CONTAINERS] == best["InferenceContainers"]
    assert ti.pushed[XCOM_BEST_CANDIDATE]["CandidateName"] == best["CandidateName"]
    assert record["BestCandidate"]["InferenceContainers"] == best["InferenceContainers"]
    # Each transition logged once, not every poll.
    transitions = [m for m in logs.messages if "InProgress / " in m]
    assert len(transitions) == 2


def test_deferrable_defers_to_the_trigger_then_completes_from_the_event(
    context: dict[str, Any], ti: FakeTI
) -> None:
    op = create_op(deferrable=True, max_wait=3600)
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="InProgress", secondary_status="FeatureEngineering")
        with pytest.raises(TaskDeferred) as deferred:
            op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, SageMakerAutoMLJobTrigger)
    _classpath, kwargs = trigger.serialize()
    assert kwargs["job_name"] == JOB
    assert kwargs["poll_interval"] == 30
    assert kwargs["last_secondary_status"] == "FeatureEngineering"
    assert kwargs["deadline"] is not None
    assert deferred.value.method_name == "execute_complete"

    job = AutoMLJob.from_describe(make_describe_v2(JOB, status="Completed"))
    event = {"status": "success", "job_name": JOB, "message": "done", "job": job.to_record()}
    record = op.execute_complete(context, event)
    assert record == job.to_record()
    assert ti.pushed[XCOM_INFERENCE_CONTAINERS] == job.to_record()["BestCandidate"]["InferenceContainers"]


@pytest.mark.parametrize("mode", ["no-wait", "wait", "deferrable"])
def test_a_job_already_over_finishes_without_waiting_or_deferring(
    mode: str, context: dict[str, Any], no_sleep: list[float]
) -> None:
    op = create_op(wait_for_completion=mode != "no-wait", deferrable=mode == "deferrable")
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="Completed")
        record = op.execute(context)
    assert record["AutoMLJobStatus"] == "Completed"
    assert no_sleep == []


@pytest.mark.parametrize("mode", ["wait", "deferrable-event"])
def test_a_stopped_job_fails_the_task_with_its_reason(mode: str, context: dict[str, Any], ti: FakeTI) -> None:
    stopped = make_describe_v2(JOB, status="Stopped", FailureReason="Stopped by user alice")
    op = create_op(deferrable=mode != "wait")
    if mode == "wait":
        with stub(op) as stubber:
            add_create(stubber)
            add_describe(stubber, status="InProgress")
            stubber.add_response("describe_auto_ml_job_v2", stopped, {"AutoMLJobName": JOB})
            with pytest.raises(AutoMLJobFailedError, match="Stopped by user alice"):
                op.execute(context)
    else:
        event = {
            "status": "stopped",
            "job_name": JOB,
            "message": "stopped",
            "job": AutoMLJob.from_describe(stopped).to_record(),
        }
        with pytest.raises(AutoMLJobFailedError, match="ended Stopped.*Stopped by user alice"):
            op.execute_complete(context, event)
    assert XCOM_BEST_CANDIDATE not in ti.pushed
    assert XCOM_INFERENCE_CONTAINERS not in ti.pushed


def test_a_failed_job_reports_failure_and_partial_failure_reasons(context: dict[str, Any]) -> None:
    op = create_op()
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="Failed")
        with pytest.raises(AutoMLJobFailedError) as err:
            op.execute(context)
    assert "fewer than 500 rows" in str(err.value)
    assert "Candidate cand-3 failed: OOM" in str(err.value)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (None, "unexpected event"),
        (
            {"status": "timeout", "job_name": JOB, "message": "still InProgress after 3600s"},
            "still InProgress",
        ),
        ({"status": "error", "job_name": JOB, "message": "AutoML job does not exist"}, "does not exist"),
    ],
)
def test_execute_complete_rejects_events_that_are_not_success(
    event: Any, message: str, context: dict[str, Any]
) -> None:
    with pytest.raises(AirflowException, match=message):
        create_op().execute_complete(context, event)


def test_wait_gives_up_after_max_wait_saying_what_it_last_saw(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = itertools.chain([0.0, 0.0, 10.0], itertools.repeat(200.0))
    monkeypatch.setattr("airflow_provider_automl.hooks.automl._monotonic", lambda: next(clock))
    op = create_op(max_wait=100)
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="InProgress", secondary_status="ModelTuning")
        add_describe(stubber, status="InProgress", secondary_status="ModelTuning")
        with pytest.raises(
            AirflowException, match=r"still InProgress / ModelTuning \(last seen\) after max_wait=100s"
        ):
            op.execute(context)


# -- names, retries and reattach ------------------------------------------------------------


def test_without_job_name_the_name_is_derived_from_the_task_instance(
    context: dict[str, Any], ti: FakeTI
) -> None:
    expected = derive_job_name(ti.dag_id, ti.task_id, ti.run_id, -1)
    op = create_op(job_name=None, wait_for_completion=False)
    with stub(op) as stubber:
        add_create(stubber, expected)
        add_describe(stubber, expected, status="InProgress")
        record = op.execute(context)
    assert record["AutoMLJobName"] == expected
    assert op.resolve_job_name({"ti": FakeTI(try_number=2)}) == expected


def resource_in_use(stubber: Stubber, name: str = JOB) -> None:
    stubber.add_client_error(
        "create_auto_ml_job_v2",
        service_error_code="ResourceInUse",
        service_message=f"Job {name} already exists",
        http_status_code=400,
        expected_params=expected_v2_request(name),
    )


def test_reattach_waits_on_the_existing_job_instead_of_creating_another(
    context: dict[str, Any], logs: Any
) -> None:
    existing = make_describe_v2(
        JOB,
        status="InProgress",
        AutoMLJobInputDataConfig=expected_v2_request()["AutoMLJobInputDataConfig"],
        OutputDataConfig={"S3OutputPath": OUTPUT},
        AutoMLProblemTypeConfig={"TabularJobConfig": {"TargetAttributeName": "label"}},
        AutoMLJobObjective=None,
    )
    op = create_op(wait_for_completion=False)
    with stub(op) as stubber:
        resource_in_use(stubber)  # the only create call: nothing new is created
        stubber.add_response("describe_auto_ml_job_v2", existing, {"AutoMLJobName": JOB})
        stubber.add_response("describe_auto_ml_job_v2", existing, {"AutoMLJobName": JOB})
        record = op.execute(context)
    assert record["AutoMLJobName"] == JOB
    assert "reattaching" in logs.text


def test_reattach_refuses_a_job_with_other_inputs(context: dict[str, Any]) -> None:
    other = make_describe_v2(
        JOB,
        status="InProgress",
        AutoMLJobInputDataConfig=[
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/other/"}},
            }
        ],
    )
    op = create_op()
    with stub(op) as stubber:
        resource_in_use(stubber)
        stubber.add_response("describe_auto_ml_job_v2", other, {"AutoMLJobName": JOB})
        with pytest.raises(AirflowException, match="already exists with different inputs.*s3://bucket/other"):
            op.execute(context)


def test_action_fail_fails_on_a_taken_name(context: dict[str, Any]) -> None:
    op = create_op(action_if_job_exists="fail")
    with stub(op) as stubber:
        resource_in_use(stubber)
        with pytest.raises(AirflowException, match="already exists and action_if_job_exists='fail'"):
            op.execute(context)


def test_action_timestamp_creates_under_a_suffixed_name(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "airflow_provider_automl.requests.names.timestamped_job_name", lambda name: f"{name}-260101120000"
    )
    new_name = f"{JOB}-260101120000"
    op = create_op(action_if_job_exists="timestamp", wait_for_completion=False)
    with stub(op) as stubber:
        resource_in_use(stubber)
        add_create(stubber, new_name)
        add_describe(stubber, new_name, status="InProgress")
        record = op.execute(context)
    assert record["AutoMLJobName"] == new_name


def test_timestamped_name_is_valid_and_fits() -> None:
    from airflow_provider_automl.requests import validate_job_name
    from airflow_provider_automl.requests.names import timestamped_job_name

    name = timestamped_job_name("a" * 32)
    assert len(name) <= 32
    assert validate_job_name(name) == name


# -- validation before any call -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"job_name": "bad_name!"}, "AutoMLJobName"),
        ({"input_data_config": "http://bucket/train"}, "S3Uri"),
        ({"output_path": "bucket/out"}, "S3OutputPath"),
        ({"role_arn": "admin"}, "RoleArn"),
        ({"api_version": "v3"}, "api_version"),
        ({"max_candidates": 5}, "max_candidates"),
        ({"problem_type_config": None}, "problem_type_config"),
    ],
)
def test_bad_input_fails_before_any_aws_call(
    kwargs: dict[str, Any], field: str, context: dict[str, Any]
) -> None:
    op = create_op(**kwargs)
    with stub(op), pytest.raises(AutoMLValidationError) as err:  # no queued response: any call would fail
        op.execute(context)
    assert field in str(err.value)


@pytest.mark.parametrize(
    ("field", "value"), [("check_interval", 0), ("max_wait", -5), ("check_interval", "1m")]
)
def test_bad_wait_settings_fail_at_dag_parse_time(field: str, value: Any) -> None:
    with pytest.raises(AutoMLValidationError, match=field):
        create_op(**{field: value})


def test_action_if_job_exists_is_checked_at_dag_parse_time() -> None:
    with pytest.raises(AutoMLValidationError, match="reattach, fail, timestamp"):
        create_op(action_if_job_exists="overwrite")


def test_v1_request_is_sent_with_the_v1_api(context: dict[str, Any]) -> None:
    op = create_op(
        api_version="v1",
        problem_type_config=None,
        target_attribute="label",
        problem_type="BinaryClassification",
        objective_metric="F1",
        max_candidates=3,
        wait_for_completion=False,
    )
    expected = {
        "AutoMLJobName": JOB,
        "InputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
                "TargetAttributeName": "label",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": OUTPUT},
        "RoleArn": ROLE_ARN,
        "ProblemType": "BinaryClassification",
        "AutoMLJobObjective": {"MetricName": "F1"},
        "AutoMLJobConfig": {"CompletionCriteria": {"MaxCandidates": 3}},
    }
    with stub(op) as stubber:
        stubber.add_response("create_auto_ml_job", {"AutoMLJobArn": job_arn(JOB)}, expected)
        add_describe(stubber, status="InProgress")
        assert op.execute(context)["AutoMLJobStatus"] == "InProgress"


def test_raw_request_is_merged_and_conflicts_are_errors(context: dict[str, Any]) -> None:
    raw = {
        "AutoMLJobObjective": {"MetricName": "AUC"},
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"ProblemType": "BinaryClassification"}},
        "RoleArn": ROLE_ARN,
    }
    request = create_op(request=raw).build_request(JOB)
    assert request["AutoMLJobObjective"] == {"MetricName": "AUC"}
    assert request["AutoMLProblemTypeConfig"]["TabularJobConfig"] == {
        "TargetAttributeName": "label",
        "CompletionCriteria": {"MaxCandidates": 10},
        "ProblemType": "BinaryClassification",
    }
    clash = create_op(objective_metric="F1", request=raw)
    with pytest.raises(AutoMLValidationError, match="AUC"):
        clash.build_request(JOB)


def test_template_fields_render(context: dict[str, Any]) -> None:
    from jinja2 import Environment

    op = create_op(
        job_name="churn-{{ params.day }}",
        input_data_config="s3://bucket/{{ params.day }}/train.csv",
        problem_type_config={"TabularJobConfig": {"TargetAttributeName": "{{ params.target }}"}},
    )
    for field in (
        "job_name",
        "input_data_config",
        "problem_type_config",
        "aws_conn_id",
        "region_name",
        "request",
    ):
        assert field in op.template_fields
    op.render_template_fields({"params": {"day": "20260101", "target": "churned"}}, jinja_env=Environment())
    assert op.job_name == "churn-20260101"
    assert op.input_data_config == "s3://bucket/20260101/train.csv"
    assert op.problem_type_config == {"TabularJobConfig": {"TargetAttributeName": "churned"}}


def test_on_kill_stops_the_job_it_created(context: dict[str, Any]) -> None:
    op = create_op(wait_for_completion=False)
    with stub(op) as stubber:
        add_create(stubber)
        add_describe(stubber, status="InProgress")
        op.execute(context)
        add_describe(stubber, status="InProgress")
        stubber.add_response("stop_auto_ml_job", {}, {"AutoMLJobName": JOB})
        op.on_kill()
        stubber.assert_no_pending_responses()


# -- describe, list, stop -------------------------------------------------------------------


def test_describe_returns_the_record_and_pushes_the_best_candidate_when_completed(
    context: dict[str, Any], ti: FakeTI
) -> None:
    op = SageMakerDescribeAutoMLJobOperator(task_id="describe", job_name=JOB, aws_conn_id=None)
    with stub(op) as stubber:
        add_describe(stubber, status="Completed")
        record = op.execute(context)
    assert record["AutoMLJobStatus"] == "Completed"
    assert ti.pushed[XCOM_BEST_CANDIDATE]["CandidateName"] == "cand-1"
    assert ti.pushed["automl_job_link"] == {
        "job_name": JOB,
        "region_name": "us-east-1",
        "aws_domain": "aws.amazon.com",
        "local_backend": False,  # AWS: the link opens the console
        "aws_params": {"aws_conn_id": None, "region_name": None, "verify": None},
    }


def candidates_page(*candidates: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"Candidates": list(candidates)}
    if token:
        page["NextToken"] = token
    return page


@pytest.mark.parametrize(("metric_type", "best"), [("Maximize", "c-high"), ("Minimize", "c-low")])
def test_list_candidates_ranks_best_first_by_the_metric_direction(
    metric_type: str, best: str, context: dict[str, Any]
) -> None:
    def candidate(name: str, value: float) -> dict[str, Any]:
        c = make_candidate(name, metric="MSE" if metric_type == "Minimize" else "F1", value=value)
        c["FinalAutoMLJobObjectiveMetric"]["Type"] = metric_type
        return c

    op = SageMakerListAutoMLCandidatesOperator(task_id="list", job_name=JOB, top_k=2, aws_conn_id=None)
    with stub(op) as stubber:
        stubber.add_response(
            "list_candidates_for_auto_ml_job",
            candidates_page(candidate("c-mid", 0.5), candidate("c-high", 0.9), token="t1"),
            {"AutoMLJobName": JOB, "StatusEquals": "Completed", "MaxResults": 100},
        )
        stubber.add_response(
            "list_candidates_for_auto_ml_job",
            candidates_page(candidate("c-low", 0.1)),
            {"AutoMLJobName": JOB, "StatusEquals": "Completed", "MaxResults": 100, "NextToken": "t1"},
        )
        records = op.execute(context)
    assert records[0]["CandidateName"] == best
    assert len(records) == 2
    json.dumps(records)


@pytest.mark.parametrize("top_k", [0, -1, "three", "3.5", True])
def test_list_candidates_rejects_a_bad_top_k(top_k: Any, context: dict[str, Any]) -> None:
    op = SageMakerListAutoMLCandidatesOperator(task_id="list", job_name=JOB, top_k=top_k, aws_conn_id=None)
    with stub(op), pytest.raises(AutoMLValidationError, match="top_k"):
        op.execute(context)


def test_stop_of_a_finished_job_is_not_an_error(context: dict[str, Any]) -> None:
    op = SageMakerStopAutoMLJobOperator(task_id="stop", job_name=JOB, aws_conn_id=None)
    with stub(op) as stubber:
        add_describe(stubber, status="Completed")
        add_describe(stubber, status="Completed")
        assert op.execute(context)["AutoMLJobStatus"] == "Completed"


def test_stop_can_wait_until_stopped(context: dict[str, Any], no_sleep: list[float]) -> None:
    op = SageMakerStopAutoMLJobOperator(
        task_id="stop", job_name=JOB, wait_for_completion=True, check_interval=5, aws_conn_id=None
    )
    with stub(op) as stubber:
        add_describe(stubber, status="InProgress")
        stubber.add_response("stop_auto_ml_job", {}, {"AutoMLJobName": JOB})
        add_describe(stubber, status="Stopping")
        add_describe(stubber, status="Stopped")
        assert op.execute(context)["AutoMLJobStatus"] == "Stopped"
    assert no_sleep == [5.0]


def test_stop_wait_rides_out_throttling(context: dict[str, Any], no_sleep: list[float], logs: Any) -> None:
    op = SageMakerStopAutoMLJobOperator(
        task_id="stop", job_name=JOB, wait_for_completion=True, check_interval=5, aws_conn_id=None
    )
    with stub(op) as stubber:
        add_describe(stubber, status="InProgress")
        stubber.add_response("stop_auto_ml_job", {}, {"AutoMLJobName": JOB})
        stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
        add_describe(stubber, status="Stopping")
        add_describe(stubber, status="Stopped")
        assert op.execute(context)["AutoMLJobStatus"] == "Stopped"
    assert no_sleep == [5.0, 5.0]
    assert "still waiting" in logs.text
