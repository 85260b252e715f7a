"""From a candidate to a SageMaker model and a Model Registry version."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_automl.base import AutoMLBaseOperator, aws_template_fields
from airflow_provider_automl.compat import Asset, BaseOperator, named_asset

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_automl.compat import Context
    from airflow_provider_automl.hooks.model import SageMakerModelHook

DEFAULT_INSTANCE_TYPES = ("ml.m5.large", "ml.m5.xlarge")


def model_package_group_asset(group_name: str) -> Asset:
    """The Asset updated each time a version is registered in ``group_name``.

    Schedule a deployment DAG on it to run on every new model version. A name-only Asset: a
    ``scheme://`` URI would make Airflow load every provider's URI handlers (boto3 included)
    while parsing the DAG file.
    """
    return named_asset(f"sagemaker-model-package-group/{group_name}")


def _idempotency_key(context: Context, task: BaseOperator) -> str:
    ti = context["ti"]
    raw = f"{ti.dag_id}\x00{task.task_id}\x00{ti.run_id}\x00{getattr(ti, 'map_index', -1)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class _ModelOperator(AutoMLBaseOperator):
    template_fields: Sequence[str] = aws_template_fields()

    @cached_property
    def hook(self) -> SageMakerModelHook:  # type: ignore[override]
        """This operator's hook: models and the Model Registry, not AutoML jobs."""
        from airflow_provider_automl.hooks.model import SageMakerModelHook

        return self.aws_params.build_hook(SageMakerModelHook)

    def _containers(self, keys: Sequence[str] | None) -> list[dict[str, Any]]:
        """The (coerced) ``containers``, or else the ``candidate``'s, with the response keys set."""
        from airflow_provider_automl.requests import model

        containers: Any = getattr(self, "containers", None)
        candidate: Any = getattr(self, "candidate", None)
        if containers is None and candidate is not None:
            validated = model.validate_containers(candidate, field="candidate.InferenceContainers")
        else:
            validated = model.validate_containers(containers)
        return model.with_inference_response_keys(validated, keys)


