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
from automl_local.errors import ApiError, InternalError, show
from automl_local.moto_fixes import call_moto_json, fix_moto_output, moto_error

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
        code, payload = call_moto_json(self.app, environ)
        if payload is None:
            raise InternalError(f"moto answered SageMaker {show(action, 64)} with HTTP {code} and no JSON.")
        if code >= 400:
            raise moto_error(action, code, payload)
        return fix_moto_output(action, payload)

    def describe_or_none(self, action: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """``call(action, body)`` for a Describe action; None when moto has no such resource."""
        try:
            return self.call(action, body)
        except ApiError as err:
            if not_found(err):
                return None
            raise


def not_found(err: ApiError) -> bool:
    """True when moto answered that the resource does not exist (it says ValidationException)."""
    return err.code in ("ValidationException", "ValidationError", "ResourceNotFound")


__all__ = ["MotoSageMaker", "not_found"]
