"""Request validation against botocore's SageMaker service model, with SageMaker's wording.

The service model is the contract (DESIGN.md): we check what the real service checks before any
action-specific rule — required members, types, lengths, ranges, enums and patterns.
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from automl_local.errors import ValidationError, show

MAX_SHOWN_ERRORS = 20
MAX_COUNTED_ERRORS = 1000

# Java's predefined classes are ASCII (no UNICODE_CHARACTER_CLASS); Python's are Unicode. Written out as
# ranges, usable inside a class and, wrapped in [...], outside one.
_JAVA_CLASSES = {
    "d": "0-9",
    "D": r"\x00-/:-\U0010ffff",
    "w": "a-zA-Z0-9_",
    "W": r"\x00-/:-@\[-\^`{-\U0010ffff",
    "s": r" \t\n\x0b\f\r",
    "S": r"\x00-\x08\x0e-\x1f!-\U0010ffff",
}
_JAVA_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": r"\x00-\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": r"!-/:-@\[-`{-~",
    "XDigit": "0-9a-fA-F",
    "Space": r" \t\n\x0b\f\r",
}
# Java writes a supplementary character as a UTF-16 surrogate pair of \u escapes.
_SURROGATE_PAIR = regex.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", regex.IGNORECASE)
_POSIX_ESCAPE = regex.compile(r"p\{(\w+)\}")


@functools.lru_cache(maxsize=1)
def service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


@functools.lru_cache(maxsize=1)
def known_actions() -> frozenset[str]:
    """Every operation of botocore's SageMaker model: anything else is UnknownOperationException."""
    return frozenset(service_model().operation_names)


@functools.cache
def input_shape(action: str) -> Any:
    return service_model().operation_model(action).input_shape


@functools.cache
def output_shape(action: str) -> Any:
    return service_model().operation_model(action).output_shape


def java_to_python(pattern: str) -> str:
    """Translate a pattern of the service model (java.util.regex) into the ``regex`` module's dialect.

    The model's patterns use Unicode properties (``\\p{L}``), POSIX classes (``\\p{Alnum}``), surrogate
    pairs and Java's ASCII ``\\d \\w \\s`` and ``.``; each is rewritten to what Java would match.
    """
    pattern = _SURROGATE_PAIR.sub(
        lambda m: "\\U%08x" % (0x10000 + ((int(m[1], 16) - 0xD800) << 10) + (int(m[2], 16) - 0xDC00)),
        pattern,
    )
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            nxt = pattern[index + 1]
            posix = _POSIX_ESCAPE.match(pattern, index + 1)
            if nxt in _JAVA_CLASSES:
                ranges = _JAVA_CLASSES[nxt]
            elif posix and posix[1] in _JAVA_POSIX:
                ranges = _JAVA_POSIX[posix[1]]
                index = posix.end() - 2  # consumed below with the two escape characters
            else:
                out.append(pattern[index : index + 2])
                index += 2
                continue
            out.append(ranges if in_class else f"[{ranges}]")
            index += 2
            continue
        if in_class:
            if char == "]" and out[-1] not in ("[", "[^"):
                in_class = False
            out.append(char)
        elif char == "[":
            in_class = True
            if pattern.startswith("[^", index):
                out.append("[^")
                index += 2
                continue
            out.append(char)
        elif char == ".":
            out.append(r"[^\n\r\x85\u2028\u2029]")  # Java's dot stops at every line terminator
        else:
            out.append(char)
        index += 1
    return "".join(out)


@functools.cache
def compiled_pattern(pattern: str) -> Any:
    """The model's ``pattern`` compiled once, as Java's ``matches()`` would apply it (whole string)."""
    return regex.compile(java_to_python(pattern))


