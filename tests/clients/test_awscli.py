"""The AWS CLI v1 (``aws sagemaker ...``) against the local backend, from its own venv."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from automl_local.process import LocalBackendProcess
from tests.clients.harness import BUCKET, ROLE_ARN, ClientVenv, ProxyTrap, client_env

pytestmark = [pytest.mark.clients, pytest.mark.slow]

TERMINAL = ("Completed", "Failed", "Stopped")
TAGS = [{"Key": "client", "Value": "awscli"}, {"Key": "team", "Value": "ml-platform"}]


@dataclass
class Aws:
    venv: ClientVenv
    env: dict[str, str]
    endpoint: str
    work: Path
    trap: ProxyTrap
    hits_before: int

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.venv.bin("aws"), "--endpoint-url", self.endpoint, "--output", "json", "sagemaker", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"aws sagemaker {' '.join(args)}: {done.returncode}\n{done.stderr}"
        return done

    def json(self, *args: str) -> dict[str, Any]:
        out = self.run(*args).stdout
        return json.loads(out) if out.strip() else {}

    def create_v2(self, request: dict[str, Any]) -> str:
        path = self.work / f"{request['AutoMLJobName']}.json"
        path.write_text(json.dumps(request))
        return str(self.json("create-auto-ml-job-v2", "--cli-input-json", f"file://{path}")["AutoMLJobArn"])


@pytest.fixture(scope="module")
def aws(
    client_venv: Any, backend: LocalBackendProcess, trap: ProxyTrap, tmp_path_factory: pytest.TempPathFactory
) -> Aws:
    venv = client_venv("awscli")
    home = tmp_path_factory.mktemp("awscli-home")
    return Aws(venv, client_env(home, trap, venv), backend.url, home, trap, len(trap.hits))


def request(name: str, uri: str, **tabular: Any) -> dict[str, Any]:
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "ContentType": "text/csv;header=present",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/awscli/"},
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "target", **tabular}},
        "RoleArn": ROLE_ARN,
    }


def wait_terminal(sagemaker: Any, names: list[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        for name in sorted(pending):
            if sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)["AutoMLJobStatus"] in TERMINAL:
                pending.discard(name)
        assert time.monotonic() < deadline, f"still running after {timeout}s: {pending}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def jobs(
    aws: Aws, boto_clients: dict[str, Any], training_data: dict[str, str], run_id: str
) -> dict[str, Any]:
    """Five jobs created with the CLI under one prefix: one trained, one stopped, three that only
    generate candidate definitions (they end in a second, so listing has more jobs than a page)."""
    prefix = f"cli-{run_id}"
    uri = training_data["uri"]
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    trained = f"{prefix}-trained"
    arn = aws.create_v2(
        {
            **request(trained, uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 3}),
            "Tags": TAGS,
        }
    )
    stopped = f"{prefix}-stopped"
    aws.create_v2(
        request(stopped, uri, Mode="HYPERPARAMETER_TUNING", CompletionCriteria={"MaxCandidates": 50})
    )
    stop = aws.run("stop-auto-ml-job", "--auto-ml-job-name", stopped)
    definitions = [f"{prefix}-defs-{i}" for i in range(3)]
    for name in definitions:
        aws.create_v2(request(name, uri, GenerateCandidateDefinitionsOnly=True))
    names = [trained, stopped, *definitions]
    wait_terminal(boto_clients["sagemaker"], names)
    return {
        "prefix": prefix,
        "started": started.isoformat(),
        "trained": trained,
        "arn": arn,
        "stopped": stopped,
        "stop_output": stop.stdout,
        "names": sorted(names),
    }


def test_cli_version_is_v1(aws: Aws) -> None:
    assert aws.venv.version("awscli").startswith("1.")


def test_create_from_cli_input_json_and_describe(aws: Aws, jobs: dict[str, Any]) -> None:
    described = aws.json("describe-auto-ml-job-v2", "--auto-ml-job-name", jobs["trained"])
    assert described["AutoMLJobArn"] == jobs["arn"]
    assert described["AutoMLJobStatus"] == "Completed"
    assert described["AutoMLProblemTypeConfigName"] == "Tabular"
    best = described["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] > 0.6
    assert [c["ModelDataUrl"].startswith(f"s3://{BUCKET}/awscli/") for c in best["InferenceContainers"]] == [
        True
    ] * len(best["InferenceContainers"])


def test_describe_v1_of_a_v2_tabular_job(aws: Aws, jobs: dict[str, Any]) -> None:
    v2 = aws.json("describe-auto-ml-job-v2", "--auto-ml-job-name", jobs["trained"])
    v1 = aws.json("describe-auto-ml-job", "--auto-ml-job-name", jobs["trained"])
    assert v1["AutoMLJobStatus"] == "Completed"
    assert v1["InputDataConfig"][0]["TargetAttributeName"] == "target"
    assert v1["AutoMLJobConfig"]["Mode"] == "HYPERPARAMETER_TUNING"
    assert v1["BestCandidate"]["CandidateName"] == v2["BestCandidate"]["CandidateName"]


def test_list_jobs_filters_by_creation_time(aws: Aws, jobs: dict[str, Any]) -> None:
    base = ("list-auto-ml-jobs", "--name-contains", jobs["prefix"], "--creation-time-after")
    since_start = aws.json(*base, jobs["started"])["AutoMLJobSummaries"]
    assert sorted(j["AutoMLJobName"] for j in since_start) == jobs["names"]
    later = (datetime.now(timezone.utc) + timedelta(seconds=5)).isoformat()
    assert aws.json(*base, later)["AutoMLJobSummaries"] == []


def test_list_candidates_sorted(aws: Aws, jobs: dict[str, Any]) -> None:
    listed = aws.json(
        "list-candidates-for-auto-ml-job",
        "--auto-ml-job-name",
        jobs["trained"],
        "--sort-by",
        "FinalObjectiveMetricValue",
        "--sort-order",
        "Descending",
    )["Candidates"]
    values = [c["FinalAutoMLJobObjectiveMetric"]["Value"] for c in listed]
    assert len(values) == 3
    assert values == sorted(values, reverse=True)
    first = aws.json(
        "list-candidates-for-auto-ml-job",
        "--auto-ml-job-name",
        jobs["trained"],
        "--sort-by",
        "FinalObjectiveMetricValue",
        "--sort-order",
        "Descending",
        "--max-items",
        "1",
    )
    assert [c["CandidateName"] for c in first["Candidates"]] == [listed[0]["CandidateName"]]
    assert first["NextToken"]


def test_list_jobs_paginates_over_every_job_exactly_once(aws: Aws, jobs: dict[str, Any]) -> None:
    base = (
        "list-auto-ml-jobs",
        "--name-contains",
        jobs["prefix"],
        "--sort-by",
        "Name",
        "--sort-order",
        "Ascending",
    )
    # The CLI follows NextToken by itself: pages of 2 service results, 5 jobs, one answer.
    auto = aws.json(*base, "--page-size", "2")
    assert [j["AutoMLJobName"] for j in auto["AutoMLJobSummaries"]] == jobs["names"]
    assert "NextToken" not in auto
    # A user paging by hand: --max-items with --starting-token, cutting across service pages.
    seen: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        extra = ("--starting-token", token) if token else ()
        page = aws.json(*base, "--page-size", "2", "--max-items", "3", *extra)
        pages += 1
        seen += [j["AutoMLJobName"] for j in page["AutoMLJobSummaries"]]
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 10, "pagination does not end"
    assert seen == jobs["names"]
    assert pages == 2


def test_stop_a_running_job(aws: Aws, jobs: dict[str, Any]) -> None:
    assert jobs["stop_output"].strip() == ""  # StopAutoMLJob answers an empty body
    described = aws.json("describe-auto-ml-job-v2", "--auto-ml-job-name", jobs["stopped"])
    assert described["AutoMLJobStatus"] == "Stopped"
    assert described["AutoMLJobSecondaryStatus"] == "Stopped"


def test_stopping_a_completed_job_is_a_validation_error(aws: Aws, jobs: dict[str, Any]) -> None:
    done = aws.run("stop-auto-ml-job", "--auto-ml-job-name", jobs["trained"], check=False)
    assert done.returncode != 0
    assert "ValidationException" in done.stderr
    assert "StopAutoMLJob" in done.stderr


def test_list_tags_of_the_job(aws: Aws, jobs: dict[str, Any]) -> None:
    listed = aws.json("list-tags", "--resource-arn", jobs["arn"])
    assert sorted(listed["Tags"], key=lambda t: t["Key"]) == TAGS


def test_unknown_job_is_resource_not_found(aws: Aws, run_id: str) -> None:
    done = aws.run("describe-auto-ml-job-v2", "--auto-ml-job-name", f"cli-{run_id}-missing", check=False)
    assert done.returncode != 0
    assert "ResourceNotFound" in done.stderr


def test_the_cli_reached_nothing_but_the_backend(aws: Aws, jobs: dict[str, Any]) -> None:
    assert aws.trap.hits[aws.hits_before :] == []
