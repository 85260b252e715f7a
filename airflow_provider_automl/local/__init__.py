"""Local Autopilot backend: a SageMaker-compatible endpoint on 127.0.0.1 that really trains candidates.

moto answers S3 and every non-AutoML SageMaker action; this package answers the AutoML actions.
Start it with ``python -m airflow_provider_automl.local serve`` (or ``automl-local serve``), or from Python
with :class:`airflow_provider_automl.local.process.LocalBackendProcess`. Needs the ``[local]`` extra.
"""

from __future__ import annotations
