"""Every job a candidate names in CandidateSteps can be described, as the SageMaker SDK's
``CandidateEstimator.get_steps()`` does, and the answer tells the candidate's real run."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from automl_local import candidates as cand
from automl_local.shapes import output_shape
from tests.conftest import ROLE_ARN, tabular_v2_request, unique
from tests.shape_check import RawAnswers, assert_valid_answer

DESCRIBE = {
    "AWS::SageMaker::TrainingJob": ("describe_training_job", "DescribeTrainingJob", "TrainingJobName"),
    "AWS::SageMaker::ProcessingJob": (
        "describe_processing_job",
        "DescribeProcessingJob",
        "ProcessingJobName",
    ),
    "AWS::SageMaker::TransformJob": ("describe_transform_job", "DescribeTransformJob", "TransformJobName"),
}


@pytest.fixture(scope="module")
def ensembling_job(sagemaker: Any, wait_for_job: Any, breast_cancer_uri: str) -> dict[str, Any]:
    name = unique("it-steps-ens")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            name, breast_cancer_uri, Mode="ENSEMBLING", CompletionCriteria={"MaxCandidates": 3}
        )
    )
    job = wait_for_job(name)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return job


def candidates_of(sagemaker: Any, name: str) -> list[dict[str, Any]]:
    return list(sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, MaxResults=100)["Candidates"])


def describe_every_step(sagemaker: Any, candidates: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Describe each step of each candidate; every answer validates against its output shape."""
    raw = RawAnswers(sagemaker)
    described: dict[str, dict[str, Any]] = {}
    with raw.recording():
        for candidate in candidates:
            for step in candidate["CandidateSteps"]:
                method, action, member = DESCRIBE[step["CandidateStepType"]]
                answer = getattr(sagemaker, method)(**{member: step["CandidateStepName"]})
                assert_valid_answer(sagemaker, action, answer, raw.last(action))
                assert answer[member] == step["CandidateStepName"]
                described[step["CandidateStepName"]] = answer
    return described


