"""Tabular jobs on scikit-learn's bundled datasets train real candidates (no downloads)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUCKET, tabular_v1_request, tabular_v2_request, unique

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HPO_SEQUENCE = (
    "Starting",
    "AnalyzingData",
    "FeatureEngineering",
    "ModelTuning",
    "GeneratingExplainabilityReport",
    "GeneratingModelInsightsReport",
    "MaxCandidatesReached",
)
ENSEMBLING_SEQUENCE = (
    "Starting",
    "AnalyzingData",
    "TrainingModels",
    "GeneratingExplainabilityReport",
    "GeneratingModelInsightsReport",
    "MaxCandidatesReached",
)


def assert_in_documented_order(seen: list[str], sequence: tuple[str, ...]) -> None:
    """Polling may miss quick statuses, but what it saw must follow the documented order."""
    positions = [sequence.index(status) for status in seen]
    assert positions == sorted(positions), seen
    assert seen[-1] == sequence[-1]


@pytest.fixture(scope="module")
def diabetes_uri(put_frame: Any) -> str:
    from sklearn.datasets import load_diabetes

    return put_frame(load_diabetes(as_frame=True).frame, "datasets/diabetes/train.parquet", fmt="parquet")


def read_tarball(s3: Any, uri: str) -> list[str]:
    bucket, key = uri[5:].split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        return tar.getnames()


def test_ensembling_binary_job_trains_real_candidates(
    sagemaker, s3, wait_for_job, breast_cancer_uri, local_backend
):
    name = unique("it-ens")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            name, breast_cancer_uri, Mode="ENSEMBLING", CompletionCriteria={"MaxCandidates": 4}
        )
    )
    job = wait_for_job(name)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert job["AutoMLJobSecondaryStatus"] == "MaxCandidatesReached"
    assert job["SecondaryStatusesSeen"][-1] == "MaxCandidatesReached"
    assert_in_documented_order(job["SecondaryStatusesSeen"], ENSEMBLING_SEQUENCE)
    resolved = job["ResolvedAttributes"]
    assert resolved["AutoMLProblemTypeResolvedAttributes"]["TabularResolvedAttributes"]["ProblemType"] == (
        "BinaryClassification"
    )
    assert resolved["AutoMLJobObjective"]["MetricName"] == "F1"
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["MetricName"] == "F1"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] > 0.9
    assert len(best["InferenceContainers"]) == 1
    container = best["InferenceContainers"][0]
    assert container["ModelDataUrl"].startswith(f"s3://{BUCKET}/output/{name}/")
    assert container["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label"
    assert "model.joblib" in read_tarball(s3, container["ModelDataUrl"])
    metric_names = {m["StandardMetricName"] for m in best["CandidateProperties"]["CandidateMetrics"]}
    assert {"F1", "Accuracy", "AUC", "LogLoss"} <= metric_names

    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, MaxResults=100)["Candidates"]
    assert len(candidates) == 4
    assert candidates[-1]["CandidateName"].endswith("WeightedEnsemble-L2")
    values = [c["FinalAutoMLJobObjectiveMetric"]["Value"] for c in candidates]
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] == max(values)

    # Anyone can check the model is real: predict the dataset with the best candidate's artifact.
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    path = local_backend.data_dir / "predict-input.csv"
    frame.drop(columns="target").to_csv(path, index=False)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "automl_local",
            "predict",
            "--data-dir",  # the backend's signing key is there
            str(local_backend.data_dir),
            "--endpoint-url",
            local_backend.url,
            "--job",
            name,
            "--input",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, **_pythonpath()},
    )
    import pandas as pd

    predictions = pd.read_csv(io.StringIO(result.stdout))
    assert list(predictions.columns) == ["predicted_label", "probability"]
    assert (predictions["predicted_label"] == frame["target"]).mean() > 0.9


def _pythonpath() -> dict[str, str]:
    import automl_local

    root = str(Path(automl_local.__file__).resolve().parents[1])
    return {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}


def test_hpo_v1_regression_job_has_two_containers_and_mse(sagemaker, wait_for_job, diabetes_uri):
    name = unique("it-hpo-reg")
    sagemaker.create_auto_ml_job(
        **tabular_v1_request(
            name,
            diabetes_uri,
            AutoMLJobConfig={"Mode": "HYPERPARAMETER_TUNING", "CompletionCriteria": {"MaxCandidates": 6}},
        )
    )
    wait_for_job(name)
    job = sagemaker.describe_auto_ml_job(AutoMLJobName=name)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert job["ResolvedAttributes"]["ProblemType"] == "Regression"
    assert job["ResolvedAttributes"]["AutoMLJobObjective"]["MetricName"] == "MSE"
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["Type"] == "Minimize"
    metrics = {m["MetricName"]: m["Value"] for m in best["CandidateProperties"]["CandidateMetrics"]}
    assert metrics["R2"] > 0.2  # diabetes: a sensible model explains a good share of variance
    assert best["InferenceContainers"][0]["Image"].split("/")[-1].startswith("sagemaker-sklearn-automl:")
    assert len(best["InferenceContainers"]) == 2
    steps = [s["CandidateStepType"] for s in best["CandidateSteps"]]
    assert steps[0] == "AWS::SageMaker::ProcessingJob" and steps[-1] == "AWS::SageMaker::TrainingJob"
    assert "CandidateDefinitionNotebookLocation" in job["AutoMLJobArtifacts"]
    seen = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    assert seen["AutoMLProblemTypeConfigName"] == "Tabular"


def test_hpo_binary_job_has_inverse_label_container(sagemaker, wait_for_job, breast_cancer_uri):
    name = unique("it-hpo-bin")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(
            name,
            breast_cancer_uri,
            Mode="HYPERPARAMETER_TUNING",
            ProblemType="BinaryClassification",
            CompletionCriteria={"MaxCandidates": 3},
            CandidateGenerationConfig={"AlgorithmsConfig": [{"AutoMLAlgorithms": ["linear-learner"]}]},
            extra={"AutoMLJobObjective": {"MetricName": "AUC"}},
        )
    )
    job = wait_for_job(name)

    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert_in_documented_order(job["SecondaryStatusesSeen"], HPO_SEQUENCE)
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["MetricName"] == "AUC"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] > 0.95
    environments = [c["Environment"] for c in best["InferenceContainers"]]
    assert len(environments) == 3
    assert environments[0]["AUTOML_TRANSFORM_MODE"] == "feature-transform"
    assert environments[2]["AUTOML_TRANSFORM_MODE"] == "inverse-label-transform"
    assert all(
        "-ll-" in c["CandidateName"]
        for c in sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name)["Candidates"]
    )
