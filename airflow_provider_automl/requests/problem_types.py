"""Builders per problem type: the ``AutoMLProblemTypeConfig`` of CreateAutoMLJobV2.

Each returns ``{"<ProblemType>JobConfig": {...}}`` with unset arguments left out. Typed arguments
go through :mod:`airflow_provider_automl.requests.coerce`, so a rendered template's ``"5"`` is the
int 5; the whole request is validated when :func:`~airflow_provider_automl.requests.build_v2_request`
assembles it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.coerce import as_bool, as_int, as_mapping, as_str_list
from airflow_provider_automl.requests.merge import compact


def completion_criteria(
    max_candidates: Any, max_runtime_per_training_job: Any, max_job_runtime: Any, *, prefix: str
) -> dict[str, Any]:
    return {
        "MaxCandidates": as_int(f"{prefix}.MaxCandidates", max_candidates),
        "MaxRuntimePerTrainingJobInSeconds": as_int(
            f"{prefix}.MaxRuntimePerTrainingJobInSeconds", max_runtime_per_training_job
        ),
        "MaxAutoMLJobRuntimeInSeconds": as_int(f"{prefix}.MaxAutoMLJobRuntimeInSeconds", max_job_runtime),
    }


def algorithms_config(field: str, algorithms: Any) -> list[dict[str, Any]] | None:
    names = as_str_list(field, algorithms)
    if names is None:
        return None
    return [{"AutoMLAlgorithms": names}]


def tabular_config(
    *,
    target_attribute: str,
    problem_type: str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    mode: str | None = None,
    algorithms: Sequence[str] | None = None,
    feature_specification_s3_uri: str | None = None,
    generate_candidate_definitions_only: bool | str | None = None,
    sample_weight_attribute: str | None = None,
) -> dict[str, Any]:
    """``{"TabularJobConfig": {...}}`` for CreateAutoMLJobV2's ``AutoMLProblemTypeConfig``.

    ``algorithms`` fills ``CandidateGenerationConfig.AlgorithmsConfig``; it needs ``mode``
    ``ENSEMBLING`` or ``HYPERPARAMETER_TUNING``.
    """
    prefix = "AutoMLProblemTypeConfig.TabularJobConfig"
    body = {
        "TargetAttributeName": target_attribute,
        "ProblemType": problem_type,
        "CompletionCriteria": completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
        "Mode": mode,
        "CandidateGenerationConfig": {
            "AlgorithmsConfig": algorithms_config(
                f"{prefix}.CandidateGenerationConfig.AlgorithmsConfig", algorithms
            )
        },
        "FeatureSpecificationS3Uri": feature_specification_s3_uri,
        "GenerateCandidateDefinitionsOnly": as_bool(
            f"{prefix}.GenerateCandidateDefinitionsOnly", generate_candidate_definitions_only
        ),
        "SampleWeightAttributeName": sample_weight_attribute,
    }
    return {"TabularJobConfig": compact(body)}


def time_series_config(
    *,
    target_attribute: str,
    timestamp_attribute: str,
    item_identifier_attribute: str,
    forecast_frequency: str,
    forecast_horizon: int | str,
    forecast_quantiles: Sequence[str] | None = None,
    grouping_attributes: Sequence[str] | None = None,
    filling: Mapping[str, Mapping[str, str]] | None = None,
    aggregation: Mapping[str, str] | None = None,
    holiday_country_code: str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
    feature_specification_s3_uri: str | None = None,
    algorithms: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``{"TimeSeriesForecastingJobConfig": {...}}``.

    ``filling`` maps a column to ``{"frontfill": "zero", "middlefill_value": "0", ...}`` and
    ``aggregation`` maps a column to ``sum|avg|first|min|max`` (``Transformations``);
    ``holiday_country_code`` is a two-letter code (``HolidayConfig``).
    """
    prefix = "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig"
    body = {
        "ForecastFrequency": forecast_frequency,
        "ForecastHorizon": as_int(f"{prefix}.ForecastHorizon", forecast_horizon),
        "ForecastQuantiles": as_str_list(f"{prefix}.ForecastQuantiles", forecast_quantiles),
        "TimeSeriesConfig": {
            "TargetAttributeName": target_attribute,
            "TimestampAttributeName": timestamp_attribute,
            "ItemIdentifierAttributeName": item_identifier_attribute,
            "GroupingAttributeNames": as_str_list(
                f"{prefix}.TimeSeriesConfig.GroupingAttributeNames", grouping_attributes
            ),
        },
        "Transformations": {
            "Filling": as_mapping(f"{prefix}.Transformations.Filling", filling),
            "Aggregation": as_mapping(f"{prefix}.Transformations.Aggregation", aggregation),
        },
        "HolidayConfig": [{"CountryCode": holiday_country_code}]
        if holiday_country_code is not None
        else None,
        "CompletionCriteria": completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
        "FeatureSpecificationS3Uri": feature_specification_s3_uri,
        "CandidateGenerationConfig": {
            "AlgorithmsConfig": algorithms_config(
                f"{prefix}.CandidateGenerationConfig.AlgorithmsConfig", algorithms
            )
        },
    }
    return {"TimeSeriesForecastingJobConfig": compact(body)}


def text_classification_config(
    *,
    content_column: str,
    target_label_column: str,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"TextClassificationJobConfig": {...}}``."""
    prefix = "AutoMLProblemTypeConfig.TextClassificationJobConfig"
    body = {
        "ContentColumn": content_column,
        "TargetLabelColumn": target_label_column,
        "CompletionCriteria": completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
    }
    return {"TextClassificationJobConfig": compact(body)}


def image_classification_config(
    *,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"ImageClassificationJobConfig": {...}}`` (labels come from the channel's manifest)."""
    prefix = "AutoMLProblemTypeConfig.ImageClassificationJobConfig"
    body = {
        "CompletionCriteria": completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        )
    }
    return {"ImageClassificationJobConfig": compact(body)}


def text_generation_config(
    *,
    base_model_name: str | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    accept_eula: bool | str | None = None,
    max_candidates: int | str | None = None,
    max_runtime_per_training_job: int | str | None = None,
    max_job_runtime: int | str | None = None,
) -> dict[str, Any]:
    """``{"TextGenerationJobConfig": {...}}`` (LLM fine-tuning).

    ``hyperparameters`` (``epochCount``, ``batchSize``, ``learningRate``,
    ``learningRateWarmupSteps``) are sent as strings: numbers given here are converted with
    ``str()``. ``accept_eula`` fills ``ModelAccessConfig.AcceptEula`` (gated models need True).
    """
    prefix = "AutoMLProblemTypeConfig.TextGenerationJobConfig"
    params: dict[str, Any] | None = None
    if hyperparameters is not None:
        params = {}
        for key, value in (
            as_mapping(f"{prefix}.TextGenerationHyperParameters", hyperparameters) or {}
        ).items():
            if isinstance(value, bool):
                raise AutoMLValidationError(
                    f"{prefix}.TextGenerationHyperParameters[{key!r}]", value, "Expected a number."
                )
            params[key] = str(value) if isinstance(value, (int, float)) else value
    eula = as_bool(f"{prefix}.ModelAccessConfig.AcceptEula", accept_eula)
    body = {
        "BaseModelName": base_model_name,
        "TextGenerationHyperParameters": params,
        "ModelAccessConfig": {"AcceptEula": eula},
        "CompletionCriteria": completion_criteria(
            max_candidates,
            max_runtime_per_training_job,
            max_job_runtime,
            prefix=f"{prefix}.CompletionCriteria",
        ),
    }
    return {"TextGenerationJobConfig": compact(body)}
