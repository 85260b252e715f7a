"""Every AutoML response validates against botocore's output shape for its action.

Two checks per response: botocore's own ParamValidator on what boto3 parsed (required members,
types, lengths, ranges), and a strict walk of the raw JSON (no member the model does not define,
enum values, patterns), since the parser silently drops unknown members.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import tabular_v1_request, tabular_v2_request, unique

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(sagemaker) -> dict[str, list[bytes]]:
    """Raw response bodies per action, captured from botocore's event hooks."""
    bodies: dict[str, list[bytes]] = {}

    def record(http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code == 200:
            bodies.setdefault(model.name, []).append(http_response.content)

    sagemaker.meta.events.register("after-call.sagemaker", record)
    yield bodies
    sagemaker.meta.events.unregister("after-call.sagemaker", record)


def strict_walk(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), path
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member missing")
        for name, item in value.items():
            if name not in shape.members:
                problems.append(f"{path}.{name}: not in the output shape")
            else:
                strict_walk(shape.members[name], item, f"{path}.{name}", problems)
    elif kind == "list":
        for index, item in enumerate(value):
            strict_walk(shape.member, item, f"{path}[{index}]", problems)
    elif kind == "map":
        for key, item in value.items():
            strict_walk(shape.value, item, f"{path}[{key}]", problems)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: {value!r} is not a string")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in enum {shape.enum}")
        elif shape.metadata.get("pattern") and not re.match(shape.metadata["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {shape.metadata['pattern']}")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: {value!r} is not a number")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: {value!r} is not an integer")
    elif kind == "timestamp":
        if not isinstance(value, (int, float)):
            problems.append(f"{path}: {value!r} is not epoch seconds")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: {value!r} is not a boolean")


def test_every_automl_response_validates_against_the_output_shape(
    sagemaker, recorded, hpo_job, breast_cancer_uri, wait_for_job
):
    from botocore.validate import ParamValidator

    name = hpo_job["AutoMLJobName"]
    v1_name = unique("it-shape-v1")
    stop_name = unique("it-shape-stop")
    parsed = {
        "CreateAutoMLJob": sagemaker.create_auto_ml_job(
            **tabular_v1_request(v1_name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)
        ),
        "CreateAutoMLJobV2": sagemaker.create_auto_ml_job_v2(
            **tabular_v2_request(stop_name, breast_cancer_uri, GenerateCandidateDefinitionsOnly=True)
        ),
    }
    parsed["StopAutoMLJob"] = sagemaker.stop_auto_ml_job(AutoMLJobName=stop_name)
    wait_for_job(v1_name)
    parsed["DescribeAutoMLJob"] = sagemaker.describe_auto_ml_job(AutoMLJobName=name)
    parsed["DescribeAutoMLJobV2"] = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    sagemaker.describe_auto_ml_job(AutoMLJobName=v1_name)
    parsed["ListCandidatesForAutoMLJob"] = sagemaker.list_candidates_for_auto_ml_job(
        AutoMLJobName=name, MaxResults=2
    )
    parsed["ListAutoMLJobs"] = sagemaker.list_auto_ml_jobs(MaxResults=100)

    model = sagemaker.meta.service_model
    for action, response in parsed.items():
        shape = model.operation_model(action).output_shape
        if shape is None:  # StopAutoMLJob has no output members
            assert {k for k in response if k != "ResponseMetadata"} == set(), action
            continue
        report = ParamValidator().validate(
            {k: v for k, v in response.items() if k != "ResponseMetadata"}, shape
        )
        assert not report.has_errors(), f"{action}: {report.generate_report()}"

    for action in parsed:
        shape = model.operation_model(action).output_shape
        assert recorded.get(action), f"no raw response recorded for {action}"
        for body in recorded[action]:
            document = json.loads(body or b"{}")
            problems: list[str] = []
            if shape is None:
                assert document == {}, action
                continue
            strict_walk(shape, document, action, problems)
            assert problems == [], problems

    described = parsed["DescribeAutoMLJobV2"]
    assert described["BestCandidate"]["CandidateProperties"]["CandidateArtifactLocations"]["Explainability"]
    assert parsed["ListCandidatesForAutoMLJob"]["NextToken"]
