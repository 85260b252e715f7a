"""Request validation applies the service model's patterns as SageMaker (Java) does, and never echoes a
huge value whole."""

from __future__ import annotations

from typing import Any

import pytest

from automl_local.api import AUTOML_ACTIONS
from automl_local.errors import ValidationError
from automl_local.shapes import compiled_pattern, input_shape, matches, service_model, validate_request
from automl_local.steps import STEP_ACTIONS
from automl_local.tags import TAG_ACTIONS
from tests.conftest import ROLE_ARN, tabular_v2_request

TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"


def patterns_of(shape: Any, seen: set[str]) -> set[str]:
    if shape.name in seen:
        return set()
    seen.add(shape.name)
    found = {shape.metadata["pattern"]} if shape.metadata.get("pattern") else set()
    if shape.type_name == "structure":
        for member in shape.members.values():
            found |= patterns_of(member, seen)
    elif shape.type_name == "list":
        found |= patterns_of(shape.member, seen)
    elif shape.type_name == "map":
        found |= patterns_of(shape.key, seen) | patterns_of(shape.value, seen)
    return found


def test_every_pattern_of_the_actions_we_answer_compiles():
    seen: set[str] = set()
    answered = {*AUTOML_ACTIONS, *TAG_ACTIONS, *STEP_ACTIONS}
    found = set().union(*(patterns_of(input_shape(action), seen) for action in answered))

    assert TAG_PATTERN in found
    for pattern in found:
        compiled_pattern(pattern)  # raises on a pattern the regex module cannot read


def test_every_pattern_of_the_whole_model_compiles():
    model = service_model()
    found = {model.shape_for(n).metadata.get("pattern") for n in model.shape_names} - {None}

    assert len(found) > 200
    for pattern in found:
        compiled_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (TAG_PATTERN, "Größe Ünïcode 東京 ٣ +-=._:/@", True),
        (TAG_PATTERN, "a!", False),
        (TAG_PATTERN, "tab\there", False),
        (r"\d+", "123", True),
        (r"\d+", "٣", False),  # Java's \d is ASCII
        (r"[\w:]+", "é", False),  # so is \w
        (r"arn:[\p{Alnum}\-]+:x", "arn:aws-cn:x", True),
        (r"arn:[\p{Alnum}\-]+:x", "arn:aws_é:x", False),  # POSIX class, ASCII in Java
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", "emoji \U0001f600", True),
        (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", "bell \x07", False),
        (r"a.b", "a\nb", False),
        (r"[a-z]+", "abc1", False),  # the whole value must match, as Java's matches()
    ],
)
def test_patterns_match_as_java_matches(pattern, value, expected):
    assert matches(pattern, value) is expected


def test_tags_with_unicode_letters_validate_and_bang_is_refused():
    request = tabular_v2_request("tags-ok", "s3://bucket/train.csv")
    validate_request(
        "CreateAutoMLJobV2", {**request, "Tags": [{"Key": "Größe:東京/@", "Value": "ünï +-=._:/@ ٣"}]}
    )

    with pytest.raises(ValidationError) as caught:
        validate_request("CreateAutoMLJobV2", {**request, "Tags": [{"Key": "bad!", "Value": "v"}]})
    assert "'bad!' at 'tags.1.member.key'" in caught.value.message
    assert "regular expression pattern" in caught.value.message


def test_a_huge_value_is_not_echoed_whole():
    request = tabular_v2_request("huge", "s3://bucket/train.csv")
    huge = "!" * 50_000_000

    with pytest.raises(ValidationError) as caught:
        validate_request("CreateAutoMLJobV2", {**request, "Tags": [{"Key": huge, "Value": "v"}]})
    assert len(caught.value.message) < 5_000
    assert "50000000" in caught.value.message


def test_many_errors_are_counted_but_not_all_listed():
    request = tabular_v2_request("many", "s3://bucket/train.csv")
    request["Tags"] = [{"Key": f"bad{i}!", "Value": "v"} for i in range(50)]

    with pytest.raises(ValidationError) as caught:
        validate_request("CreateAutoMLJobV2", request)
    assert caught.value.message.startswith("50 validation errors detected")
    assert caught.value.message.endswith("; and 30 more")


@pytest.mark.parametrize(
    "bad",
    [
        {"Tags": [1] * 2_000_000},  # far past the list's maximum
        {
            "AutoMLJobInputDataConfig": [{"ChannelType": "bogus", "X": 1}] * 2,
            **{f"K{i}": i for i in range(500_000)},
        },
        {"Environment": {f"k{i}": i for i in range(500_000)}},
    ],
)
def test_a_request_with_millions_of_errors_is_answered_quickly_and_briefly(bad):
    import time

    request = {**tabular_v2_request("many", "s3://bucket/train.csv"), **bad}
    if "Environment" in bad:  # a map with no maximum size
        request = {
            "ModelName": "m",
            "ExecutionRoleArn": ROLE_ARN,
            "PrimaryContainer": {"Environment": bad["Environment"]},
        }
    action = "CreateModel" if "Environment" in bad else "CreateAutoMLJobV2"

    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        validate_request(action, request)

    assert time.monotonic() - started < 2
    assert len(caught.value.message) < 10_000
    assert "validation errors detected" in caught.value.message
