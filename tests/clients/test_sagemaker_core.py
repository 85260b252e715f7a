"""sagemaker-core 1.x and 2.x (AutoMLJob, AutoMLJobV2, Model resources) against the local backend."""

from __future__ import annotations

from typing import Any

import pytest

from automl_local.process import LocalBackendProcess
from tests.clients.harness import BUCKET, REGION, ROLE_ARN, ProxyTrap, ScriptResult, client_env, run_script

pytestmark = [pytest.mark.clients, pytest.mark.slow]


@pytest.fixture(scope="module", params=["sagemaker-core-1", "sagemaker-core-2"])
def core(
    request: pytest.FixtureRequest,
    client_venv: Any,
    backend: LocalBackendProcess,
    trap: ProxyTrap,
    training_data: dict[str, str],
    run_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> ScriptResult:
    venv = client_venv(request.param)
    major = request.param.rsplit("-", 1)[1]
    home = tmp_path_factory.mktemp(f"core{major}-home")
    # sagemaker-core takes a boto3 Session; a profile carries the endpoint (and, being named, its own
    # dummy keys: botocore skips env credentials for an explicit profile). "elsewhere" points at a port
    # nothing listens on, to see whether a second session is honoured.
    keys = "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    aws_config = home / "aws-config"
    aws_config.write_text(
        f"[profile automl-local]\nregion = {REGION}\nendpoint_url = {backend.url}\n{keys}\n"
        f"[profile elsewhere]\nregion = {REGION}\nendpoint_url = http://127.0.0.1:9\nmax_attempts = 1\n{keys}"
    )
    env = client_env(home, trap, venv, {"AWS_CONFIG_FILE": str(aws_config)})
    hits_before = len(trap.hits)
    prefix = f"core{major}-{run_id}"
    names = {"v1": f"{prefix}-v1", "v2": f"{prefix}-v2", "stop": f"{prefix}-stop", "model": f"{prefix}-model"}
    result = run_script(
        venv,
        "core_client.py",
        {
            "region": REGION,
            "bucket": BUCKET,
            "role_arn": ROLE_ARN,
            "train_uri": training_data["uri"],
            "names": names,
            "prefix": prefix,
        },
        env,
    )
    result.data.update(names=names, major=major, trap_hits=trap.hits[hits_before:])
    return result


def assert_usable(best: dict[str, Any]) -> None:
    assert best["status"] == "Completed"
    assert best["objective"] > 0.6
    assert best["containers"]
    for container in best["containers"]:
        assert container["image"]
        assert container["model_data_url"].startswith(f"s3://{BUCKET}/")


def test_version_is_the_major_asked_for(core: ScriptResult) -> None:
    assert core.data["version"].split(".")[0] == core.data["major"]


def test_automljob_create_and_wait(core: ScriptResult) -> None:
    done = core.step("v1_create_wait")
    assert done["status_after_create"] == "InProgress"
    assert done["status"] == "Completed"
    assert done["problem_type"] == "BinaryClassification"
    assert_usable(done["best"])


def test_automljob_candidates_sorted_and_filtered(core: ScriptResult) -> None:
    best = core.step("v1_create_wait")["best"]
    listed = core.step("v1_candidates")
    ranked = [c["objective"] for c in listed["by_objective_desc"]]
    assert len(ranked) == 3
    assert ranked == sorted(ranked, reverse=True)
    assert listed["by_objective_desc"][0]["name"] == best["name"]
    assert {c["status"] for c in listed["completed"]} == {"Completed"}
    assert [c["name"] for c in listed["named_best"]] == [best["name"]]


def test_model_create_from_the_best_candidate(core: ScriptResult) -> None:
    best = core.step("v1_create_wait")["best"]
    created = core.step("model_from_best")
    assert created["model"] == core.data["names"]["model"]
    assert created["arn"].endswith(f"model/{created['model']}")
    assert created["containers"] == [
        {"image": c["image"], "model_data_url": c["model_data_url"]} for c in best["containers"]
    ]


def test_automljobv2_create_and_wait(core: ScriptResult) -> None:
    done = core.step("v2_create_wait")
    assert done["status"] == "Completed"
    assert done["problem_config"] == "Tabular"
    assert_usable(done["best"])
    ranked = [c["objective"] for c in done["by_objective_asc"]]
    assert ranked == sorted(ranked)
    assert done["by_objective_asc"][-1]["name"] == done["best"]["name"]


def test_get_all_lists_this_runs_jobs(core: ScriptResult) -> None:
    listed = core.step("list_jobs")["jobs"]
    names = core.data["names"]
    assert listed == sorted(
        [[names["v1"], "Completed"], [names["v2"], "Completed"], [names["stop"], "Stopped"]]
    )


def test_automljob_stop(core: ScriptResult) -> None:
    """sagemaker-core 1.x: AutoMLJob.stop() raises AttributeError ('SageMakerClient' object has no
    attribute 'client') before any request; a client bug. Workaround: StopAutoMLJob with a boto3 client
    of the same session. 2.x stops the job."""
    if core.data["major"] == "1":
        step = core.data["steps"]["stop"]
        assert not step["ok"]
        assert "AttributeError" in step["error"]
        assert "has no attribute 'client'" in step["error"]
        assert core.step("stop_workaround")["status"] == "Stopped"
    else:
        assert core.step("stop")["status"] == "Stopped"


def test_a_second_session_is_honoured(core: ScriptResult) -> None:
    """sagemaker-core 1.x keeps ONE process-wide SageMakerClient (a singleton): the session passed to
    ``get``/``create`` after the first is silently ignored, so a call meant for another endpoint or
    account answers from the first one. 2.x caches clients per session and honours it."""
    step = core.step("other_session")
    if core.data["major"] == "1":
        assert not step["used"], "sagemaker-core 1.x now honours a second session: update the docs"
        assert step["answered_status"] == "Completed"
    else:
        assert step["used"], step
        assert "Could not connect" in step["error"]


def test_core_reached_nothing_but_the_backend(core: ScriptResult) -> None:
    assert core.data["trap_hits"] == []


def test_no_core_step_failed_unexpectedly(core: ScriptResult) -> None:
    expected_failures = {"stop"} if core.data["major"] == "1" else set()
    failed = {
        name: step.get("error")
        for name, step in core.data["steps"].items()
        if not step["ok"] and name not in expected_failures
    }
    assert not failed, failed
