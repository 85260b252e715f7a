"""Checks that an answer is what botocore's output shape allows, on the raw JSON and on what boto3 parsed.

Like test_responses.py's checks, but patterns are applied with Java's semantics (the model's dialect,
e.g. ``\\p{L}`` in tag patterns), and an optional structure left empty counts as a problem: AWS leaves
such a member out, and strict clients (sagemaker-core) reject ``VpcConfig: {}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from automl_local.shapes import matches


def strict_problems(shape: Any, value: Any, path: str) -> list[str]:
    problems: list[str] = []
    _walk(shape, value, path, problems)
    return problems


def _walk(shape: Any, value: Any, path: str, problems: list[str], *, required: bool = True) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: {value!r} is not a structure")
            return
        if not value and not required:  # AWS leaves an unset optional structure out
            problems.append(f"{path}: empty optional structure")
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member missing")
        for name, item in value.items():
            if name not in shape.members:
                problems.append(f"{path}.{name}: not in the output shape")
            else:
                _walk(
                    shape.members[name],
                    item,
                    f"{path}.{name}",
                    problems,
                    # the member set in a union is its value, even empty (ImageClassificationJobConfig: {})
                    required=name in shape.required_members or bool(shape.metadata.get("union")),
                )
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: {value!r} is not a list")
            return
        for index, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{index}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: {value!r} is not a map")
            return
        for key, item in value.items():
            _walk(shape.value, item, f"{path}[{key}]", problems)
    elif kind == "string":
        meta = shape.metadata
        if not isinstance(value, str):
            problems.append(f"{path}: {value!r} is not a string")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in enum {shape.enum}")
        elif not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
            problems.append(f"{path}: {value!r} has a length outside [{meta.get('min')}, {meta.get('max')}]")
        elif meta.get("pattern") and not matches(meta["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: {value!r} is not a number")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: {value!r} is not an integer")
        elif not shape.metadata.get("min", value) <= value <= shape.metadata.get("max", value):
            problems.append(f"{path}: {value!r} is out of range")
    elif kind == "timestamp":
        if not isinstance(value, (int, float)):
            problems.append(f"{path}: {value!r} is not epoch seconds")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: {value!r} is not a boolean")


class RawAnswers:
    """The raw JSON bodies a boto3 client received, per action, while recording."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.bodies: dict[str, list[bytes]] = {}

    def _record(self, http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code == 200:
            self.bodies.setdefault(model.name, []).append(http_response.content)

    @contextmanager
    def recording(self) -> Iterator[RawAnswers]:
        self.client.meta.events.register("after-call.sagemaker", self._record)
        try:
            yield self
        finally:
            self.client.meta.events.unregister("after-call.sagemaker", self._record)

    def last(self, action: str) -> dict[str, Any]:
        return dict(json.loads(self.bodies[action][-1] or b"{}"))


def assert_valid_answer(client: Any, action: str, parsed: dict[str, Any], raw: dict[str, Any]) -> None:
    """Both checks: botocore's ParamValidator on the parsed answer, the strict walk on the raw JSON."""
    from botocore.validate import ParamValidator

    shape = client.meta.service_model.operation_model(action).output_shape
    members = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    if shape is None:
        assert members == {} and raw == {}, action
        return
    report = ParamValidator().validate(members, shape)
    assert not report.has_errors(), f"{action}: {report.generate_report()}"
    problems = strict_problems(shape, raw, action)
    assert problems == [], problems
