"""The base of this provider's operators and sensor: AWS connection arguments, the hook, coercion.

The amazon provider's ``AwsBaseOperator`` / ``AwsBaseSensor`` import boto3 when imported,
which every DAG file using them pays at parse time. :class:`AutoMLBaseOperator` keeps their
shape (templated ``aws_conn_id`` / ``region_name`` / ``verify`` / ``botocore_config``, a cached
hook) over the plain Airflow base, declares those four arguments once for every operator and the
sensor (which lists it after ``BaseSensorOperator``), and imports the hook only when a task runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_automl.compat import BaseOperator
from airflow_provider_automl.connection import AWS_FIELDS, AwsParams

if TYPE_CHECKING:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook


def aws_template_fields(*fields: str) -> tuple[str, ...]:
    """Template fields of an AWS operator: the connection fields plus ``fields``, without repeats."""
    return tuple(dict.fromkeys((*AWS_FIELDS, *fields)))


class AutoMLBaseOperator(BaseOperator):
    """An operator taking the AWS connection arguments, with a lazily built, cached hook.

    :param aws_conn_id: The Airflow connection used for AWS credentials (templated).
        ``None`` uses boto3's default credential chain. Set ``endpoint_url`` in the
        connection's extra to point at the local backend.
    :param region_name: AWS region name; defaults to the connection's region (templated).
    :param verify: Whether to verify SSL certificates, or a CA bundle path (templated).
    :param botocore_config: Extra botocore client configuration as a dict (templated).
    """

    template_fields: Sequence[str] = AWS_FIELDS
    # The kind of each typed argument (see requests.coerce.KINDS), applied by coerce_fields().
    field_kinds: ClassVar[Mapping[str, str]] = {}

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
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.verify = verify
        self.botocore_config = botocore_config

    @property
    def aws_params(self) -> AwsParams:
        """The four connection arguments, checked and coerced (call after templates are rendered)."""
        return AwsParams.checked(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            botocore_config=self.botocore_config,
        )

    def coerce_fields(self) -> None:
        """Replace each typed argument by its coerced value; the first bad one raises, naming it.

        Called first in ``execute``: templates are rendered by then, and nothing has been sent.
        """
        from airflow_provider_automl.requests.coerce import coerce_field

        params = self.aws_params
        for name, value in params.to_kwargs().items():
            setattr(self, name, value)
        for name, kind in self.field_kinds.items():
            setattr(self, name, coerce_field(kind, name, getattr(self, name)))

    @cached_property
    def hook(self) -> SageMakerAutoMLHook:
        from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

        return self.aws_params.build_hook(SageMakerAutoMLHook)
