"""Property: whatever the one validator accepts, botocore accepts too, for every operation we call.

Requests start from good ones (the provider's own builders) and are mutated at random, seeded:
values replaced by random values of random types and sizes, members dropped, unknown members
added, optional members generated from the shape. Each request the validator accepts must pass
botocore's ``ParamValidator`` and the model constraints botocore does not check (enums, maximum
lengths and sizes, ranges, patterns), checked here independently of the provider's code.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import random
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.validate
import pytest
import regex

from airflow_provider_automl import requests as rq
from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests import model
from airflow_provider_automl.requests.validation import input_shape, validate
from tests.unit.requests.common import OUT, ROLE, TRAIN

SAMPLES = 300
HOOKS = Path(__file__).resolve().parents[3] / "airflow_provider_automl" / "hooks"
CONTAINER = {
    "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    "ModelDataUrl": "s3://my-bucket/output/best/model.tar.gz",
    "Environment": {"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label"},
}
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"
WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

# A good request of every operation the hooks send (the test below holds the hooks to this list).
GOOD: dict[str, Callable[[], dict[str, Any]]] = {
    "CreateAutoMLJobV2": lambda: rq.build_v2_request(
        job_name="churn-2026",
        input_data_config=rq.input_channels(TRAIN, content_type=rq.CSV),
        output_path=OUT,
        role_arn=ROLE,
        problem_type_config=rq.tabular_config(
            target_attribute="label", problem_type="BinaryClassification", max_candidates=5
        ),
        objective_metric="F1",
        tags={"team": "ml"},
    ),
    "CreateAutoMLJob": lambda: rq.build_v1_request(
        job_name="churn-v1",
        input_data_config=TRAIN,
        output_path=OUT,
        role_arn=ROLE,
        target_attribute="label",
        max_candidates=10,
        mode="ENSEMBLING",
    ),
    "DescribeAutoMLJobV2": lambda: {"AutoMLJobName": "churn-2026"},
    "DescribeAutoMLJob": lambda: {"AutoMLJobName": "churn-2026"},
    "StopAutoMLJob": lambda: {"AutoMLJobName": "churn-2026"},
    "ListAutoMLJobs": lambda: {
        "LastModifiedTimeAfter": WHEN,
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
        "MaxResults": 100,
    },
    "ListCandidatesForAutoMLJob": lambda: {
        "AutoMLJobName": "churn-2026",
        "StatusEquals": "Completed",
        "SortBy": "FinalObjectiveMetricValue",
        "SortOrder": "Descending",
        "MaxResults": 100,
    },
    "CreateModel": lambda: model.build_create_model_request(
        model_name="churn-best",
        containers=[CONTAINER, CONTAINER],
        execution_role_arn=ROLE,
        vpc_config={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        tags={"team": "ml"},
    ),
    "DescribeModel": lambda: {"ModelName": "churn-best"},
    "DescribeModelPackageGroup": lambda: {"ModelPackageGroupName": "churn"},
    "CreateModelPackageGroup": lambda: model.build_create_model_package_group_request(
        model_package_group_name="churn", description="churn models"
    ),
    "ListModelPackages": lambda: {
        "ModelPackageGroupName": "churn",
        "SortBy": "CreationTime",
        "SortOrder": "Descending",
    },
    "DescribeModelPackage": lambda: {"ModelPackageName": PACKAGE},
    "CreateModelPackage": lambda: model.build_create_model_package_request(
        model_package_group_name="churn",
        containers=[CONTAINER],
        content_types=["text/csv"],
        response_types=["text/csv"],
        realtime_instance_types=["ml.m5.large"],
        customer_metadata={"AutoMLJobName": "churn-2026"},
        description="best candidate",
    ),
    "UpdateModelPackage": lambda: model.build_update_approval_request(
        model_package_arn=PACKAGE, approval_status="Approved", approval_description="looks good"
    ),
}

_TEXT = [
    "",
    " ",
    "a",
    "None",
    "churn-2026",
    "churn_2026",
    " churn ",
    "s3://my-bucket/key",
    "s3://",
    "https://host/x",
    ROLE,
    "arn:aws:iam::1:role/R",
    "ml.m5.large",
    "text/csv",
    "équipe données",
    "x" * 300,
    "p50",
    "1D",
    "sg-1",
]


# -- the model's constraints, checked independently of the provider -----------------------------


def _pattern_matches(pattern: str, value: str) -> bool | None:
    """Full match with Python's re, or regex for \\p{...}; None when neither compiles the pattern."""
    for engine in (re, regex):
        try:
            compiled = engine.compile(pattern)
        except Exception:
            continue
        return compiled.fullmatch(value) is not None
    return None


