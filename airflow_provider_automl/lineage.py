"""OpenLineage datasets for what the operators read and write (imported only when lineage is emitted)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


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
