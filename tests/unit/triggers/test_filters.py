"""The event trigger's filter: what it matches, and that its parse-time checks agree with the one
validator (which it passes on the triggerer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.jobs import AutoMLJob
from airflow_provider_automl.requests.validation import service_model, validate
from airflow_provider_automl.triggers.filters import END_STATUSES, PROBLEM_TYPES, JobFilter
from tests.unit.conftest import T0, job_arn, make_describe_v2


def summary(name: str, status: str = "Completed", created: dt.datetime = T0) -> dict[str, Any]:
    return {
        "AutoMLJobName": name,
        "AutoMLJobArn": job_arn(name),
        "AutoMLJobStatus": status,
        "AutoMLJobSecondaryStatus": status,
        "CreationTime": created,
        "LastModifiedTime": created + dt.timedelta(hours=1),
    }


def test_matches_names_case_insensitively_and_statuses() -> None:
    f = JobFilter.checked(name_prefix="Churn-", name_contains="NIGHTLY", statuses=["Completed", "Stopped"])
    assert f.matches(summary("churn-nightly-1"))
    assert f.matches(summary("CHURN-Nightly-2", "Stopped"))
    assert not f.matches(summary("churn-nightly-3", "Failed"))
    assert not f.matches(summary("churn-adhoc-4"))
    assert not f.matches(summary("x-churn-nightly-5"))
    assert not f.matches(summary("churn-nightly-6", "InProgress"))


def test_created_after_is_strictly_after() -> None:
    f = JobFilter.checked(created_after=T0)
    assert not f.matches(summary("at-the-instant", created=T0))
    assert f.matches(summary("just-after", created=T0 + dt.timedelta(seconds=1)))
    assert JobFilter.checked(created_after=T0.isoformat()).created_after == T0
    assert JobFilter.checked(created_after="2024-05-01T12:00:00Z").created_after == T0


def test_problem_type_is_checked_on_the_describe() -> None:
    f = JobFilter.checked(problem_types=["TimeSeriesForecasting", "Tabular"])
    tabular = AutoMLJob.from_describe(make_describe_v2("t"))
    text = AutoMLJob.from_describe(make_describe_v2("x", AutoMLProblemTypeConfigName="TextClassification"))
    assert f.accepts(tabular)
    assert not f.accepts(text)
    assert JobFilter.checked().accepts(text)  # no problem-type filter: any


def test_rendered_text_forms_are_accepted() -> None:
    f = JobFilter.checked(statuses='["Failed", "Stopped"]', problem_types="Tabular")
    assert f.statuses == ("Failed", "Stopped")
    assert f.problem_types == ("Tabular",)
    assert JobFilter.checked(statuses="Failed").statuses == ("Failed",)
    assert JobFilter.checked().statuses == ("Completed",)  # the default


@pytest.mark.parametrize(
    "fragment",
    ["churn", "churn-v2", "A-1", "x" * 63, "x" * 64, "churn_v2", "churn v2", "churn.", "ü", "-", "None", ""],
)
def test_name_checks_agree_with_the_one_validator(fragment: str) -> None:
    try:
        validate("ListAutoMLJobs", {"NameContains": fragment})
        allowed = True
    except AutoMLValidationError:
        allowed = False
    allowed = allowed and fragment not in ("", "None")  # unset template values are refused too
    try:
        JobFilter.checked(name_prefix=fragment)
        accepted = True
    except AutoMLValidationError:
        accepted = False
    assert accepted == allowed


def test_statuses_and_problem_types_are_the_apis() -> None:
    model = service_model()
    assert set(END_STATUSES) <= set(model.shape_for("AutoMLJobStatus").enum)
    assert set(END_STATUSES) == {"Completed", "Failed", "Stopped"}  # the terminal ones
    assert set(PROBLEM_TYPES) == set(model.shape_for("AutoMLProblemTypeConfigName").enum)


def test_validate_passes_the_filter_through_the_one_validator() -> None:
    f = JobFilter.checked(name_prefix="churn-", created_after=T0, statuses=["Completed", "Failed"])
    assert f.list_requests() == [
        {"NameContains": "churn-", "CreationTimeAfter": T0, "StatusEquals": "Completed"},
        {"NameContains": "churn-", "CreationTimeAfter": T0, "StatusEquals": "Failed"},
    ]
    f.validate()
