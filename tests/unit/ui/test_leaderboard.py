"""Leaderboard rows: ranked on the objective in its direction, every CandidateMetrics entry a column."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from airflow_provider_automl.jobs import Candidate
from airflow_provider_automl.ui.leaderboard import container_count, leaderboard, metric_columns, number
from tests.unit.conftest import T0, make_candidate


def candidate(name: str, value: float | None, *, kind: str = "Maximize", **overrides: Any) -> Candidate:
    data = make_candidate(name, value=value if value is not None else 0.0, **overrides)
    data["FinalAutoMLJobObjectiveMetric"]["Type"] = kind
    if value is None:
        del data["FinalAutoMLJobObjectiveMetric"]
    return Candidate.from_response(data)


@pytest.mark.parametrize(("kind", "order"), [("Maximize", ["b", "c", "a"]), ("Minimize", ["a", "c", "b"])])
def test_rows_are_ranked_best_first_in_the_objectives_direction(kind: str, order: list[str]) -> None:
    board = leaderboard(
        [candidate("a", 0.2, kind=kind), candidate("b", 0.9, kind=kind), candidate("c", 0.5, kind=kind)],
        best_name=order[0],
    )
    assert [row["name"] for row in board["rows"]] == order
    assert [row["rank"] for row in board["rows"]] == [1, 2, 3]
    assert [row["best"] for row in board["rows"]] == [True, False, False]
    assert board["objective"] == {"name": "F1", "type": kind}


def test_unscored_candidates_come_last_without_a_rank() -> None:
    failed = candidate("failed", None, status="Failed", FailureReason="AlgorithmError: OOM")
    board = leaderboard([failed, candidate("ok", 0.8)], objective_name="F1")
    assert [(r["name"], r["rank"], r["objective"]) for r in board["rows"]] == [
        ("ok", 1, 0.8),
        ("failed", None, None),
    ]
    assert board["rows"][1]["status"] == "Failed"
    assert board["rows"][1]["failure_reason"] == "AlgorithmError: OOM"


def test_objective_name_comes_from_the_job_when_no_candidate_is_scored() -> None:
    board = leaderboard([candidate("running", None, status="InProgress")], objective_name="MSE")
    assert board["objective"] == {"name": "MSE", "type": None}


def test_every_candidate_metric_is_a_column_and_a_metric_in_several_sets_gets_one_per_set() -> None:
    metrics = [
        {"MetricName": "F1", "Value": 0.9, "Set": "Validation"},
        {"MetricName": "F1", "Value": 0.95, "Set": "Train"},
        {"MetricName": "AUC", "Value": 0.97, "Set": "Validation"},
        {"StandardMetricName": "LogLoss", "Value": 0.2, "Set": "Validation"},  # not in AutoMLMetricEnum
    ]
    data = make_candidate("a")
    data["CandidateProperties"]["CandidateMetrics"] = metrics
    other = make_candidate("b", value=0.8)
    other["CandidateProperties"]["CandidateMetrics"] = [{"MetricName": "LogLoss", "Value": 0.3}]
    candidates = [Candidate.from_response(data), Candidate.from_response(other)]
    assert [c["key"] for c in metric_columns(candidates)] == [
        "F1 (Validation)",
        "F1 (Train)",
        "AUC",
        "LogLoss (Validation)",
        "LogLoss",
    ]
    rows = leaderboard(candidates)["rows"]
    assert rows[0]["metrics"] == {
        "F1 (Validation)": 0.9,
        "F1 (Train)": 0.95,
        "AUC": 0.97,
        "LogLoss (Validation)": 0.2,
    }
    assert rows[1]["metrics"] == {"LogLoss": 0.3}


def test_training_time_and_containers() -> None:
    row = leaderboard([candidate("a", 0.5)])["rows"][0]
    assert row["training_seconds"] == 40 * 60  # make_candidate: CreationTime T0, EndTime T0 + 40 min
    assert row["containers"] == 2
    assert row["creation_time"] == T0.isoformat()
    running = Candidate(name="r", creation_time=T0, end_time=None)
    assert leaderboard([running])["rows"][0]["training_seconds"] is None


def test_container_count_falls_back_to_the_largest_container_definition() -> None:
    data = make_candidate("a", definitions=True)
    data["InferenceContainers"] = []
    assert container_count(Candidate.from_response(data)) == 2
    assert container_count(Candidate(name="none")) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1.0),
        (0.5, 0.5),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        ("0.5", None),
        (None, None),
    ],
)
def test_numbers_are_finite_floats_or_none(value: Any, expected: float | None) -> None:
    assert number(value) == expected


def test_rows_are_json_safe() -> None:
    import json

    nan = make_candidate("nan")
    nan["CandidateProperties"]["CandidateMetrics"] = [{"MetricName": "F1", "Value": float("nan")}]
    board = leaderboard([Candidate.from_response(nan), candidate("x", 0.1)])
    json.dumps(board, allow_nan=False)
    assert dt.datetime.fromisoformat(board["rows"][0]["end_time"]) > T0
