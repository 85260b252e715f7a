from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ParamValidationError,
)
from botocore.stub import Stubber

from airflow_provider_automl.exceptions import (
    AutoMLJobExistsError,
    AutoMLJobNotFoundError,
    AutoMLValidationError,
)
from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from airflow_provider_automl.hooks.base import DEFAULT_RETRIES
from airflow_provider_automl.jobs import AutoMLJobStatus
from tests.unit.conftest import (
    REGION,
    ROLE_ARN,
    LogCapture,
    job_arn,
    make_candidate,
    make_describe_v1,
    make_describe_v2,
    validate_output,
)

V2_REQUEST: dict[str, Any] = {
    "AutoMLJobName": "my-automl-job",
    "AutoMLJobInputDataConfig": [
        {
            "ChannelType": "training",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/t/"}},
        }
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/o/"},
    "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "label"}},
    "RoleArn": ROLE_ARN,
}
V1_REQUEST: dict[str, Any] = {
    "AutoMLJobName": "my-v1-job",
    "InputDataConfig": [
        {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/t/"}},
            "TargetAttributeName": "y",
        }
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/o/"},
    "RoleArn": ROLE_ARN,
}

Stubbed = tuple[SageMakerAutoMLHook, Stubber]


def client_error(code: str, message: str = "", status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


# -- the test helpers themselves can fail -----------------------------------------------------


def test_validate_output_rejects_bad_enum_and_missing_required() -> None:
    good = make_describe_v2()
    with pytest.raises(AssertionError, match="AutoMLJobStatus: 'Paused'"):
        validate_output("DescribeAutoMLJobV2", {**good, "AutoMLJobStatus": "Paused"})
    with pytest.raises(ParamValidationError, match="AutoMLJobArn"):
        validate_output("DescribeAutoMLJobV2", {k: v for k, v in good.items() if k != "AutoMLJobArn"})


# -- config ------------------------------------------------------------------------------------


def test_default_retries_are_adaptive() -> None:
    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION)
    assert hook.client_type == "sagemaker"
    assert hook.conn_name_attr == "aws_conn_id"
    assert hook.config.retries == DEFAULT_RETRIES
    # botocore turns max_attempts (retries) into total_max_attempts (calls).
    assert hook.conn.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}


@pytest.mark.parametrize(
    "config",
    [
        {"retries": {"mode": "standard", "max_attempts": 3}},
        Config(retries={"mode": "standard", "max_attempts": 3}),
    ],
)
def test_user_retries_win(config: Any) -> None:
    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION, config=config)
    assert hook.config.retries == {"mode": "standard", "max_attempts": 3}


def test_other_user_config_keeps_default_retries() -> None:
    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION, config={"read_timeout": 30})
    assert hook.config.read_timeout == 30
    assert hook.config.retries == DEFAULT_RETRIES


# -- create ------------------------------------------------------------------------------------


def test_create_job_v2(stubbed_hook: Stubbed, logs: LogCapture) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("create_auto_ml_job_v2", {"AutoMLJobArn": job_arn("my-automl-job")}, V2_REQUEST)

    assert hook.create_job(dict(V2_REQUEST)) == job_arn("my-automl-job")
    assert f"Created AutoML job my-automl-job (CreateAutoMLJobV2): {job_arn('my-automl-job')}" in logs.text


