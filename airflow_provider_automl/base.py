"""Shared shape of this provider's operators and sensors.

The amazon provider's ``AwsBaseOperator`` / ``AwsBaseSensor`` import boto3 when imported,
which every DAG file using them pays at parse time. These mixins keep the same shape
(templated ``aws_conn_id`` / ``region_name`` / ``verify`` / ``botocore_config``, a cached
hook) over the plain Airflow bases, and import the hook only when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_automl.compat import BaseOperator

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook

    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

HookT = TypeVar("HookT", bound="AwsGenericHook[Any]")

AWS_TEMPLATE_FIELDS: tuple[str, ...] = ("aws_conn_id", "region_name", "verify", "botocore_config")


def aws_template_fields(*fields: str) -> tuple[str, ...]:
    """Template fields of an AWS operator: the connection fields plus ``fields``, without repeats."""
    return tuple(dict.fromkeys((*AWS_TEMPLATE_FIELDS, *fields)))


class AutoMLHookMixin:
    """Connection parameters and a lazily built, cached :class:`SageMakerAutoMLHook`.

    :param aws_conn_id: The Airflow connection used for AWS credentials (templated).
        ``None`` uses boto3's default credential chain. Set ``endpoint_url`` in the
        connection's extra to point at the local backend.
    :param region_name: AWS region name; defaults to the connection's region (templated).
    :param verify: Whether to verify SSL certificates, or a CA bundle path (templated).
    :param botocore_config: Extra botocore client configuration as a dict (templated).
    """

    template_fields: Sequence[str] = AWS_TEMPLATE_FIELDS

    aws_conn_id: str | None
    region_name: str | None
    verify: bool | str | None
    botocore_config: dict[str, Any] | None

    def _init_aws(
        self,
        aws_conn_id: str | None,
        region_name: str | None,
        verify: bool | str | None,
        botocore_config: dict[str, Any] | None,
    ) -> None:
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    @property
    def aws_hook_params(self) -> dict[str, Any]:
        """The keyword arguments that rebuild the same hook (also what triggers serialize)."""
        return {
            "aws_conn_id": self.aws_conn_id,
            "region_name": self.region_name,
            "verify": self.verify,
            "botocore_config": self.botocore_config,
        }

    def _build_hook(self, hook_class: type[HookT]) -> HookT:
        return hook_class(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )

    @cached_property
    def hook(self) -> SageMakerAutoMLHook:
        from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

        return self._build_hook(SageMakerAutoMLHook)


class AutoMLBaseOperator(AutoMLHookMixin, BaseOperator):
    """An operator taking the AWS connection fields as keyword arguments (see the mixin)."""

    template_fields: Sequence[str] = AWS_TEMPLATE_FIELDS

    def __init__(
        self,
        *,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_aws(aws_conn_id, region_name, verify, botocore_config)
