"""One coercion of argument values, for every builder and every operator.

Airflow renders templates to strings unless the DAG sets ``render_template_as_native_obj``. So
a templated argument documented as int, float, bool, list or dict accepts its Python type or the
rendered string form of that type, and nothing else: ``"5"`` for an int, ``"0.2"`` for a float,
``"True"``/``"false"`` for a bool, ``'["a", "b"]'`` or ``"['a', 'b']"`` for a list. A name or
URI must not render to ``""`` or ``"None"`` (what ``{{ params.x }}`` gives for an unset value) or
carry surrounding blanks. Arguments that are never templated take their own type only:
``deferrable="False"`` is an error, not ``True``.

Operators name their fields' kinds in ``field_kinds``; :func:`coerce_field` applies one kind.
Every failure is an :class:`AutoMLValidationError` naming the field.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow_provider_automl.exceptions import AutoMLValidationError

_INT_STRING = re.compile(r"[+-]?\d+")
_UNSET_TEXT = ("", "None", "null")
# Rendered JSON/Python text of a list or dict: bounded before it is parsed, so deeply nested or
# huge text fails with a message instead of RecursionError / MemoryError.
MAX_TEXT_LENGTH = 1_000_000
MAX_NESTING = 32
_NATIVE_HINT = "a template renders it as text unless the DAG sets render_template_as_native_obj=True"


# -- scalars -------------------------------------------------------------------------------------


def as_int(field: str, value: Any) -> int | None:
    """An int, or a string of digits (``"5"``, e.g. a rendered template)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AutoMLValidationError(field, value, "Expected an integer, not a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_STRING.fullmatch(value.strip()):
        return int(value.strip())
    raise AutoMLValidationError(
        field,
        value,
        "Expected an integer (a string of digits such as '5', e.g. from a template, is accepted).",
    )


def as_float(field: str, value: Any) -> float | None:
    """A finite int or float, or its string form (``"0.2"``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AutoMLValidationError(field, value, "Expected a number, not a boolean.")
    result: float
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            raise AutoMLValidationError(
                field, value, "Expected a number (a numeric string such as '0.2' is accepted)."
            ) from None
    else:
        raise AutoMLValidationError(field, value, "Expected a number.")
    if not math.isfinite(result):
        raise AutoMLValidationError(field, value, "Expected a finite number.")
    return result


def as_bool(field: str, value: Any) -> bool | None:
    """A bool, or ``"true"``/``"false"`` in any case (Jinja renders True as ``"True"``)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise AutoMLValidationError(field, value, "Expected a boolean (the strings 'true'/'false' are accepted).")


def as_text(field: str, value: Any, *, required: bool = False) -> str | None:
    """A name, URI or other identifier: a string without surrounding blanks, never ``""``/``"None"``."""
    if value is None:
        if required:
            raise AutoMLValidationError(field, value, "Required: give a string.")
        return None
    if not isinstance(value, str):
        raise AutoMLValidationError(field, value, "Expected a string.")
    if value in _UNSET_TEXT:
        unset = "it is required" if required else "leave the argument unset (None) instead"
        raise AutoMLValidationError(field, value, f"Empty, or the text of an unset template value; {unset}.")
    if value != value.strip():
        raise AutoMLValidationError(field, value, "Remove the blanks around the value.")
    return value


def required_text(field: str, value: Any) -> str:
    result = as_text(field, value, required=True)
    assert result is not None
    return result


# -- lists and mappings --------------------------------------------------------------------------


def parse_text(field: str, value: str, expected: str) -> Any:
    """A rendered list/dict back as Python data: JSON first, then a Python literal (what Jinja prints).

    Bounded: text over ``MAX_TEXT_LENGTH`` characters or nested deeper than ``MAX_NESTING`` is refused
    before parsing.
    """
    if len(value) > MAX_TEXT_LENGTH:
        raise AutoMLValidationError(field, value, f"Text over {MAX_TEXT_LENGTH} characters; pass {expected}.")
    if _nesting(value) > MAX_NESTING:
        raise AutoMLValidationError(
            field, value, f"Nested deeper than {MAX_NESTING} levels; pass {expected}."
        )
    for parse in (json.loads, ast.literal_eval):
        try:
            return parse(value)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            continue
    raise AutoMLValidationError(
        field, value, f"Expected {expected}; the text is neither JSON nor a Python literal ({_NATIVE_HINT})."
    )


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]})":
            depth -= 1
    return deepest


