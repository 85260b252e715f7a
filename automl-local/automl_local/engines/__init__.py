"""Training engines, one per problem type; :func:`build_engine` picks the one a job needs."""

from __future__ import annotations

from typing import Any

from automl_local.engines.base import Engine
from automl_local.spec import (
    IMAGE_CLASSIFICATION,
    TABULAR,
    TEXT_CLASSIFICATION,
    TEXT_GENERATION,
    TIME_SERIES,
    JobSpec,
)


def build_engine(spec: JobSpec, train: Any, validation: Any, *, data_bytes: int) -> Engine:
    """Analyse the data for the job; raises EngineDataError when it does not fit."""
    if spec.problem_config_name == TABULAR:
        from automl_local.engines.tabular import TabularEngine

        return TabularEngine(spec=spec, train=train, validation=validation, data_bytes=data_bytes)
    if spec.problem_config_name == TIME_SERIES:
        from automl_local.engines.timeseries import TimeSeriesEngine

        return TimeSeriesEngine(spec=spec, train=train, validation=validation)
    if spec.problem_config_name == TEXT_CLASSIFICATION:
        from automl_local.engines.text import TextEngine

        return TextEngine(spec=spec, train=train, validation=validation)
    if spec.problem_config_name == IMAGE_CLASSIFICATION:
        from automl_local.engines.image import ImageEngine

        return ImageEngine(spec=spec, train=train, validation=validation)
    if spec.problem_config_name == TEXT_GENERATION:
        from automl_local.engines.generation import TextGenerationEngine

        return TextGenerationEngine(spec=spec, train=train, validation=validation)
    raise ValueError(f"No engine for problem type {spec.problem_config_name!r}")
