from __future__ import annotations

import datetime as dt
import json

import pytest

from airflow_provider_automl.jobs import AutoMLJob, AutoMLJobStatus, Candidate, json_safe
from tests.unit.conftest import T0, make_candidate, make_describe_v1, make_describe_v2


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        ("InProgress", False, False),
        ("Stopping", False, False),
        ("Completed", True, True),
        ("Failed", True, False),
        ("Stopped", True, False),
    ],
)
def test_status_terminal_and_success(status: str, terminal: bool, success: bool) -> None:
    assert AutoMLJobStatus(status).is_terminal() is terminal
    assert AutoMLJobStatus(status).is_success() is success


def test_status_enum_covers_the_api_enum() -> None:
    from tests.unit.conftest import sagemaker_model

    api = set(sagemaker_model().shape_for("AutoMLJobStatus").enum)
    assert {s.value for s in AutoMLJobStatus} == api


def test_unknown_status_names_field_value_and_allowed() -> None:
    with pytest.raises(ValueError, match=r"Invalid AutoMLJobStatus: 'Paused'\. Allowed: 'InProgress'"):
        AutoMLJobStatus.parse("Paused")


def test_json_safe_converts_datetimes_tuples_and_drops_response_metadata() -> None:
    value = {
        "When": T0,
        "Nested": {"ResponseMetadata": {"x": 1}, "Items": (1, "a", None, 2.5, True)},
        "ResponseMetadata": {"RequestId": "r"},
        "Status": AutoMLJobStatus.COMPLETED,
    }
    assert json_safe(value) == {
        "When": "2024-05-01T12:00:00+00:00",
        "Nested": {"Items": [1, "a", None, 2.5, True]},
        "Status": "Completed",
    }


def test_from_describe_v2_completed() -> None:
    response = make_describe_v2(best_candidate=make_candidate("best", definitions=True))
    job = AutoMLJob.from_describe(response)

    assert job.name == "my-automl-job"
    assert job.arn == response["AutoMLJobArn"]
    assert job.status is AutoMLJobStatus.COMPLETED
    assert job.is_terminal and job.is_success
    assert job.secondary_status == "Completed"
    assert job.problem_type_config_name == "Tabular"
    assert job.objective_metric == "F1"
    assert job.output_path == "s3://bucket/output/"
    assert job.creation_time == T0
    assert job.resolved_attributes == {
        "AutoMLJobObjective": {"MetricName": "F1"},
        "CompletionCriteria": {"MaxCandidates": 10},
        "AutoMLProblemTypeResolvedAttributes": {
            "TabularResolvedAttributes": {"ProblemType": "BinaryClassification"}
        },
    }
    assert job.best_candidate is not None
    assert job.best_candidate.name == "best"
    assert job.best_candidate.objective_metric == {"Type": "Maximize", "MetricName": "F1", "Value": 0.91}


def test_from_describe_v1_infers_tabular_and_reads_top_level_objective() -> None:
    job = AutoMLJob.from_describe(make_describe_v1())

    assert job.problem_type_config_name == "Tabular"
    assert job.objective_metric == "MSE"
    assert job.output_path == "s3://bucket/v1-output/"
    assert job.secondary_status == "MaxCandidatesReached"
    assert job.best_candidate is not None and job.best_candidate.name == "v1-best"


def test_objective_falls_back_to_resolved_attributes() -> None:
    # Autopilot chose the metric: only ResolvedAttributes has it.
    job = AutoMLJob.from_describe(make_describe_v2(AutoMLJobObjective=None))
    assert job.objective_metric == "F1"


def test_in_progress_job_without_best_candidate() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(status="InProgress", ResolvedAttributes=None))
    assert not job.is_terminal
    assert job.best_candidate is None
    assert job.end_time is None
    record = job.to_record()
    assert record["BestCandidate"] is None
    assert record["ResolvedAttributes"] is None
    assert record["EndTime"] is None
    assert record["ModelDeployResult"] is None  # nothing deployed (no ModelDeployConfig, or not yet)


