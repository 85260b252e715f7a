"""The SageMaker client behind both hooks, and the one door every request goes through.

Hook methods never call the boto3/aiobotocore client directly: they call :meth:`SageMakerBaseHook.call`,
:meth:`~SageMakerBaseHook.paginate` or :meth:`~SageMakerBaseHook.call_async`, which pass the request
through :func:`airflow_provider_automl.requests.validate` first. So a new call site is validated by
construction (a unit test reads the hooks' source to keep it that way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from botocore.config import Config

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.hooks import clients
from airflow_provider_automl.requests.validation import validate

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# Retry throttling with a client-side rate limiter; a user config that sets retries wins.
DEFAULT_RETRIES: dict[str, Any] = {"mode": "adaptive", "max_attempts": 10}
MAX_PAGE_SIZE = 100


def _method(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))


class SageMakerBaseHook(AwsBaseHook):
    """A ``sagemaker`` client on the amazon provider's :class:`AwsBaseHook`, validated calls only.

    Connection ``aws_default``, role assumption and ``endpoint_url`` come from the ``aws``
    connection. Unless the botocore config sets ``retries``, retries use mode "adaptive", 10 attempts.
    Keyword arguments (``aws_conn_id``, ``region_name``, ``verify``, ``config``) go to the base hook;
    :meth:`AwsParams.build_hook` passes them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "sagemaker"
        super().__init__(*args, **kwargs)

    @property
    def config(self) -> Config:
        config = super().config
        if getattr(config, "retries", None) is None:
            config = config.merge(Config(retries=cast("Any", dict(DEFAULT_RETRIES))))
        return config

    @property
    def client(self) -> SageMakerClient:
        """The cached boto3 SageMaker client (``self.conn``), typed."""
        return cast("SageMakerClient", self.conn)

    @property
    def aws_params(self) -> AwsParams:
        return AwsParams.of_hook(self)

    # -- the door --------------------------------------------------------------------------------

    def call(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``request`` for ``operation`` (e.g. ``"DescribeAutoMLJobV2"``), then send it."""
        validate(operation, request)
        return dict(getattr(self.client, _method(operation))(**request))

    def paginate(
        self, operation: str, request: Mapping[str, Any], pagination: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Validate ``request``, then yield every page of ``operation`` (boto3 paginator)."""
        validate(operation, request)
        paginator = self.client.get_paginator(cast("Any", _method(operation)))
        yield from paginator.paginate(**request, PaginationConfig=cast("Any", dict(pagination or {})))

    async def get_shared_async_conn(self) -> Any:
        """The process-wide aiobotocore SageMaker client for this hook's settings (never close it)."""
        params = self.aws_params
        return await clients.get_client(params.cache_key(), self.get_async_conn, name=params.describe())

    async def call_async(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``request``, then send it on the process-wide shared aiobotocore client."""
        validate(operation, request)
        client = await self.get_shared_async_conn()
        return dict(await getattr(client, _method(operation))(**request))

    async def pages_async(self, operation: str, request: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Validate ``request``, then yield each page of ``operation`` (one call per page, NextToken)."""
        params = dict(request)
        while True:
            response = await self.call_async(operation, params)
            yield response
            token = response.get("NextToken")
            if not token:
                return
            params["NextToken"] = token
