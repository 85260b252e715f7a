"""AWS-style errors the AutoML actions answer with (JSON protocol: ``__type`` + ``message``)."""

from __future__ import annotations


SHOWN_VALUE_CHARS = 200


def show(value: object, limit: int = SHOWN_VALUE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters: error messages never echo a client's megabytes."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


class ApiError(Exception):
    """An error answered to the client with an AWS error code and HTTP status."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str) -> None:
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


def error_from(code: str, message: str, status: int) -> ApiError:
    """An ApiError with a code given at run time (e.g. relayed from moto)."""
    err = ApiError(message)
    err.code = code
    err.status = status
    return err
