"""The one validator: every request the provider sends passes :func:`validate` first (DESIGN.md, 8).

Two passes, in this order:

1. the request is walked against the operation's input shape in botocore's SageMaker service
   model: unknown members, required members, ``None`` values, types, enums, lengths, numeric
   ranges and patterns. Patterns are Java regular expressions (AWS validates with Java); they are
   compiled with the ``regex`` package, which knows ``\\p{L}``-style classes, after translating
   the two Java spellings it lacks (UTF-16 surrogate ranges, POSIX ``\\p{Alnum}``). Strings
   holding names, ARNs, URIs and ids must not be empty or carry surrounding blanks (the model
   often allows both; SageMaker then fails or, worse, keeps them).
2. the rules the model cannot express (:mod:`airflow_provider_automl.requests.rules`): per
   shape (job names, S3 URIs, role ARNs) during the walk, then per operation (channels,
   content types and metrics per problem type, tags, environment size, ...).

The first failure raises :class:`AutoMLValidationError` naming the field path in the request's
own names, the value (cut when long) and what is allowed.

botocore is imported lazily, so modules that import this one stay fast to import at DAG-parse time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError
from airflow_provider_automl.requests.rules import OPERATION_RULES, PATTERN_HINTS, SHAPE_RULES

__all__ = ["compiled_pattern", "input_shape", "service_model", "validate"]

# Java spellings the regex package does not take, and what they mean there.
_JAVA_TO_PYTHON = (
    (r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF"),  # a UTF-16 surrogate-pair range
    (r"\p{Alnum}", r"\p{PosixAlnum}"),
    (r"\p{Alpha}", r"\p{PosixAlpha}"),
    (r"\p{Digit}", r"\p{PosixDigit}"),
    (r"\p{Punct}", r"\p{PosixPunct}"),
)
# Member names of identifiers: never empty, never with surrounding blanks.
_IDENTIFIER_SUFFIXES = (
    "Name",
    "Arn",
    "Uri",
    "Url",
    "Path",
    "KmsKeyId",
    "Image",
    "Id",
    "Ids",
    "Subnets",
    "Equals",
    "Column",
    "Types",
)
# Strings the API allows empty (a tag or environment value, a pagination token).
_MAY_BE_EMPTY = frozenset({"TagValue", "EnvironmentValue", "NextToken"})


@lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's SageMaker service model (loaded once per process: about half a second)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def input_shape(operation: str) -> Any:
    return service_model().operation_model(operation).input_shape


@lru_cache(maxsize=512)
def compiled_pattern(pattern: str) -> Any:
    """The model's Java ``pattern`` compiled with ``regex`` (full-match semantics, as AWS applies it)."""
    import regex

    for java, python in _JAVA_TO_PYTHON:
        pattern = pattern.replace(java, python)
    return regex.compile(pattern)


def validate(operation: str, request: Any) -> None:
    """Raise :class:`AutoMLValidationError` unless ``request`` is a sendable ``operation`` request.

    ``operation`` is the API's name (``"CreateAutoMLJobV2"``, ``"ListCandidatesForAutoMLJob"``).
    """
    if not isinstance(request, Mapping):
        raise AutoMLValidationError("request", request, f"Expected a mapping holding a {operation} request.")
    _walk(request, input_shape(operation), "", "")
    for rule in OPERATION_RULES.get(operation, ()):
        rule(request)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _walk(value: Any, shape: Any, path: str, member: str) -> None:
    """Check ``value`` (at ``path``; ``member`` is its member name in the parent) against ``shape``."""
    kind = shape.type_name
    meta = shape.metadata
    if value is None:
        raise AutoMLValidationError(path, value, "Leave the field out instead of setting it to None.")
    if kind == "structure":
        _walk_structure(value, shape, path)
    elif kind == "list":
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise AutoMLValidationError(path, value, "Expected a list.")
        _check_size(path, value, meta, "items")
        for index, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{index}]", member)
    elif kind == "map":
        if not isinstance(value, Mapping):
            raise AutoMLValidationError(path, value, "Expected a mapping.")
        _check_size(path, value, meta, "entries")
        for key, item in value.items():
            _walk(key, shape.key, f"{path} key", "")
            _walk(item, shape.value, f"{path}[{key!r}]", "")
    elif kind == "string":
        _check_string(value, shape, path, member)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise AutoMLValidationError(path, value, "Expected an integer.")
        _check_range(path, value, meta)
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AutoMLValidationError(path, value, "Expected a number.")
        _check_range(path, value, meta)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise AutoMLValidationError(path, value, "Expected a boolean (True or False).")
    elif kind == "timestamp":
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise AutoMLValidationError(path, value, "Expected a timezone-aware datetime.")
    else:  # blob: no operation this provider calls takes one
        raise AutoMLValidationError(path, value, f"The provider does not send {kind} values.")


def _walk_structure(value: Any, shape: Any, path: str) -> None:
    if not isinstance(value, Mapping):
        raise AutoMLValidationError(path or "request", value, f"Expected a mapping ({shape.name}).")
    members = shape.members
    for key, item in value.items():
        if key not in members:
            raise AutoMLValidationError(
                _join(path, str(key)), item, f"Unknown field of {shape.name}; allowed: {', '.join(members)}."
            )
    for key in shape.required_members:
        if value.get(key) is None:
            raise AutoMLValidationError(_join(path, key), None, f"{shape.name} requires {key}.")
    if shape.metadata.get("union") and len(value) != 1:
        raise AutoMLValidationError(path, sorted(value), f"Set exactly one of: {', '.join(members)}.")
    for key, item in value.items():
        _walk(item, members[key], _join(path, key), key)


def _check_string(value: Any, shape: Any, path: str, member: str) -> None:
    meta = shape.metadata
    custom = SHAPE_RULES.get(shape.name)
    if custom is not None:  # first: its message says more than the generic ones below
        custom(path, value)
    if not isinstance(value, str):
        raise AutoMLValidationError(path, value, "Expected a string.")
    if not value and shape.name not in _MAY_BE_EMPTY:
        raise AutoMLValidationError(path, value, "Empty; leave the field out or give a value.")
    if member.endswith(_IDENTIFIER_SUFFIXES) and value != value.strip():
        raise AutoMLValidationError(path, value, "Remove the blanks around the value.")
    if shape.enum and value not in shape.enum:
        raise AutoMLValidationError(path, value, f"Allowed: {', '.join(shape.enum)}.")
    hint = PATTERN_HINTS.get(shape.name)
    if hint is None:
        _check_size(path, value, meta, "characters")
    pattern = meta.get("pattern")
    if pattern is not None and not compiled_pattern(pattern).fullmatch(value):
        raise AutoMLValidationError(path, value, hint or f"Must match the pattern {pattern}.")
    _check_size(path, value, meta, "characters")


def _check_size(path: str, value: Any, meta: Mapping[str, Any], unit: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and len(value) < low:
        raise AutoMLValidationError(path, value, f"At least {low} {unit} required; got {len(value)}.")
    if high is not None and len(value) > high:
        raise AutoMLValidationError(path, value, f"At most {high} {unit} allowed; got {len(value)}.")


def _check_range(path: str, value: float, meta: Mapping[str, Any]) -> None:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise AutoMLValidationError(path, value, f"Must be {bounds}.")
