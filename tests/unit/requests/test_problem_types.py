"""Builders per problem type: every one, minimal and full, passes botocore's own validation."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_automl import requests as rq
from tests.unit.requests.common import OUT, PROBLEM_CONFIGS, ROLE, TRAIN, VALID, assert_botocore_accepts

OBJECTIVE_FOR = {"tabular-full": "AUC", "tabular-hpo": "RMSE"}
CONTENT_TYPE_FOR = {
    "TabularJobConfig": rq.CSV,
    "TimeSeriesForecastingJobConfig": rq.PARQUET,
    "TextClassificationJobConfig": rq.CSV,
    "ImageClassificationJobConfig": "image/*",
    "TextGenerationJobConfig": rq.CSV,
}


@pytest.mark.parametrize("name", sorted(PROBLEM_CONFIGS))
def test_v2_builders_validate_against_botocore(service_model: Any, name: str) -> None:
    config = PROBLEM_CONFIGS[name]()
    (config_key,) = config
    validation = None if config_key == "TimeSeriesForecastingJobConfig" else VALID
    request = rq.build_v2_request(
        job_name=f"job-{name}"[:32],
        input_data_config=rq.input_channels(
            TRAIN, validation=validation, content_type=CONTENT_TYPE_FOR[config_key]
        ),
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=config,
        objective_metric=OBJECTIVE_FOR.get(name),
        tags={"team": "ml", "cost-center": "42"},
    )
    assert request["AutoMLProblemTypeConfig"] == config
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")