def as_str_list(field: str, value: Any) -> list[str] | None:
    """A list of strings, or the rendered text of one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_text(field, value, "a list of strings")
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise AutoMLValidationError(field, value, f"Expected a list of strings ({_NATIVE_HINT}).")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise AutoMLValidationError(f"{field}[{index}]", item, "Expected a string.")
    return list(value)


def as_mapping(field: str, value: Any) -> dict[str, Any] | None:
    """A mapping (copied), or the rendered text of one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_text(field, value, "a mapping (dict)")
    if not isinstance(value, Mapping):
        raise AutoMLValidationError(field, value, "Expected a mapping (dict).")
    return copy.deepcopy(dict(value))


def as_json(field: str, value: Any) -> Any:
    """A list or a mapping (copied), or the rendered text of one (containers, candidate records)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_text(field, value, "a list or a mapping")
    if isinstance(value, Mapping):
        return copy.deepcopy(dict(value))
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return copy.deepcopy(list(value))
    raise AutoMLValidationError(field, value, "Expected a list or a mapping.")


def as_uri_or_list(field: str, value: Any) -> Any:
    """An S3 URI, or a list of channel mappings (or the rendered text of one)."""
    if isinstance(value, str) and not value.lstrip().startswith("["):
        return required_text(field, value)
    return as_json(field, value)


def normalize_tags(value: Any, field: str = "Tags") -> list[dict[str, str]] | None:
    """Tags as the API's ``[{"Key": ..., "Value": ...}]``, from that shape, a dict, or their text.

    Keys and values must be strings; numbers are written as text. ``None`` as a value is an error
    rather than the tag value ``"None"``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_text(field, value, "a mapping of tags or a list of {'Key', 'Value'}")
    if isinstance(value, Mapping):
        pairs = [(f"{field}[{key!r}]", key, val) for key, val in value.items()]
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        pairs = []
        for index, tag in enumerate(value):
            if not isinstance(tag, Mapping) or set(tag) != {"Key", "Value"}:
                raise AutoMLValidationError(
                    f"{field}[{index}]", tag, 'Each tag is {"Key": ..., "Value": ...}; or pass a dict.'
                )
            pairs.append((f"{field}[{index}]", tag["Key"], tag["Value"]))
    else:
        raise AutoMLValidationError(
            field, value, "Expected a mapping {key: value} or a list of {'Key': ..., 'Value': ...}."
        )
    tags = []
    for where, key, val in pairs:
        if not isinstance(key, str):
            raise AutoMLValidationError(f"{where}.Key", key, "Tag keys are strings.")
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            val = str(val)
        if not isinstance(val, str):
            raise AutoMLValidationError(
                f"{where}.Value", val, "Tag values are strings (use '' for an empty value)."
            )
        tags.append({"Key": key, "Value": val})
    return tags


# -- arguments that are never templated ----------------------------------------------------------


def strict_bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise AutoMLValidationError(field, value, "Must be True or False (this argument is not templated).")
    return value


def positive_seconds(field: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise AutoMLValidationError(field, value, "Must be a positive number of seconds.")
    return float(value)


def optional_seconds(field: str, value: Any) -> float | None:
    return None if value is None else positive_seconds(field, value)


def choice(field: str, value: Any, allowed: Sequence[str]) -> str:
    """One of ``allowed`` (lower case), case-insensitively."""
    if not isinstance(value, str) or value.lower() not in allowed:
        raise AutoMLValidationError(field, value, f"Allowed: {', '.join(allowed)}.")
    return value.lower()


# -- the kinds operators declare -----------------------------------------------------------------

KINDS: dict[str, Callable[[str, Any], Any]] = {
    "int": as_int,
    "float": as_float,
    "bool": as_bool,
    "name": required_text,
    "text": as_text,
    "str_list": as_str_list,
    "mapping": as_mapping,
    "json": as_json,
    "uri_or_list": as_uri_or_list,
    "tags": lambda field, value: normalize_tags(value, field),
}


def coerce_field(kind: str, field: str, value: Any) -> Any:
    """Apply the coercion ``kind`` (a key of :data:`KINDS`) to ``value`` of the argument ``field``."""
    return KINDS[kind](field, value)
