"""The local backend behind a fault proxy, and running operators against it for real."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from automl_local.process import LocalBackendProcess
from tests.reliability.conftest import FakeTI
from tests.reliability.lifecycle import rebuild
from tests.reliability.proxy import FaultProxy

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/AutoMLRole"
BUCKET = "reliability"
TRAIN_KEY = "datasets/breast-cancer-200/train.csv"


class Backend:
    """A local backend process, a FaultProxy in front of it, and a tiny training set in S3."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.process = LocalBackendProcess(data_dir, extra_args=["--workers", "2"], env=self.env).start()
        self.backend_port = int(urlparse(self.process.url).port or 0)
        self.proxy = FaultProxy(self.backend_port)

    @property
    def url(self) -> str:
        """What clients use: the proxy (counted, faults injectable)."""
        return self.proxy.url

    def direct_client(self, service: str) -> Any:
        """A boto3 client straight to the backend, uncounted, no retries (test set-up and truth)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.process.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )

    def upload_training_data(self) -> str:
        from sklearn.datasets import load_breast_cancer

        s3 = self.direct_client("s3")
        buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if BUCKET not in buckets:
            s3.create_bucket(Bucket=BUCKET)
        frame = load_breast_cancer(as_frame=True).frame.sample(200, random_state=0)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        s3.put_object(Bucket=BUCKET, Key=TRAIN_KEY, Body=buffer.getvalue().encode())
        return f"s3://{BUCKET}/{TRAIN_KEY}"

    def stop_backend(self) -> None:
        self.process.stop()

    def start_backend(self) -> None:
        """Start again on the same port and data dir (jobs persist; S3 artifacts are restored)."""
        self.process = LocalBackendProcess(
            self.data_dir, port=self.backend_port, extra_args=["--workers", "2"], env=self.env
        ).start()

    def close(self) -> None:
        self.proxy.close()
        self.process.stop()


def connection_json(
    url: str, *, key: str = "testing", secret: str = "testing", token: str | None = None
) -> str:
    extra: dict[str, Any] = {"region_name": REGION, "endpoint_url": url}
    if token:
        extra["aws_session_token"] = token
    return json.dumps({"conn_type": "aws", "login": key, "password": secret, "extra": extra})


def tiny_job_operator(job_name: str, training_uri: str, **kwargs: Any) -> Any:
    """A create operator for a 1-candidate HPO job on 200 rows (about 3 s on the local backend)."""
    from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
    from airflow_provider_automl.requests import tabular_config

    params: dict[str, Any] = {
        "task_id": "train",
        "job_name": job_name,
        "input_data_config": training_uri,
        "output_path": f"s3://{BUCKET}/output/",
        "role_arn": ROLE,
        "problem_type_config": tabular_config(
            target_attribute="target", mode="HYPERPARAMETER_TUNING", max_candidates=1
        ),
        "aws_conn_id": "aws_default",
        "check_interval": 1,
    }
    params.update(kwargs)
    return SageMakerCreateAutoMLJobOperator(**params)


async def first_event(trigger: Any) -> dict[str, Any]:
    """Run a trigger until its first event, then close the shared clients (a triggerer would keep them)."""
    from airflow_provider_automl.hooks import clients

    try:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("trigger ended without an event")
    finally:
        await clients.close_all()


def execute(make_op: Any, ti: FakeTI | None = None) -> tuple[Any, FakeTI, list[dict[str, Any]]]:
    """One try of a task, deferral included: (return value, ti, trigger serializations/events seen)."""
    from airflow.providers.common.compat.sdk import TaskDeferred

    ti = ti or FakeTI()
    context: dict[str, Any] = {"ti": ti}
    seen: list[dict[str, Any]] = []
    op = make_op()
    try:
        return op.execute(context), ti, seen
    except TaskDeferred as deferred:
        trigger = rebuild(deferred.trigger)
        seen.append({"serialized": trigger.serialize()})
        event = asyncio.run(first_event(trigger))
        seen.append({"event": event})
        return getattr(make_op(), deferred.method_name)(context, event=event), ti, seen
