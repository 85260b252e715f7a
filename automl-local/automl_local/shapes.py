"""Request validation against botocore's SageMaker service model, with SageMaker's wording.

The service model is the contract (DESIGN.md): we check what the real service checks before any
action-specific rule — required members, types, lengths, ranges, enums and patterns.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from automl_local.errors import ValidationError


@functools.lru_cache(maxsize=1)
def service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


@functools.lru_cache(maxsize=1)
def known_actions() -> frozenset[str]:
    """Every operation of botocore's SageMaker model: anything else is UnknownOperationException."""
    return frozenset(service_model().operation_names)


def input_shape(action: str) -> Any:
    return service_model().operation_model(action).input_shape


def output_shape(action: str) -> Any:
    return service_model().operation_model(action).output_shape


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def validate_request(action: str, params: Any) -> None:
    """Raise ValidationError listing every violation, like SageMaker's "N validation errors detected"."""
    if not isinstance(params, dict):
        raise ValidationError(f"The request body of {action} must be a JSON object.")
    errors: list[str] = []
    _walk(input_shape(action), params, "", errors)
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ValidationError(f"{len(errors)} validation {noun} detected: " + "; ".join(errors))


def _walk(shape: Any, value: Any, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    where = f"at '{path}'" if path else ""
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a structure")
            return
        for name in shape.required_members:
            if name not in value or value[name] is None:
                sub = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
                errors.append(f"Value null at '{sub}' failed to satisfy constraint: Member must not be null")
        for name, member_value in value.items():
            if name not in shape.members:
                errors.append(
                    f"Unknown parameter {name!r} {where or 'in the request'}; allowed: "
                    f"{', '.join(shape.members)}"
                )
                continue
            if member_value is None:
                continue
            sub = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
            _walk(shape.members[name], member_value, sub, errors)
        return
    if kind == "list":
        if not isinstance(value, list):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a list")
            return
        _check_length(len(value), meta, value, where, errors)
        for index, item in enumerate(value):
            _walk(shape.member, item, f"{path}.{index + 1}.member", errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a map")
            return
        _check_length(len(value), meta, value, where, errors)
        for key, item in value.items():
            _walk(shape.key, key, f"{path}.key", errors)
            _walk(shape.value, item, f"{path}.{key}", errors)
        return
    if kind == "string":
        if not isinstance(value, str):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a string")
            return
        _check_length(len(value), meta, value, where, errors)
        if shape.enum and value not in shape.enum:
            errors.append(
                f"Value {value!r} {where} failed to satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(shape.enum)}]"
            )
        pattern = meta.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            errors.append(
                f"Value {value!r} {where} failed to satisfy constraint: Member must satisfy regular "
                f"expression pattern: {pattern}"
            )
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be an integer")
            return
        _check_range(value, meta, where, errors)
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a number")
            return
        _check_range(value, meta, where, errors)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a boolean")
        return
    if kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        errors.append(f"Value {value!r} {where} failed to satisfy constraint: Member must be a timestamp")


def _check_length(length: int, meta: dict[str, Any], value: Any, where: str, errors: list[str]) -> None:
    if "min" in meta and length < meta["min"]:
        errors.append(
            f"Value {value!r} {where} failed to satisfy constraint: Member must have length greater than or "
            f"equal to {meta['min']}"
        )
    if "max" in meta and length > meta["max"]:
        errors.append(
            f"Value {value!r} {where} failed to satisfy constraint: Member must have length less than or "
            f"equal to {meta['max']}"
        )


def _check_range(value: float, meta: dict[str, Any], where: str, errors: list[str]) -> None:
    if "min" in meta and value < meta["min"]:
        errors.append(
            f"Value {value!r} {where} failed to satisfy constraint: Member must have value greater than or "
            f"equal to {meta['min']}"
        )
    if "max" in meta and value > meta["max"]:
        errors.append(
            f"Value {value!r} {where} failed to satisfy constraint: Member must have value less than or "
            f"equal to {meta['max']}"
        )
