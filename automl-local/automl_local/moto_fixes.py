"""Corrections to moto's SageMaker answers where they break real clients.

moto fills members it does not model with placeholders (``VpcConfig: {}``, ``LabelingJobArn: ""``) that a
strict client (sagemaker-core) rejects, and leaves out some members the model requires. One generic pass
over the action's output shape drops what the model marks optional and moto got wrong; a few
action-specific patches add what only the action's meaning can supply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from automl_local.errors import ApiError, error_from
from automl_local.shapes import matches, output_shape

_DROP = object()  # marker: this optional value is invalid, leave the member out


def fix_moto_output(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return moto's successful JSON answer to ``action``, corrected where real clients reject it."""
    shape = output_shape(action)
    if shape is None:  # the action answers no members
        return {}
    patch = _PATCHES.get(action)
    if patch is not None:
        patch(payload)
    fixed = _fix(shape, payload, required=True)
    return fixed if isinstance(fixed, dict) else payload


def _fix(shape: Any, value: Any, *, required: bool, name: str = "") -> Any:
    """``value`` made to fit ``shape``; ``_DROP`` when it cannot and the member is optional."""
    kind = shape.type_name
    if value is None:
        return _DROP
    if kind == "structure":
        if not isinstance(value, dict):
            return value if required else _DROP
        fixed: dict[str, Any] = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                continue  # not in the model: clients would ignore it, strict ones reject it
            result = _fix(member, item, required=key in shape.required_members, name=key)
            if result is not _DROP:
                fixed[key] = result
        for key in shape.required_members:
            member = shape.members[key]
            if key not in fixed and member.type_name == "structure" and not member.required_members:
                fixed[key] = {}  # e.g. CreatedBy: every member of it is optional
        if required:
            return fixed
        if not fixed or any(key not in fixed for key in shape.required_members):
            return _DROP
        return fixed
    if kind == "list":
        if not isinstance(value, list):
            return value if required else _DROP
        # Items are fixed but kept: dropping one would hide a resource from a listing.
        items = [_fix(shape.member, item, required=True) for item in value if item is not None]
        if not required and len(items) < shape.metadata.get("min", 0):
            return _DROP
        return items
    if kind == "map":
        if not isinstance(value, dict):
            return value if required else _DROP
        return {
            key: _fix(shape.value, item, required=True) for key, item in value.items() if item is not None
        }
    if kind == "timestamp" and isinstance(value, str):
        try:  # the JSON protocol answers epoch seconds
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value if required else _DROP
    if required or _scalar_fits(shape, value, name):
        return value
    return _DROP


def _scalar_fits(shape: Any, value: Any, name: str) -> bool:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "string":
        if not isinstance(value, str):
            return False
        if value == "" and name == "FailureReason":
            return False  # moto's "no failure"; AWS leaves the member out
        if shape.enum and value not in shape.enum:
            return False
        if not meta.get("min", 0) <= len(value) <= meta.get("max", len(value)):
            return False
        return not meta.get("pattern") or matches(meta["pattern"], value)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool) and _in_range(value, meta)
    if kind in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and _in_range(value, meta)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def _in_range(value: float, meta: dict[str, Any]) -> bool:
    return bool(meta.get("min", value) <= value <= meta.get("max", value))


def _model_package(payload: dict[str, Any]) -> None:
    """A versioned package is named after its group; moto names its status entries with the ARN."""
    if "ModelPackageName" not in payload and payload.get("ModelPackageGroupName"):
        payload["ModelPackageName"] = payload["ModelPackageGroupName"]
    details = payload.get("ModelPackageStatusDetails")
    if isinstance(details, dict) and payload.get("ModelPackageName"):
        for key in ("ValidationStatuses", "ImageScanStatuses"):
            for entry in details.get(key) or []:
                if isinstance(entry, dict):
                    entry["Name"] = payload["ModelPackageName"]


_PATCHES: dict[str, Callable[[dict[str, Any]], None]] = {
    "DescribeModelPackage": _model_package,
}


def call_moto_json(app: Any, environ: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """Run moto's WSGI ``app`` on ``environ``: its HTTP status and JSON object answer (None if not JSON)."""
    import json

    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    code = int(str(captured.get("status", "500")).split(" ", 1)[0])
    try:
        payload = json.loads(data or b"{}")
    except ValueError:
        payload = None
    return code, payload if isinstance(payload, dict) else None


def moto_error(action: str, code: int, payload: dict[str, Any]) -> ApiError:
    """moto's JSON error answer to ``action`` as our ApiError (its code, message and 400/500 status)."""
    kind = str(payload.get("__type") or payload.get("code") or "InternalFailure").rsplit("#", 1)[-1]
    message = str(payload.get("message") or payload.get("Message") or f"{action} failed.")
    return error_from(kind, message, 400 if code < 500 else 500)


__all__ = ["call_moto_json", "fix_moto_output", "moto_error"]
