"""What we send to SageMaker: every request built here, and the one validator it passes.

One room per concern:

- :mod:`~airflow_provider_automl.requests.problem_types`: ``AutoMLProblemTypeConfig`` builders
  (``tabular_config``, ``time_series_config``, ...);
- :mod:`~airflow_provider_automl.requests.create`: input channels and the CreateAutoMLJobV2 /
  CreateAutoMLJob builders;
- :mod:`~airflow_provider_automl.requests.model`: CreateModel, CreateModelPackage(Group),
  UpdateModelPackage builders;
- :mod:`~airflow_provider_automl.requests.merge`: the raw ``extra`` request merged with typed arguments;
- :mod:`~airflow_provider_automl.requests.reattach`: comparing a request with an existing job;
- :mod:`~airflow_provider_automl.requests.names`: job names, derived per task instance;
- :mod:`~airflow_provider_automl.requests.coerce`: one coercion of (rendered) argument values and tags;
- :mod:`~airflow_provider_automl.requests.validation`: :func:`validate`, the one validator: botocore's
  service model (types, required, enums, lengths, ranges, patterns) plus
  :mod:`~airflow_provider_automl.requests.rules`, what the model cannot express.

Every request the hooks send passes :func:`validate` first, whoever built it (DESIGN.md, 8).
Nothing here imports botocore at module level: it is loaded when a request is first validated.
"""

from __future__ import annotations

from airflow_provider_automl.requests.create import (
    build_v1_request,
    build_v2_request,
    input_channels,
    validate_v1_request,
    validate_v2_request,
)
from airflow_provider_automl.requests.merge import deep_merge
from airflow_provider_automl.requests.names import (
    JOB_NAME_MAX_LENGTH,
    JOB_NAME_PATTERN,
    derive_job_name,
    validate_job_name,
)
from airflow_provider_automl.requests.problem_types import (
    image_classification_config,
    tabular_config,
    text_classification_config,
    text_generation_config,
    time_series_config,
)
from airflow_provider_automl.requests.reattach import reattach_mismatches
from airflow_provider_automl.requests.tables import (
    ALLOWED_ALGORITHMS,
    ALLOWED_CONTENT_TYPES,
    ALLOWED_METRICS,
    CSV,
    MAX_CANDIDATES_LIMIT,
    PARQUET,
    PROBLEM_TYPE_CONFIG_KEYS,
    TABULAR_METRICS,
)
from airflow_provider_automl.requests.validation import validate

__all__ = [
    "ALLOWED_ALGORITHMS",
    "ALLOWED_CONTENT_TYPES",
    "ALLOWED_METRICS",
    "CSV",
    "JOB_NAME_MAX_LENGTH",
    "JOB_NAME_PATTERN",
    "MAX_CANDIDATES_LIMIT",
    "PARQUET",
    "PROBLEM_TYPE_CONFIG_KEYS",
    "TABULAR_METRICS",
    "build_v1_request",
    "build_v2_request",
    "deep_merge",
    "derive_job_name",
    "image_classification_config",
    "input_channels",
    "reattach_mismatches",
    "tabular_config",
    "text_classification_config",
    "text_generation_config",
    "time_series_config",
    "validate",
    "validate_job_name",
    "validate_v1_request",
    "validate_v2_request",
]
