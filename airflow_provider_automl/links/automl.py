"""Console extra links for AutoML jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from airflow_provider_automl.compat import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook

    from airflow_provider_automl.compat import BaseOperator, Context, TaskInstanceKey

_CONSOLE_DOMAINS = {"aws": "aws.amazon.com", "aws-cn": "amazonaws.cn", "aws-us-gov": "amazonaws-us-gov.com"}


def console_domain(partition: str | None) -> str:
    """The console domain of an AWS partition (``aws`` when unknown)."""
    return _CONSOLE_DOMAINS.get(partition or "aws", _CONSOLE_DOMAINS["aws"])


class SageMakerAutoMLJobLink(BaseOperatorLink):
    """Link to the AutoML job's page in the SageMaker console."""

    name: ClassVar[str] = "AutoML Job"
    key: ClassVar[str] = "automl_job_link"
    format_str: ClassVar[str] = (
        "https://console.{aws_domain}/sagemaker/home?region={region_name}#/automl-jobs/{job_name}"
    )

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        value = XCom.get_value(key=self.key, ti_key=ti_key)
        return self.format_link(value) if value else ""

    @classmethod
    def format_link(cls, value: dict[str, Any]) -> str:
        try:
            return cls.format_str.format(
                aws_domain=value["aws_domain"],
                region_name=quote(str(value["region_name"]), safe=""),
                job_name=quote(str(value["job_name"]), safe=""),
            )
        except KeyError:
            return ""

    @classmethod
    def persist(
        cls, context: Context, *, job_name: str, region_name: str | None, partition: str | None
    ) -> dict[str, Any]:
        """Store what the link needs in XCom; returns the stored value."""
        value = {
            "job_name": job_name,
            "region_name": region_name or "us-east-1",
            "aws_domain": console_domain(partition),
        }
        context["ti"].xcom_push(key=cls.key, value=value)
        return value

    @classmethod
    def persist_for_job(cls, context: Context, hook: AwsGenericHook[Any], job_name: str) -> str:
        """Store the link of ``job_name`` in the region and partition ``hook`` talks to; return its URL."""
        value = cls.persist(
            context, job_name=job_name, region_name=hook.conn_region_name, partition=hook.conn_partition
        )
        return cls.format_link(value)
