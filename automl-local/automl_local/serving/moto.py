"""SageMaker calls the serving layer makes to moto in-process: the models and endpoint configs it keeps.

CreateModel and CreateEndpointConfig stay moto's (nothing to emulate there); serving reads them back
with DescribeModel / DescribeEndpointConfig, and auto-deploy creates them, through moto's own WSGI
app, so what moto answers here is what a client would get. Errors come back as :class:`ApiError`,
answers corrected like every moto answer the server relays (:func:`fix_moto_output`).
"""

from __future__ import annotations

import json
from typing import Any

from automl_local.data import LOCAL_KEY
from automl_local.errors import ApiError, InternalError, error_from, show
from automl_local.moto_fixes import fix_moto_output

# Unsigned: moto reads only the service and region from the credential scope.
_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential={key}/20240101/{region}/sagemaker/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)


class MotoSageMaker:
    """``call(action, body)`` against moto's SageMaker backend of ``region``."""

    def __init__(self, app: Any, region: str) -> None:
        self.app = app
        self.region = region

    def call(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        from werkzeug.test import EnvironBuilder

        raw = json.dumps(body).encode()
        builder = EnvironBuilder(
            path="/",
            method="POST",
            base_url=f"http://api.sagemaker.{self.region}.amazonaws.com/",
            data=raw,
            headers=[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", f"SageMaker.{action}"),
                ("Authorization", _AUTHORIZATION.format(key=LOCAL_KEY, region=self.region)),
            ],
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            return lambda data: None

        chunks = self.app(environ, start_response)
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
        if not isinstance(payload, dict):
            raise InternalError(f"moto answered SageMaker {show(action, 64)} with HTTP {code} and no JSON.")
        if code >= 400:
            kind = str(payload.get("__type") or payload.get("code") or "InternalFailure").rsplit("#", 1)[-1]
            message = str(payload.get("message") or payload.get("Message") or f"{action} failed.")
            raise error_from(kind, message, 400 if code < 500 else 500)
        return fix_moto_output(action, payload)


def not_found(err: ApiError) -> bool:
    """True when moto answered that the resource does not exist (it says ValidationException)."""
    return err.code in ("ValidationException", "ValidationError", "ResourceNotFound")


__all__ = ["MotoSageMaker", "not_found"]
