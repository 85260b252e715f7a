"""Deep merge of the raw `extra` request."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError
from tests.unit.requests.common import OUT, ROLE, TRAIN, assert_botocore_accepts, tabular_v2


def test_extra_adds_fields_without_dropping_typed_ones(service_model: Any) -> None:
    # The anchor operator's `extras` dropped the typed time limit when AutoMLJobConfig was passed.
    request = tabular_v2(
        extra={
            "AutoMLProblemTypeConfig": {
                "TabularJobConfig": {"CompletionCriteria": {"MaxAutoMLJobRuntimeInSeconds": 3600}}
            },
            "Tags": [{"Key": "from", "Value": "extra"}],
        }
    )
    assert request["AutoMLProblemTypeConfig"]["TabularJobConfig"]["CompletionCriteria"] == {
        "MaxCandidates": 5,
        "MaxAutoMLJobRuntimeInSeconds": 3600,
    }
    assert request["Tags"] == [{"Key": "from", "Value": "extra"}]  # list taken since typed side unset
    assert_botocore_accepts(service_model, request, "CreateAutoMLJobV2")


def test_extra_equal_values_are_fine() -> None:
    request = tabular_v2(
        tags={"a": "1"},
        extra={
            "AutoMLJobName": "merge",
            "AutoMLProblemTypeConfig": {"TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": 5}}},
            "Tags": [{"Key": "a", "Value": "1"}],
        },
    )
    assert request["AutoMLJobName"] == "merge"
    assert request["Tags"] == [{"Key": "a", "Value": "1"}]


@pytest.mark.parametrize(
    ("kwargs", "field", "extra_value", "typed_value"),
    [
        (
            {
                "extra": {
                    "AutoMLProblemTypeConfig": {
                        "TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": 10}}
                    }
                }
            },
            "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
            10,
            5,
        ),
        ({"extra": {"AutoMLJobName": "other"}}, "AutoMLJobName", "other", "merge"),
        (
            {"tags": {"a": "1"}, "extra": {"Tags": [{"Key": "b", "Value": "2"}]}},
            "Tags",
            [{"Key": "b", "Value": "2"}],
            [{"Key": "a", "Value": "1"}],
        ),
        (
            {"extra": {"OutputDataConfig": "s3://elsewhere/out"}},
            "OutputDataConfig",
            "s3://elsewhere/out",
            {"S3OutputPath": OUT},
        ),
        # "5" (a string) and 5 are different values: no silent coercion inside extra
        (
            {
                "extra": {
                    "AutoMLProblemTypeConfig": {
                        "TabularJobConfig": {"CompletionCriteria": {"MaxCandidates": "5"}}
                    }
                }
            },
            "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
            "5",
            5,
        ),
    ],
    ids=["nested-leaf", "top-level", "list", "mapping-vs-leaf", "type-differs"],
)
def test_extra_conflicts_raise_naming_path_and_both_values(
    kwargs: dict[str, Any], field: str, extra_value: Any, typed_value: Any
) -> None:
    with pytest.raises(AutoMLValidationError) as info:
        tabular_v2(**kwargs)
    assert info.value.field == field
    assert str(info.value) == (
        f"Invalid {field}: {extra_value!r}. The raw request (extra) sets {extra_value!r} but the typed "
        f"argument sets {typed_value!r}; set it in one place only, or to the same value."
    )


def test_deep_merge_unit_behaviour() -> None:
    base = {"a": {"b": 1, "l": [1]}, "n": None}
    merged = rq.deep_merge(base, {"a": {"c": 2, "l": None}, "n": 3, "new": [1, 2]})
    assert merged == {"a": {"b": 1, "c": 2, "l": [1]}, "n": 3, "new": [1, 2]}
    assert base == {"a": {"b": 1, "l": [1]}, "n": None}  # inputs untouched
    with pytest.raises(AutoMLValidationError, match=r"Invalid root\.a\.b: 1\."):
        rq.deep_merge(base, {"a": {"b": 2}}, path="root")


def test_extra_must_be_a_mapping() -> None:
    with pytest.raises(AutoMLValidationError, match=r"^Invalid extra: 'x'\. Expected a mapping"):
        tabular_v2(extra="x")


def test_input_channels_conflicting_content_type_raises() -> None:
    raw = [
        {
            "ChannelType": "training",
            "ContentType": rq.PARQUET,
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
        }
    ]
    assert rq.input_channels(raw, content_type=rq.PARQUET)[0]["ContentType"] == rq.PARQUET
    with pytest.raises(AutoMLValidationError) as info:
        rq.input_channels(raw, content_type=rq.CSV)
    assert info.value.field == "AutoMLJobInputDataConfig[0].ContentType"


def test_v1_target_attribute_conflicts_with_channel() -> None:
    channels = [
        {
            "TargetAttributeName": "a",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": TRAIN}},
        }
    ]
    with pytest.raises(AutoMLValidationError) as info:
        rq.build_v1_request(
            job_name="v1", input_data_config=channels, output_path=OUT, role_arn=ROLE, target_attribute="b"
        )
    assert info.value.field == "InputDataConfig[0].TargetAttributeName"
    assert "sets 'a' but the typed argument sets 'b'" in str(info.value)
