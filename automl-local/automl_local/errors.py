"""AWS-style errors: the JSON protocol's (``__type`` + ``message``) and S3's XML ones.

No error echoes a client's megabytes: values are cut with :func:`show` and every message is capped
at ``MAX_MESSAGE_CHARS``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

SHOWN_VALUE_CHARS = 200
MAX_MESSAGE_CHARS = 4096
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


def show(value: object, limit: int = SHOWN_VALUE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters: error messages never echo a client's megabytes."""
    if isinstance(value, (str, bytes)) and len(value) > limit:  # never repr a huge value whole
        return f"{repr(value[:limit])[:limit]}... ({len(value)} characters)"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def cap(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """A message cut to ``limit`` characters, saying how long it was."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}... (message cut, {len(message)} characters)"


class ApiError(Exception):
    """An error answered to the client with an AWS error code and HTTP status."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str) -> None:
        message = cap(message)
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message, "Message": self.message}


class ValidationError(ApiError):
    code = "ValidationException"
    status = 400


class ResourceNotFoundError(ApiError):
    code = "ResourceNotFound"
    status = 400


class ResourceInUseError(ApiError):
    code = "ResourceInUse"
    status = 400


class ResourceLimitExceededError(ApiError):
    code = "ResourceLimitExceeded"
    status = 400


class ThrottlingError(ApiError):
    code = "ThrottlingException"
    status = 400


class InternalError(ApiError):
    code = "InternalFailure"
    status = 500


class UnknownOperationError(ApiError):
    code = "UnknownOperationException"
    status = 400


class RequestEntityTooLargeError(ApiError):
    code = "RequestEntityTooLargeException"
    status = 413


def error_from(code: str, message: str, status: int) -> ApiError:
    """An ApiError with a code given at run time (e.g. relayed from moto)."""
    err = ApiError(message)
    err.code = code
    err.status = status
    return err


class Refusal(Exception):
    """A request refused before any API reads it, answered in the client's protocol.

    SageMaker (JSON protocol) gets ``json_code``; S3 and the rest get S3's XML ``s3_code``.
    """

    def __init__(
        self,
        status: int,
        json_code: str,
        s3_code: str,
        message: str,
        *,
        s3_status: int | None = None,
        s3_message: str | None = None,
    ) -> None:
        super().__init__(cap(message))
        self.json = error_from(json_code, message, status)
        self.s3_code = s3_code
        self.s3_status = status if s3_status is None else s3_status
        self.s3_message = cap(s3_message or message)


def _status_line(status: int) -> str:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return f"{status} {reason}"


def json_response(
    status: int, payload: Mapping[str, Any], extra: list[tuple[str, str]] | None = None
) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of an AWS JSON protocol answer."""
    data = json.dumps(payload).encode()
    headers = [
        ("Content-Type", JSON_CONTENT_TYPE),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        *(extra or []),
    ]
    return _status_line(status), headers, data


def json_error(err: ApiError) -> tuple[str, list[tuple[str, str]], bytes]:
    return json_response(err.status, err.body(), [("x-amzn-ErrorType", f"{err.code}:")])


def s3_error(
    code: str, message: str, status: int, *, head: bool = False
) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of an S3 XML error; a HEAD answer has no body."""
    request_id = uuid.uuid4().hex[:16].upper()
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(cap(message))}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    headers = [
        ("Content-Type", "application/xml"),
        ("Content-Length", "0" if head else str(len(data))),
        ("x-amz-request-id", request_id),
    ]
    return _status_line(status), headers, b"" if head else data
