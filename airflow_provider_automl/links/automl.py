"""Extra links for AutoML jobs: the SageMaker console, or the AutoML view on the local backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from airflow_provider_automl.compat import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsGenericHook

    from airflow_provider_automl.compat import BaseOperator, Context, TaskInstanceKey
    from airflow_provider_automl.connection import AwsParams

_CONSOLE_DOMAINS = {"aws": "aws.amazon.com", "aws-cn": "amazonaws.cn", "aws-us-gov": "amazonaws-us-gov.com"}
# Hosts of real SageMaker endpoints (regional, FIPS, VPC endpoints, China, GovCloud, ISO).
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")
# The task instance tab the AutoML view plugin adds, and where it mounts its app
# (airflow_provider_automl.ui.plugin).
VIEW_ROUTE = "automl"
VIEW_URL_PREFIX = "/automl"


def console_domain(partition: str | None) -> str:
    """The console domain of an AWS partition (``aws`` when unknown)."""
    return _CONSOLE_DOMAINS.get(partition or "aws", _CONSOLE_DOMAINS["aws"])


def is_local_endpoint(endpoint_url: str | None) -> bool:
    """Whether a connection's ``endpoint_url`` is not AWS: the local backend on loopback, or any
    host (or IP address) outside AWS's domains, whose jobs the SageMaker console cannot show."""
    if not endpoint_url:
        return False
    host = (urlsplit(endpoint_url if "//" in endpoint_url else f"//{endpoint_url}").hostname or "").lower()
    return bool(host) and not host.endswith(_AWS_HOST_SUFFIXES)


def task_view_url(*, dag_id: str, run_id: str, task_id: str, map_index: int | None = -1) -> str:
    """The AutoML tab of a task instance in the Airflow 3 UI (``[api] base_url`` when set)."""
    from airflow_provider_automl.compat import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    path = f"/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id, safe='')}"
    if map_index is not None and map_index >= 0:
        path += f"/mapped/{map_index}"
    return f"{base}{path}/plugin/{VIEW_ROUTE}"


class SageMakerAutoMLJobLink(BaseOperatorLink):
    """Link to the AutoML job: its page in the SageMaker console, or, when the task's connection
    points at the local backend (Airflow 3.1+), the task instance's AutoML view."""

    name: ClassVar[str] = "AutoML Job"
    key: ClassVar[str] = "automl_job_link"
    format_str: ClassVar[str] = (
        "https://console.{aws_domain}/sagemaker/home?region={region_name}#/automl-jobs/{job_name}"
    )

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        value = XCom.get_value(key=self.key, ti_key=ti_key)
        if not value:
            return ""
        if isinstance(value, dict) and value.get("local_backend") and _has_view():
            return task_view_url(
                dag_id=ti_key.dag_id,
                run_id=ti_key.run_id,
                task_id=ti_key.task_id,
                map_index=getattr(ti_key, "map_index", -1),
            )
        return self.format_link(value)

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
        cls,
        context: Context,
        *,
        job_name: str,
        region_name: str | None,
        partition: str | None,
        local_backend: bool = False,
        aws_params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store what the link and the AutoML view need in XCom; returns the stored value.

        ``aws_params`` are the task's connection id, region and ``verify``
        (:func:`recorded_params`, no secret), so the AutoML view reads the job through the same
        connection later.
        """
        value: dict[str, Any] = {
            "job_name": job_name,
            "region_name": region_name or "us-east-1",
            "aws_domain": console_domain(partition),
            "local_backend": local_backend,
        }
        if aws_params is not None:
            value["aws_params"] = aws_params
        context["ti"].xcom_push(key=cls.key, value=value)
        return value

    @classmethod
    def persist_for_job(cls, context: Context, hook: AwsGenericHook[Any], job_name: str) -> str:
        """Store the link of ``job_name`` in the region and partition ``hook`` talks to; return the
        console URL (the one to log: the view's address is only known to the UI)."""
        from airflow_provider_automl.connection import AwsParams

        value = cls.persist(
            context,
            job_name=job_name,
            region_name=hook.conn_region_name,
            partition=hook.conn_partition,
            local_backend=is_local_endpoint(hook.conn_config.endpoint_url),
            aws_params=recorded_params(AwsParams.of_hook(hook)),
        )
        return cls.format_link(value)


def recorded_params(params: AwsParams) -> dict[str, Any]:
    """The connection arguments the link XCom keeps for the view. Not ``botocore_config``: its
    ``proxies`` may hold a password, and XCom values are shown as they are."""
    return {"aws_conn_id": params.aws_conn_id, "region_name": params.region_name, "verify": params.verify}


def _has_view() -> bool:
    # External views on task instances arrived in Airflow 3.1.
    from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_1_PLUS

    return AIRFLOW_V_3_1_PLUS