class SageMakerCreateModelFromCandidateOperator(_ModelOperator):
    """
    Create a SageMaker model from an AutoML candidate's ``InferenceContainers``.

    All containers are passed through as Autopilot produced them; several containers make an
    inference pipeline (``InferenceExecutionConfig.Mode = Serial``). For classification
    candidates, ``inference_response_keys`` selects what the model answers with
    (``predicted_label``, ``probability``, ``probabilities``, ``labels``), checked against what
    each container declares it supports. A retry reuses a model of the same name and containers.

    Returns ``{"ModelName": ..., "ModelArn": ...}``.

    :param containers: The candidate's ``InferenceContainers`` (e.g. the create operator's
        ``inference_containers`` XCom) (templated).
    :param candidate: A candidate record (e.g. the ``best_candidate`` XCom), used when
        ``containers`` is not given (templated).
    :param model_name: Model name, 1-63 characters; derived from the task instance when not given (templated).
    :param execution_role_arn: IAM role the model's containers run as (templated).
    :param inference_response_keys: Response keys for classification models (templated).
    :param vpc_config: ``{"SecurityGroupIds": [...], "Subnets": [...]}`` (templated).
    :param enable_network_isolation: Run the containers without network access (templated).
    :param tags: Tags as a dict or a list of ``{"Key", "Value"}`` (templated).
    """

    field_kinds: ClassVar[Mapping[str, str]] = {
        "containers": "json",
        "candidate": "json",
        "model_name": "text",
        "execution_role_arn": "name",
        "inference_response_keys": "str_list",
        "vpc_config": "mapping",
        "enable_network_isolation": "bool",
        "tags": "tags",
    }
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "containers": "json",
        "candidate": "json",
        "vpc_config": "json",
        "tags": "json",
    }

    def __init__(
        self,
        *,
        execution_role_arn: str,
        containers: list[dict[str, Any]] | str | None = None,
        candidate: dict[str, Any] | str | None = None,
        model_name: str | None = None,
        inference_response_keys: list[str] | None = None,
        vpc_config: dict[str, Any] | None = None,
        enable_network_isolation: bool | None = None,
        tags: dict[str, str] | list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.containers = containers
        self.candidate = candidate
        self.model_name = model_name
        self.execution_role_arn = execution_role_arn
        self.inference_response_keys = inference_response_keys
        self.vpc_config = vpc_config
        self.enable_network_isolation = enable_network_isolation
        self.tags = tags

    def execute(self, context: Context) -> dict[str, str]:
        from airflow_provider_automl.requests import model
        from airflow_provider_automl.requests.names import derive_job_name

        self.coerce_fields()
        containers = self._containers(self.inference_response_keys)
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        model_name = self.model_name or derive_job_name(
            ti.dag_id, ti.task_id, ti.run_id, -1 if map_index is None else map_index, prefix="model"
        )
        request = model.build_create_model_request(
            model_name=model_name,
            containers=containers,
            execution_role_arn=self.execution_role_arn,
            vpc_config=self.vpc_config,
            enable_network_isolation=self.enable_network_isolation,
            tags=self.tags,
        )
        arn = self.hook.create_model(request)
        return {"ModelName": model_name, "ModelArn": arn}


class SageMakerRegisterCandidateOperator(_ModelOperator):
    """
    Register an AutoML candidate as a new version in a SageMaker Model Registry group.

    Creates the model package group when it is missing, then a model package whose
    ``InferenceSpecification.Containers`` are the candidate's ``InferenceContainers``,
    untouched. Customer metadata records the job, the candidate and its objective metric;
    ``ModelMetrics`` points at the candidate's reports when it has them. New versions wait for
    approval (``PendingManualApproval``) unless ``approval_status`` says otherwise.

    A retried task finds the version its first try registered instead of adding another.
    Each registration updates the Asset ``sagemaker-model-package-group/<group>``, so a
    deployment DAG can be scheduled on new versions.

    Returns the ``ModelPackageArn``.

    :param model_package_group_name: Model package group, 1-63 characters (templated).
    :param candidate: The candidate record (e.g. the ``best_candidate`` XCom) (templated).
    :param containers: The containers, when not taken from ``candidate`` (templated).
    :param job_name: The AutoML job's name, recorded in the metadata (templated).
    :param content_types: Request content types the model accepts (default ``["text/csv"]``) (templated).
    :param response_types: Response MIME types (default ``["text/csv"]``) (templated).
    :param realtime_instance_types: Instance types for endpoints (templated).
    :param transform_instance_types: Instance types for batch transform (templated).
    :param approval_status: ``PendingManualApproval`` (default), ``Approved`` or ``Rejected`` (templated).
    :param description: Model package description (templated).
    :param group_description: Description used if the group has to be created (templated).
    :param customer_metadata: Extra CustomerMetadataProperties (templated).
    :param inference_response_keys: Response keys for classification candidates (templated).
    :param tags: Tags as a dict or a list of ``{"Key", "Value"}`` (templated).
    """

    field_kinds: ClassVar[Mapping[str, str]] = {
        "model_package_group_name": "name",
        "candidate": "json",
        "containers": "json",
        "job_name": "text",
        "content_types": "str_list",
        "response_types": "str_list",
        "realtime_instance_types": "str_list",
        "transform_instance_types": "str_list",
        "approval_status": "name",
        "description": "text",
        "group_description": "text",
        "customer_metadata": "mapping",
        "inference_response_keys": "str_list",
        "tags": "tags",
    }
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "candidate": "json",
        "containers": "json",
        "customer_metadata": "json",
        "tags": "json",
    }
    # What get_openlineage_facets_on_complete reports; set by execute.
    _lineage_containers: list[dict[str, Any]] | None = None
    _lineage_model_package_arn: str | None = None

    def __init__(
        self,
        *,
        model_package_group_name: str,
        candidate: dict[str, Any] | str | None = None,
        containers: list[dict[str, Any]] | str | None = None,
        job_name: str | None = None,
        content_types: list[str] | None = None,
        response_types: list[str] | None = None,
        realtime_instance_types: list[str] | None = None,
        transform_instance_types: list[str] | None = None,
        approval_status: str = "PendingManualApproval",
        description: str | None = None,
        group_description: str | None = None,
        customer_metadata: dict[str, str] | None = None,
        inference_response_keys: list[str] | None = None,
        tags: dict[str, str] | list[dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(model_package_group_name, str) and "{{" not in model_package_group_name:
            asset = model_package_group_asset(model_package_group_name)
            outlets = list(kwargs.pop("outlets", None) or [])
            kwargs["outlets"] = [*outlets, asset] if asset not in outlets else outlets
        super().__init__(**kwargs)
        self.model_package_group_name = model_package_group_name
        self.candidate = candidate
        self.containers = containers
        self.job_name = job_name
        self.content_types = content_types or ["text/csv"]
        self.response_types = response_types or ["text/csv"]
        self.realtime_instance_types = realtime_instance_types or list(DEFAULT_INSTANCE_TYPES)
        self.transform_instance_types = transform_instance_types or list(DEFAULT_INSTANCE_TYPES)
        self.approval_status = approval_status
        self.description = description
        self.group_description = group_description
        self.customer_metadata = customer_metadata
        self.inference_response_keys = inference_response_keys
        self.tags = tags

    def execute(self, context: Context) -> str:
        from airflow_provider_automl.hooks.model import IDEMPOTENCY_KEY
        from airflow_provider_automl.requests import model

        self.coerce_fields()
        candidate = self.candidate if isinstance(self.candidate, Mapping) else None
        containers = self._containers(self.inference_response_keys)
        group = self.model_package_group_name
        key = _idempotency_key(context, self)
        metadata = model.merge_customer_metadata(
            self.customer_metadata, model.candidate_metadata(candidate, self.job_name), {IDEMPOTENCY_KEY: key}
        )
        # Both requests are built (and validated) before the first call.
        request = model.build_create_model_package_request(
            model_package_group_name=group,
            containers=containers,
            content_types=self.content_types,
            response_types=self.response_types,
            realtime_instance_types=self.realtime_instance_types,
            transform_instance_types=self.transform_instance_types,
            approval_status=self.approval_status,
            description=self.description,
            customer_metadata=metadata,
            model_metrics=model.candidate_model_metrics(candidate),
            tags=self.tags,
        )
        group_request = model.build_create_model_package_group_request(
            model_package_group_name=group, description=self.group_description
        )
        self.hook.ensure_model_package_group(group_request)
        arn = None
        if context["ti"].try_number > 1:
            arn = self.hook.find_model_package(group, key)
            if arn:
                self.log.info("A previous try already registered %s; not registering again.", arn)
        if arn is None:
            arn = self.hook.create_model_package(request)
        self._record_asset_event(context, group, arn)
        self._lineage_containers, self._lineage_model_package_arn = containers, arn
        return arn

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """
        OpenLineage: the candidate's model artifacts (``ModelDataUrl``) in; the model package out,
        named like other AWS resources: namespace ``arn:<partition>:sagemaker:<region>:<account>``,
        name ``model-package/<group>/<version>``. Called by the OpenLineage provider's listener.
        """
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_automl.lineage import arn_dataset, s3_datasets

        inputs = s3_datasets(c.get("ModelDataUrl") for c in self._lineage_containers or ())
        arn = self._lineage_model_package_arn
        outputs = [arn_dataset(arn)] if arn else []
        return OperatorLineage(inputs=inputs, outputs=outputs)

    def _record_asset_event(self, context: Context, group: str, arn: str) -> None:
        asset = model_package_group_asset(group)
        if asset not in (self.outlets or []):
            return
        context["outlet_events"][asset].extra = {"ModelPackageArn": arn, "ModelPackageGroupName": group}


class SageMakerApproveModelPackageOperator(_ModelOperator):
    """
    Set a model package version's approval status (``Approved`` by default).

    :param model_package_arn: The version's ARN, e.g. the register operator's return value (templated).
    :param approval_status: ``Approved`` (default), ``Rejected`` or ``PendingManualApproval`` (templated).
    :param approval_description: Why (templated).
    """

    field_kinds: ClassVar[Mapping[str, str]] = {
        "model_package_arn": "name",
        "approval_status": "name",
        "approval_description": "text",
    }
    template_fields: Sequence[str] = aws_template_fields(*field_kinds)

    def __init__(
        self,
        *,
        model_package_arn: str,
        approval_status: str = "Approved",
        approval_description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model_package_arn = model_package_arn
        self.approval_status = approval_status
        self.approval_description = approval_description

    def execute(self, context: Context) -> str:
        from airflow_provider_automl.requests.model import build_update_approval_request

        self.coerce_fields()
        request = build_update_approval_request(
            model_package_arn=self.model_package_arn,
            approval_status=self.approval_status,
            approval_description=self.approval_description,
        )
        return self.hook.update_model_package(request)
