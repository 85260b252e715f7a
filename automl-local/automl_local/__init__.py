"""automl-local: a local Amazon SageMaker Autopilot emulator that really trains candidates.

A SageMaker-compatible endpoint on 127.0.0.1: moto answers S3 and the SageMaker actions this package
does not emulate; this package answers the AutoML actions. Start it with ``automl-local serve`` (or
``python -m automl_local serve``), or from Python with :class:`automl_local.process.LocalBackendProcess`.
It needs no Airflow: boto3, the SageMaker Python SDK, sagemaker-core and the AWS CLI all drive it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