def matches(pattern: str, value: str) -> bool:
    return compiled_pattern(pattern).fullmatch(value) is not None


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def validate_request(action: str, params: Any) -> None:
    """Raise ValidationError listing every violation, like SageMaker's "N validation errors detected"."""
    if not isinstance(params, dict):
        raise ValidationError(f"The request body of {action} must be a JSON object.")
    errors = _Errors()
    _walk(input_shape(action), params, "", errors)
    if errors.total:
        noun = "error" if errors.total == 1 else "errors"
        capped = errors.total >= MAX_COUNTED_ERRORS  # counting stopped there
        count = f"{errors.total}{'+' if capped else ''}"
        shown = list(errors)
        if errors.total > len(shown):  # a huge bad list must not make a huge answer
            shown.append("and more" if capped else f"and {errors.total - len(shown)} more")
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(shown))


class _Errors(list[str]):
    """Violations: the first MAX_SHOWN_ERRORS kept, the rest only counted (memory stays bounded)."""

    total = 0

    def append(self, message: str) -> None:
        self.total += 1
        if len(self) < MAX_SHOWN_ERRORS:
            super().append(message)


def _walk(shape: Any, value: Any, path: str, errors: _Errors) -> None:
    if errors.total >= MAX_COUNTED_ERRORS:
        return  # enough to tell the client; walking millions of bad items would only cost time
    kind = shape.type_name
    meta = shape.metadata
    where = f"at '{path}'" if path else ""
    if kind == "structure":
        if not isinstance(value, dict):
            _fail(errors, value, where, "Member must be a structure")
            return
        for name in shape.required_members:
            if name not in value or value[name] is None:
                sub = f"{path}.{_lower_first(name)}" if path else _lower_first(name)
                errors.append(f"Value null at '{sub}' failed to satisfy constraint: Member must not be null")
        for name, member_value in value.items():
            if errors.total >= MAX_COUNTED_ERRORS:
                return
            if name not in shape.members:
                errors.append(
                    f"Unknown parameter {show(name)} {where or 'in the request'}; allowed: "
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
            _fail(errors, value, where, "Member must be a list")
            return
        _check_length(len(value), meta, value, where, errors)
        # Items past the maximum are already refused by the length check.
        for index, item in enumerate(value[: meta.get("max")]):
            if errors.total >= MAX_COUNTED_ERRORS:
                return
            _walk(shape.member, item, f"{path}.{index + 1}.member", errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            _fail(errors, value, where, "Member must be a map")
            return
        _check_length(len(value), meta, value, where, errors)
        for key, item in value.items():
            if errors.total >= MAX_COUNTED_ERRORS:
                return
            _walk(shape.key, key, f"{path}.key", errors)
            _walk(shape.value, item, f"{path}.{_cut(str(key))}", errors)
        return
    if kind == "string":
        if not isinstance(value, str):
            _fail(errors, value, where, "Member must be a string")
            return
        _check_length(len(value), meta, value, where, errors)
        if shape.enum and value not in shape.enum:
            _fail(errors, value, where, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = meta.get("pattern")
        if pattern and not matches(pattern, value):
            _fail(errors, value, where, f"Member must satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(errors, value, where, "Member must be an integer")
            return
        _check_range(value, meta, where, errors)
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(errors, value, where, "Member must be a number")
            return
        _check_range(value, meta, where, errors)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            _fail(errors, value, where, "Member must be a boolean")
        return
    if kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        _fail(errors, value, where, "Member must be a timestamp")


def _fail(errors: _Errors, value: Any, where: str, constraint: str) -> None:
    errors.append(f"Value {show(value)} {where} failed to satisfy constraint: {constraint}")


def _check_length(length: int, meta: dict[str, Any], value: Any, where: str, errors: _Errors) -> None:
    if "min" in meta and length < meta["min"]:
        _fail(errors, value, where, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and length > meta["max"]:
        _fail(errors, value, where, f"Member must have length less than or equal to {meta['max']}")


def _check_range(value: float, meta: dict[str, Any], where: str, errors: _Errors) -> None:
    if "min" in meta and value < meta["min"]:
        _fail(errors, value, where, f"Member must have value greater than or equal to {meta['min']}")
    if "max" in meta and value > meta["max"]:
        _fail(errors, value, where, f"Member must have value less than or equal to {meta['max']}")
