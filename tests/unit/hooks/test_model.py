"""The model hook against a stubbed real SageMaker client: retry-safe registry calls, validated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.hooks.model import IDEMPOTENCY_KEY, SageMakerModelHook
from tests.unit.conftest import ACCOUNT, REGION, T0, validate_output

GROUP = "churn-models"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP}"


def package_arn(version: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/{version}"


@pytest.fixture
def stubbed(sagemaker_client: Any) -> Iterator[tuple[SageMakerModelHook, Stubber]]:
    hook = SageMakerModelHook(aws_conn_id=None, region_name=REGION)
    hook.__dict__["conn"] = sagemaker_client
    with Stubber(sagemaker_client) as stubber:
        yield hook, stubber
        stubber.assert_no_pending_responses()


def _describe_group() -> dict[str, Any]:
    return validate_output(
        "DescribeModelPackageGroup",
        {
            "ModelPackageGroupName": GROUP,
            "ModelPackageGroupArn": GROUP_ARN,
            "CreationTime": T0,
            "CreatedBy": {},
            "ModelPackageGroupStatus": "Completed",
        },
    )


def test_group_created_by_another_task_meanwhile_is_used(stubbed: tuple[SageMakerModelHook, Stubber]) -> None:
    hook, stubber = stubbed
    missing = f"ModelPackageGroup {GROUP_ARN} does not exist."
    stubber.add_client_error("describe_model_package_group", "ValidationException", missing, 400)
    stubber.add_client_error(
        "create_model_package_group",
        "ValidationException",
        f"Model Package Group already exists: {GROUP_ARN}",
        400,
    )
    stubber.add_response("describe_model_package_group", _describe_group(), {"ModelPackageGroupName": GROUP})
    assert hook.ensure_model_package_group({"ModelPackageGroupName": GROUP}) == GROUP_ARN


def test_find_model_package_scans_only_the_newest(stubbed: tuple[SageMakerModelHook, Stubber]) -> None:
    hook, stubber = stubbed
    summaries = [
        {
            "ModelPackageArn": package_arn(v),
            "ModelPackageGroupName": GROUP,
            "ModelPackageVersion": v,
            "CreationTime": T0,
            "ModelPackageStatus": "Completed",
        }
        for v in (3, 2, 1)
    ]
    stubber.add_response(
        "list_model_packages",
        validate_output("ListModelPackages", {"ModelPackageSummaryList": summaries}),
        {"ModelPackageGroupName": GROUP, "SortBy": "CreationTime", "SortOrder": "Descending"},
    )
    for version in (3, 2):
        stubber.add_response(
            "describe_model_package",
            {
                "ModelPackageName": GROUP,
                "ModelPackageArn": package_arn(version),
                "CreationTime": T0,
                "ModelPackageStatus": "Completed",
                "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
                "CustomerMetadataProperties": {IDEMPOTENCY_KEY: f"key-{version}"},
            },
            {"ModelPackageName": package_arn(version)},
        )
    assert hook.find_model_package(GROUP, "key-1", scan=2) is None


def test_update_model_package_is_validated_before_it_is_sent(
    stubbed: tuple[SageMakerModelHook, Stubber],
) -> None:
    hook, stubber = stubbed
    with pytest.raises(AutoMLValidationError, match="Invalid ModelApprovalStatus: 'approved'"):
        hook.update_model_package({"ModelPackageArn": package_arn(1), "ModelApprovalStatus": "approved"})
    stubber.add_response(
        "update_model_package",
        {"ModelPackageArn": package_arn(1)},
        {"ModelPackageArn": package_arn(1), "ModelApprovalStatus": "Approved"},
    )
    assert hook.update_model_package(
        {"ModelPackageArn": package_arn(1), "ModelApprovalStatus": "Approved"}
    ) == (package_arn(1))
