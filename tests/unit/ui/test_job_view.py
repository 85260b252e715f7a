"""One job's view, built through the hook against a stubbed real client (requests and responses
checked against botocore's model), and the packages a run registered from it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.stub import Stubber

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.ui import job_view
from airflow_provider_automl.ui.sources import RegisteredPackage, TaskJob, TaskRef
from tests.unit.conftest import (
    ACCOUNT,
    REGION,
    T0,
    make_candidate,
    make_describe_v2,
    make_sagemaker_client,
    validate_output,
)

JOB = "my-automl-job"
NOW = T0 + dt.timedelta(hours=2)


def candidates_response(*candidates: dict[str, Any]) -> dict[str, Any]:
    return validate_output("ListCandidatesForAutoMLJob", {"Candidates": list(candidates)})


def test_job_document_on_aws(stubbed_hook: tuple[Any, Stubber]) -> None:
    hook, stubber = stubbed_hook
    best = make_candidate("cand-best", value=0.93)
    stubber.add_response(
        "describe_auto_ml_job_v2", make_describe_v2(JOB, best_candidate=best), {"AutoMLJobName": JOB}
    )
    stubber.add_response(
        "list_candidates_for_auto_ml_job",
        candidates_response(
            make_candidate("cand-low", value=0.7), best, make_candidate("cand-mid", value=0.8)
        ),
        {"AutoMLJobName": JOB, "MaxResults": 100},
    )
    task = TaskJob(
        ref=TaskRef("dag", "run", "create"),
        job_name=JOB,
        params=AwsParams(aws_conn_id=None),
        start_date=T0 - dt.timedelta(seconds=5),
        end_date=T0 + dt.timedelta(hours=1, seconds=5),
    )
    doc = job_view.job_document(hook, JOB, now=NOW, task=task)
    json.dumps(doc, allow_nan=False)
    assert doc["job"]["status"] == "Completed" and doc["job"]["best_candidate"] == "cand-best"
    assert doc["job"]["problem_type"] == "BinaryClassification"
    assert doc["backend"] == {"kind": "aws", "region": REGION, "aws_domain": "aws.amazon.com"}
    assert (
        doc["console_url"]
        == f"https://console.aws.amazon.com/sagemaker/home?region={REGION}#/automl-jobs/{JOB}"
    )
    assert [r["name"] for r in doc["leaderboard"]["rows"]] == ["cand-best", "cand-mid", "cand-low"]
    assert doc["candidate_count"] == {"total": 3, "Completed": 3}
    assert doc["timeline"]["task"]["label"] == "Airflow task create"
    assert len(doc["best"]["containers"]) == 2
    explain = doc["best"]["artifacts"][0]
    assert explain["kind"] == "Explainability"
    assert (
        explain["console_url"]
        == "https://s3.console.aws.amazon.com/s3/buckets/bucket?prefix=output/cand-best/explainability"
    )


def test_on_the_local_backend_there_are_no_console_links(
    monkeypatch: pytest.MonkeyPatch, stubbed_hook: tuple[Any, Stubber]
) -> None:
    hook, stubber = stubbed_hook
    monkeypatch.setattr(job_view, "is_local_endpoint", lambda url: True)
    stubber.add_response("describe_auto_ml_job_v2", make_describe_v2(JOB), {"AutoMLJobName": JOB})
    stubber.add_response(
        "list_candidates_for_auto_ml_job",
        candidates_response(make_candidate()),
        {"AutoMLJobName": JOB, "MaxResults": 100},
    )
    doc = job_view.job_document(hook, JOB, now=NOW)
    assert doc["backend"]["kind"] == "local"
    assert doc["console_url"] is None
    assert {a["console_url"] for a in doc["best"]["artifacts"]} == {None}


def test_jobs_document_lists_the_newest_jobs_up_to_the_limit(stubbed_hook: tuple[Any, Stubber]) -> None:
    hook, stubber = stubbed_hook
    summaries = [
        {
            "AutoMLJobName": f"job-{n}",
            "AutoMLJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:automl-job/job-{n}",
            "AutoMLJobStatus": "Completed",
            "AutoMLJobSecondaryStatus": "Completed",
            "CreationTime": T0 - dt.timedelta(hours=n),
            "LastModifiedTime": T0,
        }
        for n in range(3)
    ]
    stubber.add_response(
        "list_auto_ml_jobs",
        validate_output("ListAutoMLJobs", {"AutoMLJobSummaries": summaries}),
        {"SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 2},
    )
    doc = job_view.jobs_document(hook, limit=2)
    assert [j["name"] for j in doc["jobs"]] == ["job-0", "job-1"]
    assert doc["jobs"][0]["creation_time"] == T0.isoformat()


def package(version: int, metadata: dict[str, str] | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "ModelPackageName": "churn",
        "ModelPackageGroupName": "churn",
        "ModelPackageVersion": version,
        "ModelPackageArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn/{version}",
        "CreationTime": T0,
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
        "ModelApprovalStatus": "Approved",
    }
    if metadata:
        response["CustomerMetadataProperties"] = metadata
    return validate_output("DescribeModelPackage", response)


def test_packages_registered_from_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_sagemaker_client()

    def build_hook(self: AwsParams, hook_class: type[Any]) -> Any:
        hook = hook_class(aws_conn_id=None, region_name=REGION)
        hook.__dict__["conn"] = client
        return hook

    monkeypatch.setattr(AwsParams, "build_hook", build_hook)
    ref = TaskRef("dag", "run", "register")
    packages = [
        RegisteredPackage(
            ref=ref,
            arn=package(1, None)["ModelPackageArn"],
            params=AwsParams(),
            job_name=JOB,
            candidate_name="cand-1",
        ),
        RegisteredPackage(
            ref=ref, arn=package(2, None)["ModelPackageArn"], params=AwsParams(), job_name=None
        ),
        RegisteredPackage(
            ref=ref, arn=package(3, None)["ModelPackageArn"], params=AwsParams(), job_name=None
        ),
        RegisteredPackage(
            ref=ref, arn=package(4, None)["ModelPackageArn"], params=AwsParams(), job_name="other-job"
        ),
    ]
    with Stubber(client) as stubber:
        for version, metadata in (
            (1, None),
            (2, {"AutoMLJobName": JOB, "CandidateName": "cand-2"}),
            (3, {"AutoMLJobName": "other"}),
        ):
            stubber.add_response(
                "describe_model_package",
                package(version, metadata),
                {"ModelPackageName": packages[version - 1].arn},
            )
        found = job_view.packages_document(packages, job_name=JOB)
        stubber.assert_no_pending_responses()
    assert [(p["version"], p["candidate"], p["approval_status"]) for p in found] == [
        (1, "cand-1", "Approved"),
        (2, "cand-2", "Approved"),
    ]
    assert found[0]["task"] == {"dag_id": "dag", "run_id": "run", "task_id": "register", "map_index": -1}
