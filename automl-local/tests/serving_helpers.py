"""Shared by the serving tests: trained jobs (one per session), models from candidates, waits."""

from __future__ import annotations

import contextlib
import io
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import BUCKET, ROLE_ARN, tabular_v2_request, unique

_JOBS: dict[str, dict[str, Any]] = {}  # trained once per session, whichever test module asks first


def ensemble_job(sagemaker: Any, wait_for_job: Any, breast_cancer_uri: str) -> dict[str, Any]:
    """A completed ENSEMBLING job (one container per candidate) on the breast cancer data."""
    if "ensemble" not in _JOBS:
        name = unique("it-serve-ens")
        sagemaker.create_auto_ml_job_v2(
            **tabular_v2_request(
                name, breast_cancer_uri, Mode="ENSEMBLING", CompletionCriteria={"MaxCandidates": 2}
            )
        )
        job = wait_for_job(name)
        assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
        _JOBS["ensemble"] = job
    return _JOBS["ensemble"]


def features(rows: int | None = None) -> Any:
    """The breast cancer features (no target), in the training data's column order."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    return frame if rows is None else frame.head(rows)


def csv_rows(frame: Any) -> bytes:
    return str(frame.to_csv(index=False, header=False)).encode()


def create_model(
    sagemaker: Any, candidate: dict[str, Any], *, environment: dict[str, str] | None = None
) -> str:
    """A SageMaker model of the candidate's containers (optionally with extra environment)."""
    name = unique("it-serve-model")
    containers = []
    for container in candidate["InferenceContainers"]:
        copy = {k: container[k] for k in ("Image", "ModelDataUrl", "Environment") if k in container}
        if environment:
            copy["Environment"] = {**copy.get("Environment", {}), **environment}
        containers.append(copy)
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE_ARN, Containers=containers)
    return name


def put(s3: Any, key: str, body: bytes) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return f"s3://{BUCKET}/{key}"


def get(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def wait_transform(sagemaker: Any, name: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described = sagemaker.describe_transform_job(TransformJobName=name)
        if described["TransformJobStatus"] not in ("InProgress", "Stopping"):
            return dict(described)
        assert time.monotonic() < deadline, f"transform job {name} still {described['TransformJobStatus']}"
        time.sleep(0.1)


def wait_endpoint(sagemaker: Any, name: str, timeout: float = 120) -> tuple[dict[str, Any], list[str]]:
    """The endpoint once it is no longer Creating/Updating, and the statuses seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        described = sagemaker.describe_endpoint(EndpointName=name)
        status = described["EndpointStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status not in ("Creating", "Updating"):
            return dict(described), seen
        assert time.monotonic() < deadline, f"endpoint {name} still {status}"
        time.sleep(0.05)


def transform_request(
    name: str, model: str, input_uri: str, output_prefix: str, **extra: Any
) -> dict[str, Any]:
    transform_input = {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
        "ContentType": "text/csv",
        "SplitType": "Line",
        **extra.pop("TransformInput", {}),
    }
    return {
        "TransformJobName": name,
        "ModelName": model,
        "TransformInput": transform_input,
        "TransformOutput": {
            "S3OutputPath": f"s3://{BUCKET}/{output_prefix}",
            **extra.pop("TransformOutput", {}),
        },
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        **extra,
    }


def direct_model(data_dir: Any, job: dict[str, Any], candidate: dict[str, Any]) -> Any:
    """The candidate's model loaded in this process from the backend's data dir (verified like the server)."""
    from automl_local.models import load_candidate, mirror_fetch
    from automl_local.signing import load_key
    from automl_local.store import ARTIFACTS_DIR

    record = {"AutoMLJobName": job["AutoMLJobName"]}
    return load_candidate(
        record, candidate, key=load_key(data_dir), fetch=mirror_fetch(data_dir / ARTIFACTS_DIR)
    ).model


def frame_of(body: bytes, names: list[str]) -> Any:
    import pandas as pd

    return pd.read_csv(io.BytesIO(body), header=None, names=names)


class Payload:
    """Unpickling this writes ``marker``: proof that code from a client's upload ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({self.marker!r}, 'w').write('unpickled')",))


@contextlib.contextmanager
def tampered(s3: Any, url: str, marker: Path) -> Iterator[None]:
    """The model.tar.gz at ``url`` replaced by a payload under its genuine (signed) manifest; restored after."""
    import joblib

    from automl_local.artifacts import MANIFEST_FILE, MODEL_FILE

    bucket, key = url[len("s3://") :].split("/", 1)
    genuine = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(genuine), mode="r:gz") as tar:
        manifest = tar.extractfile(MANIFEST_FILE).read()  # type: ignore[union-attr]
    pickled = io.BytesIO()
    joblib.dump(Payload(marker), pickled)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, data in ((MODEL_FILE, pickled.getvalue()), (MANIFEST_FILE, manifest)):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue())
    try:
        yield
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=genuine)


def endpoint_config(sagemaker: Any, *models: str, weights: tuple[float, ...] = ()) -> str:
    """An endpoint config with one variant per model (``variant-0``, ...; one model: ``AllTraffic``)."""
    name = unique("it-serve-config")
    variants = []
    for index, model in enumerate(models):
        variants.append(
            {
                "VariantName": "AllTraffic" if len(models) == 1 else f"variant-{index}",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": weights[index] if weights else 1.0,
            }
        )
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants)
    return name
