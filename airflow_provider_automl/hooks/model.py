"""SageMaker models and the Model Registry: the calls behind ``operators/model.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.exceptions import ClientError

from airflow_provider_automl.exceptions import AutoMLError

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

IDEMPOTENCY_KEY = "AirflowIdempotencyKey"


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _message(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Message", ""))


class SageMakerModelHook(AwsBaseHook):
    """CreateModel, model package groups, CreateModelPackage and approval, retry-safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "sagemaker"
        super().__init__(*args, **kwargs)

    @property
    def client(self) -> SageMakerClient:
        """The cached boto3 SageMaker client (``self.conn``), typed."""
        return cast("SageMakerClient", self.conn)

    def create_model(self, request: dict[str, Any]) -> str:
        """Create the model and return its ARN; an existing model with the same containers is reused."""
        name = request["ModelName"]
        try:
            arn = str(self.client.create_model(**request)["ModelArn"])
        except ClientError as err:
            if "already exist" not in _message(err):
                raise
            existing = self.client.describe_model(ModelName=name)
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

    def ensure_model_package_group(self, name: str, description: str | None = None) -> str:
        """ARN of the model package group ``name``, creating it when missing."""
        try:
            return str(
                self.client.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
            )
        except ClientError as err:
            if _code(err) not in ("ValidationException", "ResourceNotFound") or "not exist" not in _message(
                err
            ):
                raise
        request: dict[str, Any] = {"ModelPackageGroupName": name}
        if description:
            request["ModelPackageGroupDescription"] = description
        try:
            arn = str(self.client.create_model_package_group(**request)["ModelPackageGroupArn"])
        except ClientError as err:
            # Another task created it between our describe and create.
            if "already exist" not in _message(err) and _code(err) != "ResourceInUse":
                raise
            return str(
                self.client.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
            )
        self.log.info("Created model package group %s.", name)
        return arn

    def find_model_package(self, group: str, idempotency_key: str, *, scan: int = 20) -> str | None:
        """ARN of a package in ``group`` registered with ``idempotency_key``, among the newest ``scan``."""
        paginator = self.client.get_paginator("list_model_packages")
        seen = 0
        for page in paginator.paginate(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
        ):
            for summary in page.get("ModelPackageSummaryList", []):
                arn = summary["ModelPackageArn"]
                described = self.client.describe_model_package(ModelPackageName=arn)
                if (described.get("CustomerMetadataProperties") or {}).get(
                    IDEMPOTENCY_KEY
                ) == idempotency_key:
                    return str(arn)
                seen += 1
                if seen >= scan:
                    return None
        return None

    def create_model_package(self, request: dict[str, Any]) -> str:
        arn = str(self.client.create_model_package(**request)["ModelPackageArn"])
        self.log.info(
            "Registered model package %s (%s).",
            arn,
            request.get("ModelApprovalStatus", "PendingManualApproval"),
        )
        return arn

    def update_approval(self, arn: str, status: str, description: str | None = None) -> str:
        request: dict[str, Any] = {"ModelPackageArn": arn, "ModelApprovalStatus": status}
        if description:
            request["ApprovalDescription"] = description
        self.client.update_model_package(**request)
        self.log.info("Model package %s is now %s.", arn, status)
        return arn

    def describe_model_package(self, arn: str) -> dict[str, Any]:
        from airflow_provider_automl.jobs import json_safe

        return dict(json_safe(self.client.describe_model_package(ModelPackageName=arn)))


def _identity(containers: Any) -> list[tuple[str | None, str | None, dict[str, str]]]:
    # Environment counts: it carries the inference response keys.
    return [
        (c.get("Image"), c.get("ModelDataUrl"), dict(c.get("Environment") or {}))
        for c in containers or []
        if c
    ]
