"""A transform job's ``DataProcessing``: InputFilter, JoinSource and OutputFilter, record by record.

SageMaker supports a subset of JSONPath (docs: "Associate Prediction Results with Input Records"):
``$``, ``.name``, ``*``, ``['a','b']``, ``[1]``, ``[1,3,-1]`` and slices ``[2:5]``, ``[:5]``, ``[2:]``.
A CSV record is a JSON array of its fields, so only index paths apply to it. As those docs say, a
slice includes its end: ``$[1:4]`` is the second through fifth column. Joining puts the input first:
a CSV row gets the answer's fields appended; a JSON object gets ``SageMakerOutput``; any other JSON
value becomes ``{"SageMakerInput": ..., "SageMakerOutput": ...}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from automl_local.errors import show
from automl_local.serving.codecs import CSV, JSON, JSONLINES, ModelFailure, csv_rows, csv_text, json_lines

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_INT = re.compile(r"-?[0-9]+")


class PathError(ValueError):
    """A filter outside the JSONPath subset SageMaker supports."""


@dataclass(frozen=True)
class Step:
    kind: str  # "name" | "names" | "indexes" | "wildcard"
    names: tuple[str, ...] = ()
    items: tuple[tuple[int | None, int | None] | int, ...] = ()  # an index, or a (start, end) slice


def parse_path(text: str) -> tuple[Step, ...]:
    """The steps of a filter; PathError names what is not supported."""
    text = text.strip()
    if not text.startswith("$"):
        raise PathError(f"{show(text, 70)} must start with '$'")
    steps: list[Step] = []
    at = 1
    while at < len(text):
        if text.startswith(".[", at):  # the docs' `$.field1.['child1','child2']`
            at += 1
            continue
        if text.startswith(".*", at) or text.startswith("[*]", at):
            steps.append(Step("wildcard"))
            at += 2 if text[at] == "." else 3
            continue
        if text[at] == ".":
            match = _NAME.match(text, at + 1)
            if not match:
                raise PathError(f"{show(text, 70)}: expected a name after '.' at position {at}")
            steps.append(Step("name", names=(match.group(),)))
            at = match.end()
            continue
        if text[at] == "[":
            end = text.find("]", at)
            if end < 0:
                raise PathError(f"{show(text, 70)}: '[' at position {at} is not closed")
            steps.append(_bracket(text[at + 1 : end], text))
            at = end + 1
            continue
        raise PathError(f"{show(text, 70)}: unexpected {text[at]!r} at position {at}")
    return tuple(steps)


def _bracket(inner: str, text: str) -> Step:
    parts = [p.strip() for p in inner.split(",")]
    if all(len(p) >= 2 and p[0] == p[-1] and p[0] in "'\"" for p in parts):
        return Step("names", names=tuple(p[1:-1] for p in parts))
    items: list[tuple[int | None, int | None] | int] = []
    for part in parts:
        if ":" in part:
            start, _, end = part.partition(":")
            if (start and not _INT.fullmatch(start.strip())) or (end and not _INT.fullmatch(end.strip())):
                raise PathError(f"{show(text, 70)}: {part!r} is not a slice")
            items.append((int(start) if start.strip() else None, int(end) if end.strip() else None))
        elif _INT.fullmatch(part):
            items.append(int(part))
        else:
            raise PathError(f"{show(text, 70)}: {part!r} is neither an index, a slice nor a quoted name")
    return Step("indexes", items=tuple(items))


def apply_path(steps: tuple[Step, ...], value: Any) -> Any:
    """The part of ``value`` the steps select; ModelFailure (a client error) when it is not there."""
    for step in steps:
        value = _step(step, value)
    return value


def _step(step: Step, value: Any) -> Any:
    if step.kind == "wildcard":
        return list(value.values()) if isinstance(value, dict) else value
    if step.kind in ("name", "names"):
        if not isinstance(value, dict):
            raise ModelFailure(
                400, f"A record is not a JSON object, so {list(step.names)} cannot select from it."
            )
        missing = [n for n in step.names if n not in value]
        if missing:
            raise ModelFailure(400, f"A record has no attribute {show(missing[0], 60)}.")
        return value[step.names[0]] if step.kind == "name" else {n: value[n] for n in step.names}
    if not isinstance(value, list):
        raise ModelFailure(
            400, "A record is not an array (a CSV row or JSON list), so indexes cannot select from it."
        )
    size = len(value)
    picked: list[Any] = []
    for item in step.items:
        if isinstance(item, int):
            index = item + size if item < 0 else item
            if not 0 <= index < size:
                raise ModelFailure(400, f"Index {item} is out of range for a record of {size} values.")
            picked.append(value[index])
        else:
            start = 0 if item[0] is None else (item[0] + size if item[0] < 0 else item[0])
            end = size - 1 if item[1] is None else (item[1] + size if item[1] < 0 else item[1])
            picked.extend(value[max(start, 0) : min(end, size - 1) + 1])  # the end is included
    if len(step.items) == 1 and isinstance(step.items[0], int):
        return picked[0]
    return picked


def family(media_type: str) -> str:
    """``csv`` or ``json``: records of the two families cannot be joined with each other."""
    return "csv" if media_type == CSV else "json"


def split_records(body: bytes, media_type: str) -> list[Any]:
    """A request's (or an answer's) records: CSV rows as lists of strings, JSON values otherwise."""
    if media_type == CSV:
        return list(csv_rows(body))
    if media_type == JSONLINES:
        return json_lines(body)
    if media_type == JSON:
        try:  # one JSON document (an answer, or a request with SplitType None) ...
            whole = json.loads(body)
        except (ValueError, RecursionError):  # ... or one per line
            return json_lines(body)
        if isinstance(whole, dict) and isinstance(whole.get("predictions"), list):
            return list(whole["predictions"])
        return [whole]
    raise ModelFailure(
        415, f"DataProcessing reads text/csv, application/json and application/jsonlines, not {media_type}."
    )


def request_body(records: list[Any], media_type: str) -> bytes:
    """Records as one request to the model: CSV or JSON Lines lines, a JSON array (or the one record)."""
    if media_type == JSON:
        return json.dumps(records[0] if len(records) == 1 else records).encode()
    return write_records(records, media_type)


def write_records(records: list[Any], media_type: str) -> bytes:
    """Records back to bytes, one per line."""
    if media_type == CSV:
        return csv_text([r if isinstance(r, list) else [r] for r in records])
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()


def join(record: Any, answer: Any, media_type: str) -> Any:
    if media_type == CSV:
        left = record if isinstance(record, list) else [record]
        right = answer if isinstance(answer, list) else [answer]
        return left + right
    if isinstance(record, dict):
        return {**record, "SageMakerOutput": answer}
    return {"SageMakerInput": record, "SageMakerOutput": answer}


@dataclass(frozen=True)
class DataProcessing:
    input_filter: tuple[Step, ...]
    output_filter: tuple[Step, ...]
    join_input: bool

    @classmethod
    def from_request(cls, config: dict[str, Any] | None) -> DataProcessing:
        """PathError for filters outside the supported subset."""
        config = config or {}
        return cls(
            input_filter=parse_path(config.get("InputFilter") or "$"),
            output_filter=parse_path(config.get("OutputFilter") or "$"),
            join_input=config.get("JoinSource") == "Input",
        )

    @property
    def active(self) -> bool:
        return bool(self.input_filter or self.output_filter or self.join_input)


__all__ = [
    "DataProcessing",
    "PathError",
    "apply_path",
    "family",
    "join",
    "parse_path",
    "request_body",
    "split_records",
    "write_records",
]
