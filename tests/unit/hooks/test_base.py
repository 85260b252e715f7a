"""The one door: hooks send every request through the validator, and have no other way to send."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from airflow_provider_automl.hooks.base import SageMakerBaseHook
from airflow_provider_automl.hooks.model import SageMakerModelHook
from tests.unit.conftest import REGION, make_describe_v2

HOOKS = Path(__file__).resolve().parents[3] / "airflow_provider_automl" / "hooks"
DOOR = {"call", "paginate", "get_shared_async_conn", "client"}  # the only places that touch a client


def _client_uses(tree: ast.AST) -> list[tuple[str, int]]:
    """Calls on ``self.client`` / ``self.conn`` / a local ``client``, with the function they are in."""
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Attribute):
                continue
            target = node.value
            on_self = isinstance(target, ast.Attribute) and target.attr in ("client", "conn")
            on_local = isinstance(target, ast.Name) and target.id == "client"
            if (on_self or on_local) and function.name not in DOOR | {"call_async"}:
                found.append((function.name, node.lineno))
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in HOOKS.glob("*.py")))
def test_no_hook_method_reaches_the_client_except_through_the_door(module: str) -> None:
    assert _client_uses(ast.parse((HOOKS / module).read_text())) == []


@pytest.mark.parametrize("hook_class", [SageMakerAutoMLHook, SageMakerModelHook])
def test_both_hooks_are_doors(hook_class: type[SageMakerBaseHook]) -> None:
    assert issubclass(hook_class, SageMakerBaseHook)


def test_call_validates_before_sending(sagemaker_client: Any) -> None:
    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION)
    hook.__dict__["conn"] = sagemaker_client
    with Stubber(sagemaker_client) as stubber:  # nothing queued: a call would fail differently
        with pytest.raises(AutoMLValidationError, match="Invalid AutoMLJobName: 'churn_model!'"):
            hook.call("DescribeAutoMLJobV2", {"AutoMLJobName": "churn_model!"})
        with pytest.raises(AutoMLValidationError, match="Invalid SortOrder: 'asc'"):
            list(hook.paginate("ListAutoMLJobs", {"SortOrder": "asc"}))
        stubber.add_response(
            "describe_auto_ml_job_v2", make_describe_v2(), {"AutoMLJobName": "my-automl-job"}
        )
        assert (
            hook.call("DescribeAutoMLJobV2", {"AutoMLJobName": "my-automl-job"})["AutoMLJobStatus"]
            == "Completed"
        )


async def test_call_async_validates_before_taking_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_client(self: Any) -> Any:
        raise AssertionError("a client was requested for a bad request")

    monkeypatch.setattr(SageMakerAutoMLHook, "get_shared_async_conn", no_client)
    hook = SageMakerAutoMLHook(aws_conn_id=None, region_name=REGION)
    with pytest.raises(AutoMLValidationError, match="Invalid MaxResults: 0"):
        await hook.call_async("ListAutoMLJobs", {"MaxResults": 0})
    with pytest.raises(AutoMLValidationError, match="Invalid AutoMLJobName"):
        await hook.describe_job_async("bad name")


def test_both_hooks_retry_adaptively_unless_told_otherwise() -> None:
    assert SageMakerModelHook(aws_conn_id=None).config.retries == {"mode": "adaptive", "max_attempts": 10}
