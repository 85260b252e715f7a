"""AwsParams: the four AWS connection arguments as one value."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config

from airflow_provider_automl.connection import AwsParams
from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from airflow_provider_automl.hooks.model import SageMakerModelHook


def test_rendered_text_forms_are_coerced() -> None:
    params = AwsParams.checked(
        aws_conn_id="aws_prod",
        region_name="eu-west-1",
        verify="False",
        botocore_config='{"read_timeout": 30}',
    )
    assert params == AwsParams("aws_prod", "eu-west-1", False, {"read_timeout": 30})
    assert AwsParams.checked(verify="/etc/ssl/ca.pem").verify == "/etc/ssl/ca.pem"
    assert AwsParams.checked(aws_conn_id=None).aws_conn_id is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"aws_conn_id": "None"}, "aws_conn_id"),
        ({"aws_conn_id": " aws_default"}, "aws_conn_id"),
        ({"region_name": "Ireland"}, "region_name"),
        ({"region_name": ""}, "region_name"),
        ({"verify": 1}, "verify"),
        ({"botocore_config": "retries=3"}, "botocore_config"),
        ({"botocore_config": {"retries": object()}}, "botocore_config"),
    ],
)
def test_anything_else_is_refused_naming_the_argument(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(AutoMLValidationError) as err:
        AwsParams.checked(**kwargs)
    assert err.value.field == field


@pytest.mark.parametrize("hook_class", [SageMakerAutoMLHook, SageMakerModelHook])
def test_builds_hooks_and_reads_them_back(hook_class: Any) -> None:
    params = AwsParams("aws_prod", "eu-west-1", "/ca.pem", {"read_timeout": 30})
    hook = params.build_hook(hook_class)
    assert (hook.aws_conn_id, hook.region_name, hook.verify) == ("aws_prod", "eu-west-1", "/ca.pem")
    assert AwsParams.of_hook(hook) == params


def test_cache_key_is_stable_and_hashable_and_describe_names_the_settings() -> None:
    one = AwsParams("a", "us-east-1", None, {"retries": {"mode": "standard"}, "read_timeout": 5})
    two = AwsParams("a", "us-east-1", None, {"read_timeout": 5, "retries": {"mode": "standard"}})
    assert hash(one.cache_key()) == hash(two.cache_key())
    assert one.cache_key() != AwsParams("a", "eu-west-1").cache_key()
    assert one.describe() == (
        'aws_conn_id=\'a\', region_name=\'us-east-1\', config={"read_timeout": 5, "retries": {"mode": "standard"}}'
    )
    config_hook = SageMakerAutoMLHook(aws_conn_id="a", config=Config(read_timeout=5))
    assert AwsParams.of_hook(config_hook).botocore_config == {"read_timeout": 5}


def test_to_kwargs_round_trips_through_a_trigger() -> None:
    from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger

    params = AwsParams("aws_prod", "eu-west-1", False, {"read_timeout": 30})
    trigger = SageMakerAutoMLJobTrigger(job_name="j", **params.to_kwargs())
    assert trigger.aws == params
    _, kwargs = trigger.serialize()
    assert {k: kwargs[k] for k in params.to_kwargs()} == params.to_kwargs()
