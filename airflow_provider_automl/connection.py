"""The four AWS connection arguments as one value (the idea of the amazon provider's ``AwsHookParams``).

Operators and the sensor take ``aws_conn_id``, ``region_name``, ``verify`` and ``botocore_config``
as templated arguments; after rendering they become one :class:`AwsParams`, which builds the
hooks, travels in trigger kwargs, keys the shared clients and watchers, and names them in logs.
Pure Python: safe to import while DAG files are parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_automl.exceptions import AutoMLValidationError

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook

HookT = TypeVar("HookT", bound="AwsGenericHook[Any]")

AWS_FIELDS: tuple[str, ...] = ("aws_conn_id", "region_name", "verify", "botocore_config")
_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+")


@dataclass(frozen=True)
class AwsParams:
    """Which AWS account, region and client settings a hook talks to.

    :param aws_conn_id: The Airflow AWS connection; None uses boto3's default credential chain.
    :param region_name: AWS region; None uses the connection's.
    :param verify: Verify SSL certificates (bool), or the path of a CA bundle.
    :param botocore_config: botocore client configuration as a dict.
    """

    aws_conn_id: str | None = "aws_default"
    region_name: str | None = None
    verify: bool | str | None = None
    botocore_config: dict[str, Any] | None = None

    @classmethod
    def checked(
        cls,
        *,
        aws_conn_id: Any = "aws_default",
        region_name: Any = None,
        verify: Any = None,
        botocore_config: Any = None,
    ) -> AwsParams:
        """Build from (rendered) argument values, coercing their text forms; raise on anything else."""
        from airflow_provider_automl.requests.coerce import as_mapping, as_text

        if isinstance(verify, str) and verify.strip().lower() in ("true", "false"):
            verify = verify.strip().lower() == "true"
        elif verify is not None and not isinstance(verify, bool):
            verify = as_text("verify", verify)
        region = as_text("region_name", region_name)
        if region is not None and not _REGION.fullmatch(region):
            raise AutoMLValidationError("region_name", region, "Expected an AWS region such as us-east-1.")
        config = as_mapping("botocore_config", botocore_config)
        if config is not None:
            try:
                json.dumps(config)
            except (TypeError, ValueError):
                raise AutoMLValidationError(
                    "botocore_config", config, "Must be JSON-serialisable (it travels to the triggerer)."
                ) from None
        return cls(
            aws_conn_id=as_text("aws_conn_id", aws_conn_id),
            region_name=region,
            verify=verify,
            botocore_config=config,
        )

    def to_kwargs(self) -> dict[str, Any]:
        """The four arguments by name: what operators take and triggers serialize."""
        return {
            "aws_conn_id": self.aws_conn_id,
            "region_name": self.region_name,
            "verify": self.verify,
            "botocore_config": self.botocore_config,
        }

    def build_hook(self, hook_class: type[HookT]) -> HookT:
        """A hook of ``hook_class`` for these settings (the amazon hooks call the config ``config``)."""
        return hook_class(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )

    def cache_key(self) -> tuple[Any, ...]:
        """Hashable identity: one shared client and one watcher per key and event loop."""
        return (self.aws_conn_id, self.region_name, self.verify, freeze_config(self.botocore_config))

    def describe(self) -> str:
        """For logs: what differs between keys, without secrets (none of the four holds one)."""
        text = f"aws_conn_id={self.aws_conn_id!r}, region_name={self.region_name!r}"
        if self.verify is not None:
            text += f", verify={self.verify!r}"
        if self.botocore_config:
            text += f", config={freeze_config(self.botocore_config)}"
        return text

    @classmethod
    def of_hook(cls, hook: AwsGenericHook[Any]) -> AwsParams:
        """The settings a hook was built with (no connection lookup)."""
        config = getattr(hook, "_config", None)
        if config is not None and not isinstance(config, Mapping):
            # botocore.config.Config keeps what the user set here.
            config = getattr(config, "_user_provided_options", None) or vars(config)
        return cls(
            aws_conn_id=hook.aws_conn_id,
            region_name=getattr(hook, "_region_name", None),
            verify=getattr(hook, "_verify", None),
            botocore_config=dict(config) if config else None,
        )


def freeze_config(config: Any) -> str:
    """A stable, hashable form of a botocore config (dict, ``botocore.config.Config`` or None)."""
    if config is None:
        return ""
    if not isinstance(config, Mapping):
        config = getattr(config, "_user_provided_options", None) or vars(config)
    return json.dumps(config, sort_keys=True, default=repr)
