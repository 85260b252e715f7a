"""The Autopilot tables agree with the service model where it has the facts."""

from __future__ import annotations

from typing import Any

from airflow_provider_automl import requests as rq


def test_constant_tables_match_service_model(service_model: Any) -> None:
    metrics = set(service_model.shape_for("AutoMLMetricEnum").enum)
    for allowed in [*rq.ALLOWED_METRICS.values(), *rq.TABULAR_METRICS.values()]:
        assert set(allowed) <= metrics
    assert set(rq.TABULAR_METRICS) == set(service_model.shape_for("ProblemType").enum)
    assert set(rq.PROBLEM_TYPE_CONFIG_KEYS.values()) == set(
        service_model.shape_for("AutoMLProblemTypeConfig").members
    )
    assert set(rq.ALLOWED_CONTENT_TYPES) == set(rq.PROBLEM_TYPE_CONFIG_KEYS.values())
    assert set(rq.MAX_CANDIDATES_LIMIT) == set(rq.PROBLEM_TYPE_CONFIG_KEYS.values())
    assert (
        rq.MAX_CANDIDATES_LIMIT["TabularJobConfig"]
        == service_model.shape_for("MaxCandidates").metadata["max"]
    )
    algorithms = set(service_model.shape_for("AutoMLAlgorithm").enum)
    assert set().union(*rq.ALLOWED_ALGORITHMS.values()) == algorithms
    assert service_model.shape_for("AutoMLJobName").metadata["max"] == rq.JOB_NAME_MAX_LENGTH
    assert rq.JOB_NAME_PATTERN.pattern == service_model.shape_for("AutoMLJobName").metadata["pattern"]
