"""One coercion of (rendered) argument values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError, show_value
from airflow_provider_automl.requests.coerce import coerce_field, positive_seconds, strict_bool
from tests.unit.requests.common import TRAIN, tabular_v2


def test_templated_strings_are_coerced_in_typed_arguments() -> None:
    request = tabular_v2(
        problem_type_config=rq.tabular_config(
            target_attribute="y",
            max_candidates=" 7 ",
            max_job_runtime="3600",
            generate_candidate_definitions_only="True",
            mode="ENSEMBLING",
            algorithms='["xgboost", "lightgbm"]',
        ),
        validation_fraction="0.2",
        tags="{'team': 'ml', 'cost-centre': 42}",
    )
    config = request["AutoMLProblemTypeConfig"]["TabularJobConfig"]
    assert config["CompletionCriteria"] == {"MaxCandidates": 7, "MaxAutoMLJobRuntimeInSeconds": 3600}
    assert config["GenerateCandidateDefinitionsOnly"] is True
    assert config["CandidateGenerationConfig"] == {
        "AlgorithmsConfig": [{"AutoMLAlgorithms": ["xgboost", "lightgbm"]}]
    }
    assert request["DataSplitConfig"]["ValidationFraction"] == 0.2
    assert request["Tags"] == [{"Key": "team", "Value": "ml"}, {"Key": "cost-centre", "Value": "42"}]


@pytest.mark.parametrize(
    ("kind", "rendered", "expected"),
    [
        ("int", "3", 3),
        ("int", 3, 3),
        ("float", "0.25", 0.25),
        ("bool", "True", True),
        ("bool", "false", False),
        ("str_list", '["predicted_label"]', ["predicted_label"]),
        ("str_list", "['p10', 'p90']", ["p10", "p90"]),
        ("mapping", '{"SecurityGroupIds": ["sg-1"]}', {"SecurityGroupIds": ["sg-1"]}),
        ("json", "[{'Image': 'i'}]", [{"Image": "i"}]),
        ("name", "churn", "churn"),
        ("text", None, None),
        ("tags", "{'team': 'ml'}", [{"Key": "team", "Value": "ml"}]),
    ],
)
def test_each_kind_accepts_its_rendered_form(kind: str, rendered: Any, expected: Any) -> None:
    assert coerce_field(kind, "field", rendered) == expected


@pytest.mark.parametrize(
    ("kind", "rendered", "allowed"),
    [
        ("int", "3.0", "Expected an integer"),
        ("int", True, "not a boolean"),
        ("float", "inf", "finite"),
        ("bool", "yes", "Expected a boolean"),
        ("bool", 1, "Expected a boolean"),
        ("str_list", "predicted_label", "Expected a list of strings"),
        ("str_list", '{"a": 1}', "Expected a list of strings"),
        ("mapping", "[1]", "Expected a mapping"),
        ("name", "", "it is required"),
        ("name", "None", "it is required"),
        ("name", None, "Required"),
        ("name", " churn", "blanks"),
        ("text", "None", "leave the argument unset"),
        ("text", "", "leave the argument unset"),
        ("text", "s3://bucket/key ", "blanks"),
        ("text", 5, "Expected a string"),
        ("json", "[" * 200 + "]" * 200, "Nested deeper than 32 levels"),
        ("json", "x" * 1_000_001, "Text over 1000000 characters"),
    ],
)
def test_each_kind_rejects_everything_else_naming_the_field(kind: str, rendered: Any, allowed: str) -> None:
    with pytest.raises(AutoMLValidationError) as err:
        coerce_field(kind, "the_field", rendered)
    assert err.value.field == "the_field"
    assert allowed in err.value.allowed


def test_deeply_nested_text_never_recurses_out() -> None:
    # 100,000 levels of nesting: json and ast would raise RecursionError.
    with pytest.raises(AutoMLValidationError):
        coerce_field("json", "containers", "[" * 100_000 + "]" * 100_000)


def test_arguments_that_are_not_templated_take_their_own_type_only() -> None:
    assert strict_bool("deferrable", False) is False
    with pytest.raises(AutoMLValidationError, match="not templated"):
        strict_bool("deferrable", "False")
    assert positive_seconds("check_interval", 30) == 30.0
    for bad in ("30", 0, -1, float("nan"), True):
        with pytest.raises(AutoMLValidationError, match="positive number of seconds"):
            positive_seconds("check_interval", bad)


COERCION_ERRORS: list[tuple[str, Callable[[], Any], str, str]] = [
    (
        "int-word",
        lambda: rq.tabular_config(target_attribute="y", max_candidates="five"),
        "AutoMLProblemTypeConfig.TabularJobConfig.CompletionCriteria.MaxCandidates",
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    ),
    (
        "int-float-string",
        lambda: rq.time_series_config(
            target_attribute="y",
            timestamp_attribute="t",
            item_identifier_attribute="i",
            forecast_frequency="D",
            forecast_horizon="7.5",
        ),
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastHorizon",
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    ),
    (
        "int-bool",
        lambda: rq.text_classification_config(
            content_column="c", target_label_column="l", max_candidates=True
        ),
        "AutoMLProblemTypeConfig.TextClassificationJobConfig.CompletionCriteria.MaxCandidates",
        "Expected an integer, not a boolean.",
    ),
    (
        "float-word",
        lambda: tabular_v2(validation_fraction="a fifth"),
        "DataSplitConfig.ValidationFraction",
        "Expected a number (a numeric string such as '0.2' is accepted).",
    ),
    (
        "float-nan",
        lambda: tabular_v2(validation_fraction="nan"),
        "DataSplitConfig.ValidationFraction",
        "Expected a finite number.",
    ),
    (
        "bool-word",
        lambda: rq.text_generation_config(accept_eula="yes"),
        "AutoMLProblemTypeConfig.TextGenerationJobConfig.ModelAccessConfig.AcceptEula",
        "Expected a boolean (the strings 'true'/'false' are accepted).",
    ),
    (
        "list-as-bare-string",
        lambda: rq.time_series_config(
            target_attribute="y",
            timestamp_attribute="t",
            item_identifier_attribute="i",
            forecast_frequency="D",
            forecast_horizon=7,
            forecast_quantiles="p10",
        ),
        "AutoMLProblemTypeConfig.TimeSeriesForecastingJobConfig.ForecastQuantiles",
        "Expected a list of strings; the text is neither JSON nor a Python literal (a template renders "
        "it as text unless the DAG sets render_template_as_native_obj=True).",
    ),
    (
        "list-of-numbers-text",
        lambda: rq.tabular_config(target_attribute="y", mode="ENSEMBLING", algorithms="[1, 2]"),
        "AutoMLProblemTypeConfig.TabularJobConfig.CandidateGenerationConfig.AlgorithmsConfig[0]",
        "Expected a string.",
    ),
    (
        "tags-shape",
        lambda: tabular_v2(tags="team=ml"),
        "Tags",
        "Expected a mapping of tags or a list of {'Key', 'Value'}; the text is neither JSON nor a Python "
        "literal (a template renders it as text unless the DAG sets render_template_as_native_obj=True).",
    ),
    (
        "tags-none-value",
        lambda: tabular_v2(tags={"team": None}),
        "Tags['team'].Value",
        "Tag values are strings (use '' for an empty value).",
    ),
    (
        "channels-shape",
        lambda: rq.input_channels({"S3Uri": TRAIN}),  # type: ignore[arg-type]
        "AutoMLJobInputDataConfig",
        "Expected an S3 URI or a list of channel mappings.",
    ),
    (
        "hyperparameter-bool",
        lambda: rq.text_generation_config(hyperparameters={"epochCount": True}),
        "AutoMLProblemTypeConfig.TextGenerationJobConfig.TextGenerationHyperParameters['epochCount']",
        "Expected a number.",
    ),
]


@pytest.mark.parametrize(
    ("case", "call", "field", "allowed"), COERCION_ERRORS, ids=[c[0] for c in COERCION_ERRORS]
)
def test_typed_argument_errors(case: str, call: Callable[[], Any], field: str, allowed: str) -> None:
    with pytest.raises(AutoMLValidationError) as info:
        call()
    assert info.value.field == field
    assert info.value.allowed == allowed
    assert str(info.value) == f"Invalid {field}: {show_value(info.value.value)}. {allowed}"
