"""SageMaker models and the Model Registry: the calls behind ``operators/model.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from airflow_provider_automl.exceptions import AutoMLError
from airflow_provider_automl.hooks.base import SageMakerBaseHook
from airflow_provider_automl.hooks.errors import is_already_exists, is_not_found
from airflow_provider_automl.jobs import json_safe

IDEMPOTENCY_KEY = "AirflowIdempotencyKey"


class SageMakerModelHook(SageMakerBaseHook):
    """CreateModel, model package groups, CreateModelPackage and approval, retry-safe.

    Every request goes through the one validator before it is sent (see
    :class:`~airflow_provider_automl.hooks.base.SageMakerBaseHook`).
    """

    def create_model(self, request: Mapping[str, Any]) -> str:
        """Create the model and return its ARN; an existing model with the same containers is reused."""
        name = request["ModelName"]
        try:
            arn = str(self.call("CreateModel", request)["ModelArn"])
        except ClientError as err:
            if not is_already_exists(err):
                raise
            existing = self.call("DescribeModel", {"ModelName": name})
            have = existing.get("Containers") or [existing.get("PrimaryContainer")]
            if _identity(have) != _identity(request["Containers"]):
                raise AutoMLError(
                    f"A model named {name!r} already exists with other containers (image, model data "
                    "or environment); pick another model_name."
                ) from err
            self.log.info("Model %s already exists with the same containers; reusing it.", name)
            return str(existing["ModelArn"])
        self.log.info("Created model %s with %d container(s): %s", name, len(request["Containers"]), arn)
        return arn

    def ensure_model_package_group(self, request: Mapping[str, Any]) -> str:
        """ARN of the model package group ``request`` names, created from ``request`` when missing.

        ``request`` is a CreateModelPackageGroup request
        (:func:`~airflow_provider_automl.requests.model.build_create_model_package_group_request`).
        """
        describe = {"ModelPackageGroupName": request["ModelPackageGroupName"]}
        try:
            return str(self.call("DescribeModelPackageGroup", describe)["ModelPackageGroupArn"])
        except ClientError as err:
            if not is_not_found(err):
                raise
        try:
            arn = str(self.call("CreateModelPackageGroup", request)["ModelPackageGroupArn"])
        except ClientError as err:
            if not is_already_exists(err):  # another task created it between our describe and create
                raise
            return str(self.call("DescribeModelPackageGroup", describe)["ModelPackageGroupArn"])
        self.log.info("Created model package group %s.", request["ModelPackageGroupName"])
        return arn

    def find_model_package(self, group: str, idempotency_key: str, *, scan: int = 20) -> str | None:
        """ARN of a package in ``group`` registered with ``idempotency_key``, among the newest ``scan``."""
        request = {"ModelPackageGroupName": group, "SortBy": "CreationTime", "SortOrder": "Descending"}
        seen = 0
        for page in self.paginate("ListModelPackages", request):
            for summary in page.get("ModelPackageSummaryList", []):
                arn = summary["ModelPackageArn"]
                described = self.call("DescribeModelPackage", {"ModelPackageName": arn})
                if (described.get("CustomerMetadataProperties") or {}).get(
                    IDEMPOTENCY_KEY
                ) == idempotency_key:
                    return str(arn)
                seen += 1
                if seen >= scan:
                    return None
        return None

    def create_model_package(self, request: Mapping[str, Any]) -> str:
        arn = str(self.call("CreateModelPackage", request)["ModelPackageArn"])
        self.log.info(
            "Registered model package %s (%s).",
            arn,
            request.get("ModelApprovalStatus", "PendingManualApproval"),
        )
        return arn

    def update_model_package(self, request: Mapping[str, Any]) -> str:
        """UpdateModelPackage (e.g. from ``build_update_approval_request``); returns the package ARN."""
        self.call("UpdateModelPackage", request)
        arn = str(request["ModelPackageArn"])
        if "ModelApprovalStatus" in request:
            self.log.info("Model package %s is now %s.", arn, request["ModelApprovalStatus"])
        return arn

    def describe_model_package(self, arn: str) -> dict[str, Any]:
        return dict(json_safe(self.call("DescribeModelPackage", {"ModelPackageName": arn})))


def _identity(containers: Any) -> list[tuple[str | None, str | None, dict[str, str]]]:
    # Environment counts: it carries the inference response keys.
    return [
        (c.get("Image"), c.get("ModelDataUrl"), dict(c.get("Environment") or {}))
        for c in containers or []
        if c
    ]
