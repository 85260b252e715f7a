"""OpenLineage datasets for what the operators read and write (imported only when lineage is emitted)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_automl.jobs import AutoMLJob


def s3_datasets(uris: Iterable[Any]) -> list[Any]:
    """OpenLineage datasets of S3 URIs, once each: namespace ``s3://<bucket>``, name the key."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    datasets = []
    for uri in dict.fromkeys(uri for uri in uris if isinstance(uri, str) and uri.startswith("s3://")):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        datasets.append(Dataset(namespace=f"s3://{bucket}", name=key or "/"))
    return datasets


def arn_dataset(arn: str) -> Any:
    """An AWS resource as a dataset: namespace ``arn:<partition>:<service>:<region>:<account>``,
    name the resource (e.g. ``model-package/<group>/<version>``)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    namespace, _, name = arn.rpartition(":")
    return Dataset(namespace=namespace, name=name)


def automl_job_lineage(request: Mapping[str, Any], job: AutoMLJob | None) -> OperatorLineage:
    """A create request's input channels in; its output path and the best candidate's artifacts out."""
    from airflow.providers.openlineage.extractors import OperatorLineage

    channels = request.get("AutoMLJobInputDataConfig") or request.get("InputDataConfig") or []
    inputs = [channel.get("DataSource", {}).get("S3DataSource", {}).get("S3Uri") for channel in channels]
    outputs = [(job and job.output_path) or request["OutputDataConfig"]["S3OutputPath"]]
    if job is not None and job.best_candidate is not None:
        outputs += [c.get("ModelDataUrl") for c in job.best_candidate.inference_containers]
    return OperatorLineage(inputs=s3_datasets(inputs), outputs=s3_datasets(outputs))