def test_create_job_v1(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("create_auto_ml_job", {"AutoMLJobArn": job_arn("my-v1-job")}, V1_REQUEST)
    assert hook.create_job(dict(V1_REQUEST), api_version="v1") == job_arn("my-v1-job")


def test_create_job_name_taken(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error("create_auto_ml_job_v2", "ResourceInUse", "Job name already exists", 400)
    with pytest.raises(AutoMLJobExistsError, match="'my-automl-job' already exists") as info:
        hook.create_job(dict(V2_REQUEST))
    assert info.value.job_name == "my-automl-job"


def test_create_job_other_errors_propagate(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error("create_auto_ml_job_v2", "ResourceLimitExceeded", "too many jobs", 400)
    with pytest.raises(ClientError, match="ResourceLimitExceeded"):
        hook.create_job(dict(V2_REQUEST))


def test_create_job_rejects_unknown_api_version(stubbed_hook: Stubbed) -> None:
    hook, _ = stubbed_hook
    with pytest.raises(AutoMLValidationError, match=r"Invalid api_version: 'v3'\. Allowed: v1, v2\."):
        hook.create_job(dict(V2_REQUEST), api_version="v3")


# -- describe ----------------------------------------------------------------------------------


def test_describe_job(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(), {"AutoMLJobName": "my-automl-job"})
    job = hook.describe_job("my-automl-job")
    assert job.status is AutoMLJobStatus.COMPLETED
    assert job.best_candidate is not None and job.best_candidate.name == "cand-1"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ResourceNotFound", "Could not find AutoML job"),
        ("ValidationException", "Requested resource arn:...:automl-job/nope does not exist"),
    ],
)
def test_describe_missing_job(stubbed_hook: Stubbed, code: str, message: str) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error("describe_auto_ml_job_v2", code, message, 400)
    with pytest.raises(AutoMLJobNotFoundError) as info:
        hook.describe_job("nope")
    assert info.value.job_name == "nope"


def test_describe_other_validation_error_propagates(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error(
        "describe_auto_ml_job_v2", "ValidationException", "1 validation error detected", 400
    )
    with pytest.raises(ClientError, match="validation error"):
        hook.describe_job("x")


def test_describe_job_response_is_json_safe(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(), {"AutoMLJobName": "my-automl-job"})
    response = hook.describe_job_response("my-automl-job")
    assert json.loads(json.dumps(response)) == response
    assert "ResponseMetadata" not in response
    assert (
        response["AutoMLJobInputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://bucket/train/"
    )


def test_describe_job_v1_is_json_safe(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("describe_auto_ml_job", make_describe_v1(), {"AutoMLJobName": "my-v1-job"})
    response = hook.describe_job_v1("my-v1-job")
    assert json.loads(json.dumps(response)) == response
    assert "ResponseMetadata" not in response
    assert response["ProblemType"] == "Regression"
    assert response["CreationTime"] == "2024-05-01T12:00:00+00:00"


# -- stop --------------------------------------------------------------------------------------


def test_stop_running_job(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response(
        "describe_auto_ml_job_v2", make_describe_v2(status="InProgress"), {"AutoMLJobName": "my-automl-job"}
    )
    stubber.add_response("stop_auto_ml_job", {}, {"AutoMLJobName": "my-automl-job"})
    assert hook.stop_job("my-automl-job") is True


@pytest.mark.parametrize("status", ["Completed", "Failed", "Stopped", "Stopping"])
def test_stop_finished_job_is_not_an_error(stubbed_hook: Stubbed, status: str) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response(
        "describe_auto_ml_job_v2", make_describe_v2(status=status), {"AutoMLJobName": "my-automl-job"}
    )
    assert hook.stop_job("my-automl-job") is False


def test_stop_race_with_completion(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="InProgress"))
    stubber.add_client_error(
        "stop_auto_ml_job", "ValidationException", "Job is not in a stoppable state", 400
    )
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="Completed"))
    assert hook.stop_job("my-automl-job") is False


def test_stop_missing_job(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error("describe_auto_ml_job_v2", "ResourceNotFound", "no such job", 400)
    with pytest.raises(AutoMLJobNotFoundError):
        hook.stop_job("nope")


# -- listing -----------------------------------------------------------------------------------


def test_list_candidates_all_pages_with_filters(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    base = {
        "AutoMLJobName": "job",
        "StatusEquals": "Completed",
        "SortBy": "FinalObjectiveMetricValue",
        "SortOrder": "Descending",
        "MaxResults": 2,
    }
    stubber.add_response(
        "list_candidates_for_auto_ml_job",
        {"Candidates": [make_candidate("c1"), make_candidate("c2")], "NextToken": "t1"},
        base,
    )
    stubber.add_response(
        "list_candidates_for_auto_ml_job", {"Candidates": [make_candidate("c3")]}, {**base, "NextToken": "t1"}
    )

    candidates = hook.list_candidates(
        "job",
        status_equals="Completed",
        sort_by="FinalObjectiveMetricValue",
        sort_order="Descending",
        page_size=2,
    )
    assert [c.name for c in candidates] == ["c1", "c2", "c3"]
    assert candidates[0].inference_containers[0]["Image"].endswith("sagemaker-sklearn-automl:2.5-1-cpu-py3")


def test_list_candidates_stops_at_limit(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    # One page suffices: no second request is made (the stubber would fail on an unexpected call).
    stubber.add_response(
        "list_candidates_for_auto_ml_job",
        {"Candidates": [make_candidate("c1"), make_candidate("c2")], "NextToken": "t1"},
        {"AutoMLJobName": "job", "CandidateNameEquals": "c1", "MaxResults": 2},
    )
    candidates = hook.list_candidates("job", candidate_name_equals="c1", limit=2)
    assert [c.name for c in candidates] == ["c1", "c2"]


def test_list_candidates_missing_job(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    stubber.add_client_error("list_candidates_for_auto_ml_job", "ResourceNotFound", "no such job", 400)
    with pytest.raises(AutoMLJobNotFoundError):
        hook.list_candidates("nope")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, r"Invalid limit: 0\. Allowed: a positive integer or None\."),
        ({"page_size": 301}, r"Invalid MaxResults: 301\. Must be between 1 and 300\."),
        ({"page_size": 0}, r"Invalid MaxResults: 0\."),
        (
            {"status_equals": "completed"},
            r"Invalid StatusEquals: 'completed'\. Allowed: Completed, InProgress",
        ),
        (
            {"sort_by": "Name"},
            r"Invalid SortBy: 'Name'\. Allowed: CreationTime, Status, FinalObjectiveMetricValue",
        ),
        ({"sort_order": "asc"}, r"Invalid SortOrder: 'asc'\. Allowed: Ascending, Descending\."),
        ({"candidate_name_equals": ""}, r"Invalid CandidateNameEquals: ''\. Empty"),
    ],
)
def test_list_candidates_validates_arguments(stubbed_hook: Stubbed, kwargs: dict, message: str) -> None:
    hook, _ = stubbed_hook
    with pytest.raises(AutoMLValidationError, match=message):
        hook.list_candidates("job", **kwargs)


def test_list_jobs_all_pages_json_safe(stubbed_hook: Stubbed) -> None:
    hook, stubber = stubbed_hook
    summary = {
        "AutoMLJobName": "a",
        "AutoMLJobArn": job_arn("a"),
        "AutoMLJobStatus": "InProgress",
        "AutoMLJobSecondaryStatus": "TrainingModels",
        "CreationTime": make_describe_v2()["CreationTime"],
        "LastModifiedTime": make_describe_v2()["LastModifiedTime"],
    }
    stubber.add_response(
        "list_auto_ml_jobs",
        {"AutoMLJobSummaries": [summary], "NextToken": "n"},
        {"StatusEquals": "InProgress"},
    )
    stubber.add_response(
        "list_auto_ml_jobs",
        {"AutoMLJobSummaries": [{**summary, "AutoMLJobName": "b", "AutoMLJobArn": job_arn("b")}]},
        {"StatusEquals": "InProgress", "NextToken": "n"},
    )
    jobs = hook.list_jobs(StatusEquals="InProgress")
    assert [j["AutoMLJobName"] for j in jobs] == ["a", "b"]
    assert json.loads(json.dumps(jobs)) == jobs


async def test_describe_job_async(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiobotocore.stub import AioStubber

    from airflow_provider_automl.hooks import clients

    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION)
    try:
        with AioStubber(await hook.get_shared_async_conn()) as stubber:
            stubber.add_response(
                "describe_auto_ml_job_v2", make_describe_v2(), {"AutoMLJobName": "my-automl-job"}
            )
            stubber.add_client_error("describe_auto_ml_job_v2", "ResourceNotFound", "no such job", 400)

            job = await hook.describe_job_async("my-automl-job")
            assert job.status is AutoMLJobStatus.COMPLETED
            with pytest.raises(AutoMLJobNotFoundError):
                await hook.describe_job_async("nope")
            stubber.assert_no_pending_responses()
    finally:
        await clients.close_all()


# -- the one wait loop ---------------------------------------------------------------------------


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    naps: list[float] = []
    monkeypatch.setattr("airflow_provider_automl.hooks.automl._sleep", naps.append)
    return naps


def test_wait_rides_out_transient_errors_and_logs_each_streak_once(
    stubbed_hook: Stubbed, slept: list[float], logs: LogCapture
) -> None:
    hook, stubber = stubbed_hook
    request = {"AutoMLJobName": "my-automl-job"}
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="InProgress"), request)
    for _ in range(3):
        stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="Completed"), request)

    job = hook.wait_for_job("my-automl-job", check_interval=30)

    assert job.status is AutoMLJobStatus.COMPLETED
    assert slept == [30, 30, 30, 30]
    assert logs.text.count("still waiting") == 1
    assert "works again after 3 error(s)" in logs.text


