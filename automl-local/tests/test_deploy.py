"""Auto-deploy: ModelDeployConfig turns a completed job's best candidate into an endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from automl_local.serving.deploy import names
from tests.conftest import BUCKET, ROLE_ARN, client_kwargs, tabular_v1_request, tabular_v2_request, unique
from tests.serving_helpers import csv_rows, endpoint_config, features
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def runtime(local_backend) -> Any:
    import boto3

    return boto3.client("sagemaker-runtime", **client_kwargs(local_backend.url))


def small(name: str, uri: str, **deploy: Any) -> dict[str, Any]:
    return tabular_v2_request(
        name,
        uri,
        Mode="ENSEMBLING",
        CompletionCriteria={"MaxCandidates": 1},
        extra={"ModelDeployConfig": deploy},
    )


def test_auto_generated_endpoint_serves_the_best_candidate(
    sagemaker, runtime, wait_for_job, breast_cancer_uri
):
    name = unique("it-deploy")
    sagemaker.create_auto_ml_job_v2(**small(name, breast_cancer_uri, AutoGenerateEndpointName=True))
    raw = RawAnswers(sagemaker)
    with raw.recording():
        job = wait_for_job(name)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    assert job["AutoMLJobSecondaryStatus"] == "MaxCandidatesReached"
    assert "ModelDeploymentError" not in job["SecondaryStatusesSeen"]
    made = names(name)
    assert job["ModelDeployConfig"] == {"AutoGenerateEndpointName": True}
    assert job["ModelDeployResult"] == {"EndpointName": made["endpoint"]}
    job.pop("SecondaryStatusesSeen")
    assert_valid_answer(sagemaker, "DescribeAutoMLJobV2", job, raw.last("DescribeAutoMLJobV2"))

    endpoint = sagemaker.describe_endpoint(EndpointName=made["endpoint"])
    assert endpoint["EndpointStatus"] == "InService" and endpoint["EndpointConfigName"] == made["config"]
    model = sagemaker.describe_model(ModelName=made["model"])
    assert [c["ModelDataUrl"] for c in model["Containers"]] == [
        c["ModelDataUrl"] for c in job["BestCandidate"]["InferenceContainers"]
    ]
    assert model["ExecutionRoleArn"] == ROLE_ARN
    answer = runtime.invoke_endpoint(
        EndpointName=made["endpoint"], ContentType="text/csv", Body=csv_rows(features(4))
    )
    assert len(answer["Body"].read().decode().splitlines()) == 4


def test_a_named_endpoint_for_a_v1_job(sagemaker, runtime, wait_for_job, breast_cancer_uri):
    name = unique("it-deploy-v1")
    endpoint = unique("it-deployed")
    sagemaker.create_auto_ml_job(
        **tabular_v1_request(
            name,
            breast_cancer_uri,
            AutoMLJobConfig={"Mode": "ENSEMBLING", "CompletionCriteria": {"MaxCandidates": 1}},
            ModelDeployConfig={"AutoGenerateEndpointName": False, "EndpointName": endpoint},
        )
    )
    wait_for_job(name)
    described = sagemaker.describe_auto_ml_job(AutoMLJobName=name)
    assert described["AutoMLJobStatus"] == "Completed"
    assert described["ModelDeployResult"] == {"EndpointName": endpoint}
    answer = runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="text/csv", Accept="application/json", Body=csv_rows(features(1))
    )
    assert answer["ContentType"] == "application/json"


def test_a_deployment_that_fails_leaves_the_job_completed_with_model_deployment_error(
    sagemaker, wait_for_job, breast_cancer_uri
):
    taken = unique("it-taken")  # an endpoint of that name already exists (moto's)
    foreign = unique("it-foreign-model")
    sagemaker.create_model(
        ModelName=foreign,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": "123.dkr.ecr.us-east-1.amazonaws.com/mine:1",
            "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz",
        },
    )
    sagemaker.create_endpoint(EndpointName=taken, EndpointConfigName=endpoint_config(sagemaker, foreign))
    name = unique("it-deploy-fail")
    sagemaker.create_auto_ml_job_v2(**small(name, breast_cancer_uri, EndpointName=taken))
    raw = RawAnswers(sagemaker)
    with raw.recording():
        job = wait_for_job(name)
    assert job["AutoMLJobStatus"] == "Completed"
    assert job["AutoMLJobSecondaryStatus"] == "ModelDeploymentError"
    assert "ModelDeployResult" not in job and "FailureReason" not in job
    reason = job["PartialFailureReasons"][0]["PartialFailureMessage"]
    assert reason.startswith(
        "Model deployment failed: ValidationException: Cannot create already existing endpoint"
    )
    assert job["BestCandidate"]["CandidateStatus"] == "Completed"
    job.pop("SecondaryStatusesSeen")
    assert_valid_answer(sagemaker, "DescribeAutoMLJobV2", job, raw.last("DescribeAutoMLJobV2"))
    listed = sagemaker.list_auto_ml_jobs(NameContains=name)["AutoMLJobSummaries"]
    assert listed[0]["AutoMLJobSecondaryStatus"] == "ModelDeploymentError"


@pytest.mark.parametrize(
    "config",
    [{"AutoGenerateEndpointName": True, "EndpointName": "both"}, {"AutoGenerateEndpointName": False}, {}],
)
def test_model_deploy_config_needs_a_generated_or_a_given_name(sagemaker, breast_cancer_uri, config):
    with pytest.raises(ClientError) as err:
        sagemaker.create_auto_ml_job_v2(**small(unique("it-deploy-bad"), breast_cancer_uri, **config))
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "ModelDeployConfig" in err.value.response["Error"]["Message"]
