"""ListAutoMLJobs and ListCandidatesForAutoMLJob: filters, sorting and pagination as documented."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import tabular_v2_request, unique

pytestmark = pytest.mark.integration


def all_pages(call: Any, key: str, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    token = None
    while True:
        response = call(**kwargs, **({"NextToken": token} if token else {}))
        items.extend(response[key])
        pages += 1
        token = response.get("NextToken")
        if not token:
            return items, pages


@pytest.fixture(scope="module")
def listed_jobs(sagemaker, wait_for_job, breast_cancer_uri) -> dict[str, Any]:
    """Four jobs sharing a prefix; definitions only, so they end fast (CandidateDefinitionsGenerated)."""
    prefix = unique("it-list")
    names = []
    for suffix in ("b", "d", "a", "c"):
        name = f"{prefix}-{suffix}"
        sagemaker.create_auto_ml_job_v2(
            **tabular_v2_request(
                name, breast_cancer_uri, Mode="HYPERPARAMETER_TUNING", GenerateCandidateDefinitionsOnly=True
            )
        )
        names.append(name)
        time.sleep(0.01)  # distinct creation times
    jobs = [wait_for_job(name) for name in names]
    return {"prefix": prefix, "names": names, "jobs": jobs}


def test_definitions_only_jobs_end_candidate_definitions_generated(sagemaker, listed_jobs):
    for job in listed_jobs["jobs"]:
        assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == (
            "Completed",
            "CandidateDefinitionsGenerated",
        )
        assert "CandidateDefinitionNotebookLocation" in job["AutoMLJobArtifacts"]
        assert "BestCandidate" not in job
        assert (
            sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=job["AutoMLJobName"])["Candidates"] == []
        )


def test_list_jobs_default_sort_is_name_descending_and_pages(sagemaker, listed_jobs):
    prefix = listed_jobs["prefix"]
    summaries, pages = all_pages(
        sagemaker.list_auto_ml_jobs, "AutoMLJobSummaries", NameContains=prefix, MaxResults=3
    )

    assert [s["AutoMLJobName"] for s in summaries] == sorted(listed_jobs["names"], reverse=True)
    assert pages == 2
    assert {s["AutoMLJobStatus"] for s in summaries} == {"Completed"}


@pytest.mark.parametrize(
    ("sort_by", "sort_order", "key", "reverse"),
    [
        ("Name", "Ascending", "AutoMLJobName", False),
        ("CreationTime", "Ascending", "CreationTime", False),
        ("CreationTime", "Descending", "CreationTime", True),
    ],
)
def test_list_jobs_sorting(sagemaker, listed_jobs, sort_by, sort_order, key, reverse):
    summaries, _ = all_pages(
        sagemaker.list_auto_ml_jobs,
        "AutoMLJobSummaries",
        NameContains=listed_jobs["prefix"],
        SortBy=sort_by,
        SortOrder=sort_order,
        MaxResults=1,
    )

    values = [s[key] for s in summaries]
    assert values == sorted(values, reverse=reverse)
    assert len(values) == 4
    if sort_by == "CreationTime":
        assert [s["AutoMLJobName"] for s in summaries][:: -1 if reverse else 1] == listed_jobs["names"]


def test_list_jobs_name_contains_is_case_insensitive_and_status_filters(sagemaker, listed_jobs):
    prefix = listed_jobs["prefix"]
    upper = sagemaker.list_auto_ml_jobs(NameContains=prefix.upper(), MaxResults=100)["AutoMLJobSummaries"]
    failed = sagemaker.list_auto_ml_jobs(NameContains=prefix, StatusEquals="Failed")["AutoMLJobSummaries"]
    completed = sagemaker.list_auto_ml_jobs(NameContains=prefix, StatusEquals="Completed", MaxResults=100)

    assert len(upper) == 4
    assert failed == []
    assert len(completed["AutoMLJobSummaries"]) == 4


def test_list_jobs_time_filters(sagemaker, listed_jobs):
    prefix = listed_jobs["prefix"]
    jobs = sorted(listed_jobs["jobs"], key=lambda j: j["CreationTime"])
    second = jobs[1]["CreationTime"]

    after = sagemaker.list_auto_ml_jobs(NameContains=prefix, CreationTimeAfter=second, MaxResults=100)
    before = sagemaker.list_auto_ml_jobs(NameContains=prefix, CreationTimeBefore=second, MaxResults=100)
    assert {s["AutoMLJobName"] for s in after["AutoMLJobSummaries"]} == {j["AutoMLJobName"] for j in jobs[2:]}
    assert {s["AutoMLJobName"] for s in before["AutoMLJobSummaries"]} == {jobs[0]["AutoMLJobName"]}

    latest = max(j["LastModifiedTime"] for j in jobs)
    unchanged = sagemaker.list_auto_ml_jobs(NameContains=prefix, LastModifiedTimeAfter=latest)
    modified_before = sagemaker.list_auto_ml_jobs(
        NameContains=prefix, LastModifiedTimeBefore=datetime.now(timezone.utc), MaxResults=100
    )
    assert unchanged["AutoMLJobSummaries"] == []
    assert len(modified_before["AutoMLJobSummaries"]) == 4


def test_last_modified_time_moves_with_every_status_change(sagemaker, wait_for_job, breast_cancer_uri):
    """Triggers poll ListAutoMLJobs(LastModifiedTimeAfter=last seen): each transition must show up."""
    name = unique("it-lmt")
    sagemaker.create_auto_ml_job_v2(
        **tabular_v2_request(name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)
    )
    created = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    job = wait_for_job(name)

    assert job["LastModifiedTime"] > created["CreationTime"]
    changed = sagemaker.list_auto_ml_jobs(LastModifiedTimeAfter=created["CreationTime"], NameContains=name)
    assert [s["AutoMLJobName"] for s in changed["AutoMLJobSummaries"]] == [name]
    summary = changed["AutoMLJobSummaries"][0]
    assert summary["AutoMLJobSecondaryStatus"] == "CandidateDefinitionsGenerated"
    assert summary["LastModifiedTime"] == job["LastModifiedTime"]
    assert "EndTime" in summary


def test_list_candidates_pagination_and_sorting(sagemaker, hpo_job):
    name = hpo_job["AutoMLJobName"]
    by_metric, pages = all_pages(
        sagemaker.list_candidates_for_auto_ml_job,
        "Candidates",
        AutoMLJobName=name,
        SortBy="FinalObjectiveMetricValue",
        SortOrder="Descending",
        MaxResults=4,
    )

    assert pages == 2
    assert len(by_metric) == 6
    values = [c["FinalAutoMLJobObjectiveMetric"]["Value"] for c in by_metric]
    assert values == sorted(values, reverse=True)
    assert (
        by_metric[0]["FinalAutoMLJobObjectiveMetric"]["Value"]
        == (hpo_job["BestCandidate"]["FinalAutoMLJobObjectiveMetric"]["Value"])
    )
    by_time, _ = all_pages(
        sagemaker.list_candidates_for_auto_ml_job, "Candidates", AutoMLJobName=name, MaxResults=5
    )
    times = [c["CreationTime"] for c in by_time]
    assert times == sorted(times)  # default: ascending
    ascending = sagemaker.list_candidates_for_auto_ml_job(
        AutoMLJobName=name, SortBy="FinalObjectiveMetricValue", SortOrder="Ascending", MaxResults=100
    )["Candidates"]
    assert [c["FinalAutoMLJobObjectiveMetric"]["Value"] for c in ascending] == sorted(values)


def test_list_candidates_filters(sagemaker, hpo_job):
    name = hpo_job["AutoMLJobName"]
    best = hpo_job["BestCandidate"]["CandidateName"]

    by_name = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, CandidateNameEquals=best)
    completed = sagemaker.list_candidates_for_auto_ml_job(
        AutoMLJobName=name, StatusEquals="Completed", MaxResults=50
    )
    failed = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, StatusEquals="Failed")
    by_status = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name, SortBy="Status", MaxResults=50)

    assert [c["CandidateName"] for c in by_name["Candidates"]] == [best]
    assert len(completed["Candidates"]) == 6
    assert failed["Candidates"] == []
    statuses = [c["CandidateStatus"] for c in by_status["Candidates"]]
    assert statuses == sorted(statuses)
