"""moto's answers to the deployment lifecycle, corrected to what strict clients accept (sagemaker-core
rejects ``VpcConfig: {}``): each validates against botocore's output shape, raw and parsed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from automl_local.moto_fixes import fix_moto_output
from automl_local.shapes import output_shape
from tests.conftest import BUCKET, ROLE_ARN, unique
from tests.shape_check import RawAnswers, assert_valid_answer, strict_problems

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"

# moto 5.2's answers, as it sends them.
MOTO_DESCRIBE_MODEL = {
    "ModelName": "m1",
    "PrimaryContainer": {},
    "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/m.tar.gz", "Environment": {"A": "1"}}],
    "ExecutionRoleArn": ROLE_ARN,
    "VpcConfig": {},
    "CreationTime": 1796174153.818,
    "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m1",
    "EnableNetworkIsolation": False,
}
MOTO_DESCRIBE_MODEL_PACKAGE = {
    "ModelPackageGroupName": "g1",
    "ModelPackageVersion": 1,
    "ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g1/1",
    "CreationTime": 1796174154.18,
    "InferenceSpecification": {
        "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/m.tar.gz"}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    },
    "ModelPackageStatus": "Completed",
    "ModelPackageStatusDetails": {
        "ValidationStatuses": [
            {"Name": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g1/1", "Status": "Completed"}
        ],
        "ImageScanStatuses": [
            {"Name": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g1/1", "Status": "Completed"}
        ],
    },
    "CertifyForMarketplace": False,
    "ModelApprovalStatus": "PendingManualApproval",
}


def test_empty_optional_structures_are_dropped_and_the_rest_kept():
    problems = strict_problems(output_shape("DescribeModel"), MOTO_DESCRIBE_MODEL, "DescribeModel")
    assert "DescribeModel.VpcConfig: empty optional structure" in problems

    fixed = fix_moto_output("DescribeModel", copy.deepcopy(MOTO_DESCRIBE_MODEL))

    assert "VpcConfig" not in fixed and "PrimaryContainer" not in fixed
    assert fixed["Containers"] == MOTO_DESCRIBE_MODEL["Containers"]
    assert strict_problems(output_shape("DescribeModel"), fixed, "DescribeModel") == []


def test_a_partial_vpc_config_is_dropped_a_whole_one_kept():
    partial = {**MOTO_DESCRIBE_MODEL, "VpcConfig": {"Subnets": ["subnet-1"]}}
    whole = {**MOTO_DESCRIBE_MODEL, "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}}

    assert "VpcConfig" not in fix_moto_output("DescribeModel", copy.deepcopy(partial))
    assert fix_moto_output("DescribeModel", copy.deepcopy(whole))["VpcConfig"] == whole["VpcConfig"]


def test_placeholders_and_unknown_members_are_dropped():
    moto = {
        "TransformJobName": "t1",
        "TransformJobArn": "arn:aws:sagemaker:us-east-1:123456789012:transform-job/t1",
        "TransformJobStatus": "Completed",
        "FailureReason": "",
        "ModelName": "m1",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/out/"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "CreationTime": "2026-01-02T03:04:05+00:00",
        "LabelingJobArn": "",
        "SomethingMotoAdds": 1,
    }

    fixed = fix_moto_output("DescribeTransformJob", moto)

    assert {"FailureReason", "LabelingJobArn", "SomethingMotoAdds"}.isdisjoint(fixed)
    assert fixed["CreationTime"] == 1767323045.0
    assert strict_problems(output_shape("DescribeTransformJob"), fixed, "DescribeTransformJob") == []


def test_required_members_moto_leaves_out_are_supplied():
    package = fix_moto_output("DescribeModelPackage", copy.deepcopy(MOTO_DESCRIBE_MODEL_PACKAGE))
    group = fix_moto_output(
        "DescribeModelPackageGroup",
        {
            "ModelPackageGroupName": "g1",
            "ModelPackageGroupArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g1",
            "CreationTime": 1796174154.099,
            "ModelPackageGroupStatus": "Completed",
        },
    )

    assert package["ModelPackageName"] == "g1"
    assert package["ModelPackageStatusDetails"]["ValidationStatuses"][0]["Name"] == "g1"
    assert strict_problems(output_shape("DescribeModelPackage"), package, "DescribeModelPackage") == []
    assert group["CreatedBy"] == {}  # required, and every member of it is optional
    assert strict_problems(output_shape("DescribeModelPackageGroup"), group, "") == []


def test_actions_without_output_members_answer_an_empty_object():
    assert fix_moto_output("DeleteModel", {"unexpected": True}) == {}


@pytest.mark.integration
def test_the_deployment_lifecycle_of_a_candidate_validates_strictly(sagemaker, hpo_job):
    best = hpo_job["BestCandidate"]
    suffix = unique("fix").rsplit("-", 1)[1]
    model, group = f"it-fix-model-{suffix}", f"it-fix-group-{suffix}"
    config, endpoint, transform = (
        f"it-fix-config-{suffix}",
        f"it-fix-endpoint-{suffix}",
        f"it-fix-tj-{suffix}",
    )
    raw = RawAnswers(sagemaker)
    answers: dict[str, dict[str, Any]] = {}

    with raw.recording():
        answers["CreateModel"] = sagemaker.create_model(
            ModelName=model, ExecutionRoleArn=ROLE_ARN, Containers=best["InferenceContainers"]
        )
        answers["DescribeModel"] = sagemaker.describe_model(ModelName=model)
        answers["CreateModelPackageGroup"] = sagemaker.create_model_package_group(ModelPackageGroupName=group)
        answers["DescribeModelPackageGroup"] = sagemaker.describe_model_package_group(
            ModelPackageGroupName=group
        )
        package = sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="PendingManualApproval",
            InferenceSpecification={
                "Containers": [
                    {k: c[k] for k in ("Image", "ModelDataUrl", "Environment")}
                    for c in best["InferenceContainers"]
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
        answers["CreateModelPackage"] = package
        answers["DescribeModelPackage"] = sagemaker.describe_model_package(
            ModelPackageName=package["ModelPackageArn"]
        )
        answers["ListModelPackages"] = sagemaker.list_model_packages(ModelPackageGroupName=group)
        answers["CreateEndpointConfig"] = sagemaker.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        answers["DescribeEndpointConfig"] = sagemaker.describe_endpoint_config(EndpointConfigName=config)
        answers["CreateEndpoint"] = sagemaker.create_endpoint(
            EndpointName=endpoint, EndpointConfigName=config
        )
        answers["DescribeEndpoint"] = sagemaker.describe_endpoint(EndpointName=endpoint)
        answers["CreateTransformJob"] = sagemaker.create_transform_job(
            TransformJobName=transform,
            ModelName=model,
            TransformInput={
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/datasets/"}
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
            },
            TransformOutput={"S3OutputPath": f"s3://{BUCKET}/transform-out/"},
            TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
        )
        answers["DescribeTransformJob"] = sagemaker.describe_transform_job(TransformJobName=transform)

    for action, answer in answers.items():
        assert_valid_answer(sagemaker, action, answer, raw.last(action))
    described = raw.last("DescribeModel")
    assert "VpcConfig" not in described
    assert [c["Image"] for c in described["Containers"]] == [c["Image"] for c in best["InferenceContainers"]]
    assert raw.last("DescribeModelPackage")["ModelPackageName"] == group
