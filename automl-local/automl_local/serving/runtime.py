"""The sagemaker-runtime wire: ``POST /endpoints/<name>/invocations`` (InvokeEndpoint), rest-json.

Answers as the runtime does: the model's answer with its Content-Type and
``x-Amzn-Invoked-Production-Variant``; ``ModelError`` (424, with OriginalStatusCode, OriginalMessage and
LogStreamArn) when the model container refuses or fails; ``ValidationError`` (400) for an unknown or
not-yet-serving endpoint; 413 for a body over 6 MiB. Endpoints that are not ours go to moto (its
canned answer), as before. The request guard in front of the server has already checked framing,
size limits and, when credentials are set, the signature (the runtime signs as service ``sagemaker``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any

from automl_local.candidates import ACCOUNT_ID
from automl_local.errors import ApiError, cap, show
from automl_local.guard import INVOCATIONS, content_length, is_invocation
from automl_local.serving.codecs import ModelFailure
from automl_local.serving.endpoints import Endpoints, NotServing
from automl_local.serving.moto import MotoSageMaker
from automl_local.serving.predictor import LoadError

ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
MAX_BODY_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's payload limit (6291456 bytes)
MAX_ENDPOINT_NAME = 63
# Models run on these long-lived threads, not on the server's thread per request: native libraries
# (OpenMP in LightGBM, scikit-learn's thread pools) set up per-thread state that costs milliseconds
# on every fresh thread. Also bounds how many predictions share the cores at once.
INVOKE_WORKERS = 4


class Runtime:
    def __init__(self, *, endpoints: Endpoints, moto: MotoSageMaker, moto_app: Any, region: str) -> None:
        self.endpoints = endpoints
        self.moto = moto
        self.moto_app = moto_app
        self.region = region
        self.pool = ThreadPoolExecutor(max_workers=INVOKE_WORKERS, thread_name_prefix="automl-invoke")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        match = INVOCATIONS.fullmatch(environ.get("PATH_INFO", ""))
        name = match.group(1) if match else ""
        if len(name) > MAX_ENDPOINT_NAME or not ENDPOINT_NAME.fullmatch(name):
            return self._error(
                start_response,
                400,
                "ValidationError",
                f"1 validation error detected: Value {show(name, 80)} at 'endpointName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
            )
        length = content_length(environ) or 0
        if length > MAX_BODY_BYTES:  # refused before a byte of it is read
            return self._error(
                start_response, 413, None, f"HTTP content length exceeded {MAX_BODY_BYTES} bytes."
            )
        if not self.endpoints.owns(name):
            return self._not_ours(name, environ, start_response)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            variant, predictor = self.endpoints.live(name).pick(
                environ.get("HTTP_X_AMZN_SAGEMAKER_TARGET_VARIANT")
            )
        except NotServing as err:
            return self._error(start_response, 400, "ValidationError", str(err))
        except KeyError:  # deleted meanwhile
            return self._error(start_response, 400, "ValidationError", self._unknown(name))
        except LoadError as err:  # reloading after a restart failed: the container never came up
            return self._model_error(start_response, name, 500, f"The model could not be loaded: {err}")
        try:
            running = self.pool.submit(
                predictor.invoke, body, environ.get("CONTENT_TYPE"), environ.get("HTTP_ACCEPT")
            )
            answer, content_type = running.result()
        except ModelFailure as err:
            return self._model_error(start_response, name, err.status, err.message)
        start_response(
            "200 OK",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(answer))),
                ("x-Amzn-Invoked-Production-Variant", variant),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [answer]

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _not_ours(self, name: str, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """moto's endpoints keep moto's canned answer; an endpoint nobody has is unknown."""
        try:
            self.moto.call("DescribeEndpoint", {"EndpointName": name})
        except ApiError:
            return self._error(start_response, 400, "ValidationError", self._unknown(name))
        return self.moto_app(environ, start_response)  # type: ignore[no-any-return]

    @staticmethod
    def _unknown(name: str) -> str:
        return f"Endpoint {name} of account {ACCOUNT_ID} not found."

    def _model_error(self, start_response: Any, name: str, status: int, message: str) -> list[bytes]:
        original = cap(message, 1024)
        kind = "client" if status < 500 else "server"
        group = f"/aws/sagemaker/Endpoints/{name}"
        body = {
            "ErrorCode": f"{kind.upper()}_ERROR_FROM_MODEL",
            "LogStreamArn": f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{group}",
            "Message": (
                f'Received {kind} error ({status}) from primary with message "{original}". See '
                f"https://{self.region}.console.aws.amazon.com/cloudwatch/home?region={self.region}"
                f"#logEventViewer:group={group} in account {ACCOUNT_ID} for more information."
            ),
            "OriginalMessage": original,
            "OriginalStatusCode": status,
        }
        return self._send(start_response, 424, "ModelError", body)

    def _error(self, start_response: Any, status: int, code: str | None, message: str) -> list[bytes]:
        return self._send(start_response, status, code, {"message": cap(message), "Message": cap(message)})

    @staticmethod
    def _send(start_response: Any, status: int, code: str | None, body: dict[str, Any]) -> list[bytes]:
        data = json.dumps(body).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ]
        if code is not None:
            headers.append(("x-amzn-ErrorType", f"{code}:"))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]


__all__ = ["MAX_BODY_BYTES", "Runtime", "is_invocation"]