def constraint_errors(value: Any, shape: Any, path: str = "") -> list[str]:
    errors: list[str] = []
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                errors += constraint_errors(item, shape.members[key], f"{path}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} items > {meta['max']}")
        for index, item in enumerate(value):
            errors += constraint_errors(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} entries > {meta['max']}")
        for key, item in value.items():
            errors += constraint_errors(key, shape.key, f"{path} key")
            errors += constraint_errors(item, shape.value, f"{path}[{key!r}]")
    elif shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in the enum")
        if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
            errors.append(f"{path}: length {len(value)} outside {meta.get('min')}-{meta.get('max')}")
        if "pattern" in meta and _pattern_matches(meta["pattern"], value) is False:
            errors.append(f"{path}: {value!r} does not match {meta['pattern']}")
    elif (
        shape.type_name in ("integer", "long", "float", "double")
        and isinstance(value, (int, float))
        and (("min" in meta and value < meta["min"]) or ("max" in meta and value > meta["max"]))
    ):
        errors.append(f"{path}: {value} outside {meta.get('min')}-{meta.get('max')}")
    return errors


# -- random requests ---------------------------------------------------------------------------


def random_value(shape: Any, rng: random.Random, depth: int = 0) -> Any:
    """A value for ``shape``: mostly of its type and near its limits, sometimes of another type."""
    kind = shape.type_name
    if rng.random() < 0.08:
        return rng.choice([None, 7, "7", True, [], {}, "text"])
    if kind == "structure":
        members = shape.members
        chosen = set(shape.required_members) | {
            m for m in members if rng.random() < (0.3 if depth < 3 else 0)
        }
        if shape.metadata.get("union") and members:
            chosen = {rng.choice(sorted(members))}
        return {m: random_value(members[m], rng, depth + 1) for m in sorted(chosen)}
    if kind == "list":
        return [random_value(shape.member, rng, depth + 1) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
    if kind == "map":
        keys = [random_value(shape.key, rng, depth + 1) for _ in range(rng.choice([0, 1, 2]))]
        return {key: random_value(shape.value, rng, depth + 1) for key in keys if isinstance(key, (str, int))}
    if kind == "string":
        if shape.enum and rng.random() < 0.7:
            choice = rng.choice(shape.enum)
            return choice if rng.random() < 0.9 else choice.lower()
        if rng.random() < 0.5:
            return rng.choice(_TEXT)
        alphabet = string.ascii_letters + string.digits + "-_ .:/@#é"
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 3, 8, 40, 130, 260])))
    if kind in ("integer", "long"):
        low, high = shape.metadata.get("min", -5), shape.metadata.get("max", 10_000)
        return rng.choice([low - 1, low, high, high + 1, rng.randint(low, high)])
    if kind in ("float", "double"):
        return rng.choice([-0.5, 0.0, 0.2, 1.0, 1.5, float("nan")])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "timestamp":
        return rng.choice([WHEN, WHEN.replace(tzinfo=None), "2026-01-01"])
    return None


def _slots(value: Any, shape: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, shape) inside ``value`` where a mutation can land."""
    found = [(path, shape)]
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, member in shape.members.items():
            found += (
                _slots(value.get(key), member, (*path, key)) if key in value else [((*path, key), member)]
            )
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            found += _slots(item, shape.member, (*path, index))
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            found += _slots(item, shape.value, (*path, key))
    return found


def mutate(request: dict[str, Any], shape: Any, rng: random.Random) -> dict[str, Any]:
    result = copy.deepcopy(request)
    for _ in range(rng.choice([1, 1, 2, 3])):
        slots = [s for s in _slots(result, shape) if s[0]]
        path, slot_shape = rng.choice(slots)
        parent: Any = result
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.random()
        if action < 0.1 and isinstance(parent, dict):
            parent.pop(last, None)
        elif action < 0.15 and isinstance(parent, dict):
            parent["NotAMember"] = "x"
        else:
            parent[last] = random_value(slot_shape, rng)
    return result


@pytest.mark.parametrize("operation", sorted(GOOD))
def test_what_the_validator_accepts_botocore_accepts(operation: str) -> None:
    shape = input_shape(operation)
    good = GOOD[operation]()
    validate(operation, good)
    rng = random.Random(f"20261202-{operation}")
    accepted = rejected = 0
    for _ in range(SAMPLES):
        request = mutate(good, shape, rng)
        try:
            validate(operation, request)
        except AutoMLValidationError:
            rejected += 1
            continue
        accepted += 1
        report = botocore.validate.ParamValidator().validate(request, shape)
        assert not report.has_errors(), f"{operation}: {request!r}\n{report.generate_report()}"
        assert constraint_errors(request, shape) == [], f"{operation}: {request!r}"
    print(f"{operation}: {accepted} accepted, {rejected} rejected")
    # Not vacuous: both outcomes happen.
    assert accepted >= SAMPLES // 20, (operation, accepted)
    assert rejected >= SAMPLES // 5, (operation, rejected)


def test_every_operation_the_hooks_send_is_covered() -> None:
    sent = set()
    for module in HOOKS.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("call", "paginate", "call_async", "pages_async")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                sent.add(node.args[0].value)
    sent |= {"CreateAutoMLJob", "CreateAutoMLJobV2"}  # create_job picks one of the two by api_version
    assert sent == set(GOOD)