def test_model_deploy_result_names_the_endpoint_and_round_trips() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(ModelDeployResult={"EndpointName": "churn-ep-1"}))
    record = job.to_record()

    assert record["ModelDeployResult"] == {"EndpointName": "churn-ep-1"}
    assert AutoMLJob.from_record(record).to_record() == record


def test_to_record_is_json_safe_with_contract_keys() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(best_candidate=make_candidate("best", definitions=True)))
    record = job.to_record()

    assert json.loads(json.dumps(record)) == record  # strict JSON round trip, no datetimes left
    assert set(record) == {
        "AutoMLJobName",
        "AutoMLJobArn",
        "AutoMLJobStatus",
        "AutoMLJobSecondaryStatus",
        "ProblemTypeConfigName",
        "ObjectiveMetric",
        "BestCandidate",
        "OutputPath",
        "CreationTime",
        "EndTime",
        "LastModifiedTime",
        "FailureReason",
        "PartialFailureReasons",
        "ResolvedAttributes",
        "ModelDeployResult",
    }
    assert record["CreationTime"] == "2024-05-01T12:00:00+00:00"
    assert record["AutoMLJobStatus"] == "Completed"
    best = record["BestCandidate"]
    assert best["CandidateName"] == "best"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] == 0.91
    assert set(best["InferenceContainerDefinitions"]) == {"text/csv", "application/x-recordio-protobuf"}
    assert best["CandidateProperties"]["CandidateArtifactLocations"]["Explainability"].startswith("s3://")


def test_inference_containers_pass_through_to_create_model_unchanged() -> None:
    from tests.unit.conftest import validate_input

    candidate = make_candidate("best")
    record = AutoMLJob.from_describe(make_describe_v2(best_candidate=candidate)).to_record()
    containers = record["BestCandidate"]["InferenceContainers"]

    assert containers == candidate["InferenceContainers"]
    # Exactly what CreateModel accepts as Containers.
    validate_input(
        "CreateModel",
        {"ModelName": "m", "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r", "Containers": containers},
    )


def test_candidate_record_omits_container_definitions_when_absent() -> None:
    record = Candidate.from_response(make_candidate("c")).to_record()
    assert "InferenceContainerDefinitions" not in record


@pytest.mark.parametrize(
    "response",
    [
        make_describe_v2(best_candidate=make_candidate("best", definitions=True)),
        make_describe_v2(status="Failed"),
        make_describe_v2(status="InProgress", AutoMLJobObjective=None),
        make_describe_v1(),
    ],
    ids=["v2-completed", "v2-failed", "v2-in-progress", "v1"],
)
def test_record_round_trip(response: dict) -> None:
    job = AutoMLJob.from_describe(response)
    rebuilt = AutoMLJob.from_record(json.loads(json.dumps(job.to_record())))

    assert rebuilt == job
    assert rebuilt.to_record() == job.to_record()
    assert rebuilt.creation_time is not None and rebuilt.creation_time.utcoffset() == dt.timedelta(0)


def test_candidate_round_trip() -> None:
    candidate = Candidate.from_response(make_candidate("c", definitions=True))
    assert Candidate.from_response(candidate.to_record()) == candidate


def test_failure_message_has_reason_and_partial_failures() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(status="Failed"))
    assert job.failure_message() == (
        "AutoML job 'my-automl-job' ended Failed (secondary status Failed): "
        "ClientError: The training data has fewer than 500 rows.; "
        "partial failures: Candidate cand-3 failed: OOM"
    )


def test_failure_message_for_stopped_job_without_reason() -> None:
    job = AutoMLJob.from_describe(make_describe_v2(status="Stopped"))
    assert job.failure_message() == (
        "AutoML job 'my-automl-job' ended Stopped (secondary status Stopped): no FailureReason given"
    )


def test_from_record_accepts_z_suffix() -> None:
    record = AutoMLJob.from_describe(make_describe_v2()).to_record()
    record["CreationTime"] = "2024-05-01T12:00:00Z"
    assert AutoMLJob.from_record(record).creation_time == T0