@pytest.mark.integration
def test_every_step_of_an_hpo_job_describes_its_candidates_run(sagemaker, hpo_job, breast_cancer_uri):
    name = hpo_job["AutoMLJobName"]
    candidates = candidates_of(sagemaker, name)

    described = describe_every_step(sagemaker, candidates)

    # Shared steps (data split, data processing, its transform) plus one training job per candidate.
    assert len(described) == 3 + len(candidates)
    for candidate in candidates:
        training = described[candidate["CandidateName"]]
        assert training["TrainingJobStatus"] == candidate["CandidateStatus"]
        assert training["AutoMLJobArn"] == hpo_job["AutoMLJobArn"]
        assert training["RoleArn"] == ROLE_ARN
        assert training["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == breast_cancer_uri
        assert training["CreationTime"] == candidate["CreationTime"]
        if candidate["CandidateStatus"] == "Completed":
            model_container = candidate["InferenceContainers"][1]
            assert training["AlgorithmSpecification"]["TrainingImage"] == model_container["Image"]
            assert training["ModelArtifacts"]["S3ModelArtifacts"] == model_container["ModelDataUrl"]
            assert training["TrainingEndTime"] == candidate["EndTime"]
            objective = candidate["FinalAutoMLJobObjectiveMetric"]
            assert training["FinalMetricDataList"][0]["MetricName"] == objective["MetricName"]
            assert training["FinalMetricDataList"][0]["Value"] == pytest.approx(objective["Value"])
            assert training["HyperParameters"]
    first = candidates[0]["CandidateSteps"]
    processing, dpp, transform = (described[s["CandidateStepName"]] for s in first[:3])
    assert processing["ProcessingJobStatus"] == "Completed"
    assert processing["ProcessingInputs"][0]["S3Input"]["S3Uri"] == breast_cancer_uri
    data_processor = candidates[0]["InferenceContainers"][0]["ModelDataUrl"]
    assert dpp["ModelArtifacts"]["S3ModelArtifacts"] == data_processor
    assert transform["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == breast_cancer_uri
    assert transform["ModelName"] == dpp["TrainingJobName"]


@pytest.mark.integration
@pytest.mark.slow
def test_every_step_of_an_ensembling_job_describes_the_shared_run(
    sagemaker, ensembling_job, breast_cancer_uri
):
    name = ensembling_job["AutoMLJobName"]
    candidates = candidates_of(sagemaker, name)

    described = describe_every_step(sagemaker, candidates)

    assert len(described) == 2  # one data split, one training job for every candidate
    training = next(a for a in described.values() if "TrainingJobName" in a)
    best = ensembling_job["BestCandidate"]
    assert training["TrainingJobStatus"] == "Completed"
    assert training["ModelArtifacts"]["S3ModelArtifacts"] == best["InferenceContainers"][0]["ModelDataUrl"]
    assert training["AlgorithmSpecification"]["TrainingImage"] == best["InferenceContainers"][0]["Image"]
    assert training["FinalMetricDataList"][0]["Value"] == pytest.approx(
        best["FinalAutoMLJobObjectiveMetric"]["Value"]
    )
    assert training["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == breast_cancer_uri
    assert training["TrainingEndTime"] >= max(c["EndTime"] for c in candidates)


@pytest.mark.integration
def test_get_steps_as_the_sdk_does(sagemaker, hpo_job):
    """CandidateEstimator.get_steps(): describe Training/Transform steps, read their inputs."""
    candidate = hpo_job["BestCandidate"]
    inputs = []
    for step in candidate["CandidateSteps"]:
        kind = step["CandidateStepType"].split("::")[2]
        if kind == "TrainingJob":
            inputs.append(
                sagemaker.describe_training_job(TrainingJobName=step["CandidateStepName"])["InputDataConfig"]
            )
        elif kind == "TransformJob":
            inputs.append(
                sagemaker.describe_transform_job(TransformJobName=step["CandidateStepName"])["TransformInput"]
            )

    assert len(inputs) == 3


@pytest.mark.integration
@pytest.mark.parametrize(
    ("method", "member"),
    [
        ("describe_training_job", "TrainingJobName"),
        ("describe_processing_job", "ProcessingJobName"),
        ("describe_transform_job", "TransformJobName"),
    ],
)
def test_names_that_are_not_steps_still_go_to_moto(sagemaker, hpo_job, method, member):
    job = hpo_job["AutoMLJobName"]

    for name in (f"{job}-not-a-step", "no-such-job-at-all"):
        with pytest.raises(ClientError) as caught:
            getattr(sagemaker, method)(**{member: name})
        assert caught.value.response["Error"]["Code"] in ("ResourceNotFound", "ValidationException")
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.integration
def test_a_step_name_of_another_type_is_not_a_step(sagemaker, hpo_job):
    processing = hpo_job["BestCandidate"]["CandidateSteps"][0]["CandidateStepName"]

    with pytest.raises(ClientError) as caught:
        sagemaker.describe_training_job(TrainingJobName=processing)

    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- candidates that are not done: rendered from a record, no server ---------------------------------
def record_with(job: str, *candidates: dict[str, Any]) -> dict[str, Any]:
    return {
        "ApiVersion": "v2",
        "AutoMLJobName": job,
        "AutoMLJobArn": cand.job_arn(job, "us-east-1"),
        "Request": tabular_v2_request(job, "s3://bucket/train.csv"),
        "ProblemTypeConfigName": "Tabular",
        "Tags": [],
        "AutoMLJobStatus": "InProgress",
        "AutoMLJobSecondaryStatus": "ModelTuning",
        "CreationTime": 1_700_000_000.0,
        "LastModifiedTime": 1_700_000_100.0,
        "Resolved": {"MetricName": "F1", "ProblemType": "BinaryClassification", "CompletionCriteria": {}},
        "Candidates": list(candidates),
    }


def hpo_candidate(job: str, index: int, status: str, **extra: Any) -> dict[str, Any]:
    name = cand.candidate_name(job, index, "xgb", "hpo")
    return {
        "CandidateName": name,
        "CandidateStatus": status,
        "ObjectiveStatus": "Pending",
        "CandidateSteps": cand.steps(job=job, candidate=name, kind="hpo", region="us-east-1"),
        "CreationTime": 1_700_000_050.0 + index,
        "LastModifiedTime": 1_700_000_060.0 + index,
        "Algorithm": "xgboost",
        "Hyperparameters": {"max_depth": 6, "eta": 0.3, "note": "two\nlines"},
        **extra,
    }


def test_running_and_failed_candidates_describe_valid_training_jobs(tmp_path):
    from automl_local.steps import CandidateStepJobs
    from automl_local.store import JobStore
    from tests.shape_check import strict_problems

    job = "unit-steps"
    running = hpo_candidate(job, 1, "InProgress")
    failed = hpo_candidate(job, 2, "Failed", FailureReason="ValueError: boom", EndTime=1_700_000_070.0)
    store = JobStore(data_dir=tmp_path)
    store.create(record_with(job, running, failed))
    steps = CandidateStepJobs(store=store)
    shape = output_shape("DescribeTrainingJob")

    answers = {
        c["CandidateName"]: steps.describe("DescribeTrainingJob", {"TrainingJobName": c["CandidateName"]})
        for c in (running, failed)
    }

    for name, answer in answers.items():
        assert strict_problems(shape, answer, name) == []
        assert answer["AlgorithmSpecification"]["TrainingImage"] == cand.ALGORITHM_IMAGES["xgboost"].format(
            region="us-east-1"
        )
        assert answer["HyperParameters"] == {"max_depth": "6", "eta": "0.3", "note": "two lines"}
    assert answers[running["CandidateName"]]["TrainingJobStatus"] == "InProgress"
    assert "TrainingEndTime" not in answers[running["CandidateName"]]
    assert answers[failed["CandidateName"]]["TrainingJobStatus"] == "Failed"
    assert answers[failed["CandidateName"]]["FailureReason"] == "ValueError: boom"
    assert answers[failed["CandidateName"]]["ModelArtifacts"]["S3ModelArtifacts"].endswith(
        f"/{failed['CandidateName']}/output/model.tar.gz"
    )
    # Names are found case-insensitively, and only among steps of the right type.
    upper = running["CandidateName"].upper()
    assert steps.find("DescribeTrainingJob", {"TrainingJobName": upper}) is not None
    assert steps.find("DescribeProcessingJob", {"ProcessingJobName": running["CandidateName"]}) is None
    assert steps.find("DescribeTrainingJob", {"TrainingJobName": f"{job}-xgb-999-00000000"}) is None
