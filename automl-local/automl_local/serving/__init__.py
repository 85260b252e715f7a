"""Serving candidates: batch transform, endpoints (and InvokeEndpoint), auto-deploy.

Models created (CreateModel, answered by moto) from a candidate's containers are served by the
candidate's real model: transform jobs run it over S3 objects, endpoints keep it loaded for
InvokeEndpoint. Everything else keeps moto's behaviour. One module per concern:

- ``moto``: in-process calls to moto (models and endpoint configs live there)
- ``catalog``: which candidate a model is
- ``codecs``: request and answer formats per problem type; the model-interface contract
- ``predictor``: a verified, loaded candidate that answers requests
- ``dataprocessing``: a transform's InputFilter / JoinSource / OutputFilter
- ``transform`` and ``endpoints``: the resources' lifecycles (``records``: their persisted state,
  ``listing``: their lists)
- ``api`` (SageMaker JSON actions) and ``runtime`` (sagemaker-runtime InvokeEndpoint): the wire
- ``deploy``: ModelDeployConfig
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from automl_local.data import S3
from automl_local.serving.api import ServingApi
from automl_local.serving.deploy import Deployer
from automl_local.serving.endpoints import Endpoints
from automl_local.serving.moto import MotoSageMaker
from automl_local.serving.runtime import Runtime, is_invocation
from automl_local.serving.transform import TransformJobs
from automl_local.store import JobStore

SERVING_DIR = "serving"  # <data-dir>/serving/{transform-jobs,endpoints}/<name>.json


class Serving:
    """Transform jobs, endpoints, the runtime and auto-deploy of one backend."""

    def __init__(self, *, store: JobStore, s3_factory: Callable[[], S3], moto_app: Any, region: str) -> None:
        self.moto = MotoSageMaker(moto_app, region)
        base = store.data_dir / SERVING_DIR
        self.transforms = TransformJobs(
            directory=base / "transform-jobs",
            store=store,
            s3_factory=s3_factory,
            moto=self.moto,
            region=region,
        )
        self.endpoints = Endpoints(
            directory=base / "endpoints", store=store, s3_factory=s3_factory, moto=self.moto, region=region
        )
        self.api = ServingApi(transforms=self.transforms, endpoints=self.endpoints, moto=self.moto)
        self.runtime = Runtime(endpoints=self.endpoints, moto=self.moto, moto_app=moto_app, region=region)
        self.deployer = Deployer(endpoints=self.endpoints, moto=self.moto)
        self.interrupted = self.transforms.load()  # transform jobs a restart cut short: now Failed

    def start(self) -> None:
        """Once the server answers (endpoints load their models from its S3)."""
        self.endpoints.load()

    def shutdown(self) -> None:
        self.transforms.shutdown()
        self.endpoints.shutdown()
        self.runtime.shutdown()


__all__ = ["Serving", "is_invocation"]
