"""The amazon provider's SageMakerAutoMLOperator and SageMakerAutoMLSensor through ``airflow dags test``.

Runs in the main venv: apache-airflow-providers-amazon is a dependency of this provider.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_automl.dagtest import run_dag_test
from automl_local.process import LocalBackendProcess
from tests.clients.harness import BUCKET, ProxyTrap

pytestmark = [pytest.mark.clients, pytest.mark.slow]

DAGS = Path(__file__).resolve().parent / "dags"
DAG_ID = "clients_amazon_automl"


@pytest.fixture(scope="module")
def dag_run(
    backend: LocalBackendProcess,
    trap: ProxyTrap,
    training_data: dict[str, str],
    run_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("amazon-provider")
    prefix = f"amzn-{run_id}"
    hits_before = len(trap.hits)
    result = run_dag_test(
        DAG_ID,
        dags_folder=DAGS,
        backend_url=backend.url,
        work_dir=work,
        env={
            "AUTOML_CLIENTS_PREFIX": prefix,
            "AUTOML_CLIENTS_TRAIN_URI": training_data["uri"],
            "AUTOML_CLIENTS_OUTPUT": f"s3://{BUCKET}/amazon-provider/",
            # Only the connection's endpoint may be reached; anything else hits the trap.
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            "HTTP_PROXY": trap.url,
            "HTTPS_PROXY": trap.url,
            "NO_PROXY": "127.0.0.1,localhost",
        },
    )
    with sqlite3.connect(work / "airflow-home" / "airflow.db") as db:
        states = dict(db.execute("SELECT task_id, state FROM task_instance").fetchall())
        xcom = {
            task_id: value
            for task_id, value in db.execute(
                "SELECT task_id, value FROM xcom WHERE key = 'return_value'"
            ).fetchall()
        }
    return {
        "result": result,
        "states": states,
        "xcom": xcom,
        "prefix": prefix,
        "trap_hits": trap.hits[hits_before:],
    }


def describe(boto_clients: dict[str, Any], name: str) -> dict[str, Any]:
    return boto_clients["sagemaker"].describe_auto_ml_job(AutoMLJobName=name)


def test_the_dag_run_succeeds(dag_run: dict[str, Any]) -> None:
    assert dag_run["result"].succeeded, dag_run["result"].output[-6000:]


def test_operator_waits_and_returns_the_best_candidate(
    dag_run: dict[str, Any], boto_clients: dict[str, Any]
) -> None:
    assert dag_run["states"]["automl_wait"] == "success"
    job = describe(boto_clients, f"{dag_run['prefix']}-wait")
    assert job["AutoMLJobStatus"] == "Completed"
    best = job["BestCandidate"]
    assert all(c["ModelDataUrl"].startswith(f"s3://{BUCKET}/") for c in best["InferenceContainers"])
    returned = dag_run["xcom"]["automl_wait"]
    returned = json.loads(returned) if isinstance(returned, (str, bytes)) else returned
    assert best["CandidateName"] in json.dumps(returned)
    assert "InferenceContainers" in json.dumps(returned)


def test_operator_drops_time_limit_when_extras_set_automl_job_config(
    dag_run: dict[str, Any], boto_clients: dict[str, Any]
) -> None:
    """Client bug: SageMakerHook.create_auto_ml_job puts time_limit into AutoMLJobConfig, then
    ``params.update(extras)`` replaces that whole key. Workaround: put
    CompletionCriteria.MaxAutoMLJobRuntimeInSeconds in extras yourself."""
    job = describe(boto_clients, f"{dag_run['prefix']}-wait")
    criteria = job["AutoMLJobConfig"]["CompletionCriteria"]
    assert criteria.get("MaxCandidates") == 2
    assert "MaxAutoMLJobRuntimeInSeconds" not in criteria  # the DAG asked for time_limit=900


def test_endpoint_operator_deploys_the_best_candidate_and_it_answers(
    dag_run: dict[str, Any], boto_clients: dict[str, Any]
) -> None:
    """SageMakerEndpointOperator creates model, config and endpoint and waits with botocore's
    endpoint_in_service waiter; InvokeEndpoint answers with the candidate's real predictions."""
    states = dag_run["states"]
    assert states["deploy_endpoint"] == "success"
    assert states["deploy_endpoint_deferrable"] == "success"  # waited on the triggerer (aiobotocore)
    assert states["invoke_endpoint"] == "success"  # both endpoints answered, the same
    answer = dag_run["xcom"]["invoke_endpoint"]
    answer = json.loads(answer) if isinstance(answer, (str, bytes)) else answer
    assert [line.split(",")[0] for line in answer.strip().splitlines()] == ["1", "0"]  # real signal
    # Cleaned up through the same clients: the endpoint, its config and the model are gone.
    name = f"{dag_run['prefix']}-ep"
    sagemaker = boto_clients["sagemaker"]
    assert states["delete_model"] == "success"
    endpoints = [e["EndpointName"] for e in sagemaker.list_endpoints(MaxResults=100)["Endpoints"]]
    assert name not in endpoints and f"{name}-d" not in endpoints
    assert name not in [m["ModelName"] for m in sagemaker.list_models(MaxResults=100)["Models"]]


def test_no_wait_operator_then_sensor(dag_run: dict[str, Any], boto_clients: dict[str, Any]) -> None:
    assert dag_run["states"]["automl_start"] == "success"
    assert dag_run["states"]["automl_sensor"] == "success"
    assert describe(boto_clients, f"{dag_run['prefix']}-sensed")["AutoMLJobStatus"] == "Completed"
    # On a warm backend the job may already be done by the first poke: either state is a real answer.
    assert "autoML job currently Completed" in dag_run["result"].output


def test_sensor_treats_a_stopped_job_as_success(
    dag_run: dict[str, Any], boto_clients: dict[str, Any]
) -> None:
    """Client bug: SageMakerHook.failed_states is {"Failed"}, so a Stopped AutoML job satisfies the
    sensor and downstream tasks run as if a model existed. (This provider fails on Stopped.)"""
    assert describe(boto_clients, f"{dag_run['prefix']}-stopped")["AutoMLJobStatus"] == "Stopped"
    assert dag_run["states"]["automl_sensor_stopped"] == "success"


def test_sensor_fails_on_a_failed_job_without_its_reason(
    dag_run: dict[str, Any], boto_clients: dict[str, Any]
) -> None:
    """The sensor fails, as it should, but SageMakerAutoMLSensor does not override
    get_failed_reason_from_response: the message says "Unknown" although FailureReason is set."""
    job = describe(boto_clients, f"{dag_run['prefix']}-failed")
    assert job["AutoMLJobStatus"] == "Failed"
    assert "no_such_column" in job["FailureReason"]
    assert dag_run["states"]["automl_sensor_failed"] == "failed"
    assert "autoML job failed for the following reason: Unknown" in dag_run["result"].output


def test_the_dag_reached_nothing_but_the_backend(dag_run: dict[str, Any]) -> None:
    assert dag_run["trap_hits"] == []