def test_wait_past_max_wait_raises_the_typed_timeout_with_the_last_view(
    stubbed_hook: Stubbed, slept: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_automl.compat import AirflowException
    from airflow_provider_automl.exceptions import AutoMLWaitTimeoutError

    clock = iter([0.0, 0.0, 50.0, 120.0])
    monkeypatch.setattr("airflow_provider_automl.hooks.automl._monotonic", lambda: next(clock))
    hook, stubber = stubbed_hook
    request = {"AutoMLJobName": "my-automl-job"}
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(status="InProgress"), request)
    stubber.add_client_error("describe_auto_ml_job_v2", "ServiceUnavailable", "down", 503)

    with pytest.raises(AutoMLWaitTimeoutError) as err:
        hook.wait_for_job("my-automl-job", check_interval=30, max_wait=100)

    assert isinstance(err.value, AirflowException)
    assert err.value.job is not None and err.value.job.status is AutoMLJobStatus.IN_PROGRESS
    assert "still InProgress / TrainingModels (last seen) after max_wait=100s" in str(err.value)
    assert "The last 1 check(s) failed" in str(err.value)


def test_look_gives_none_on_a_transient_error_and_raises_anything_else(stubbed_hook: Stubbed) -> None:
    from airflow_provider_automl.hooks.automl import JobWatch

    hook, stubber = stubbed_hook
    watch = JobWatch("my-automl-job", hook.log)
    stubber.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error("describe_auto_ml_job_v2", "AccessDeniedException", "no", 400)
    assert hook.look(watch) is None
    assert watch.errors == 1
    with pytest.raises(ClientError, match="AccessDenied"):
        hook.look(watch)
