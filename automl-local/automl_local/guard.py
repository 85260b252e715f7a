"""The WSGI layer in front of the whole server, S3 included: framing, size and signature first.

Nothing behind it (our AutoML API, moto) reads a byte of a request before the guard has checked its
Content-Length, its size against the limits, its JSON nesting and, when credentials are configured,
its signature. A refused request is answered in its own protocol: an AWS JSON error when it is a
JSON-protocol call (``X-Amz-Target``, e.g. SageMaker), S3's XML error otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import sys
import tempfile
from collections.abc import Iterable
from typing import Any

from automl_local.auth import SigV4Verifier
from automl_local.errors import Refusal, json_error, s3_error, show
from automl_local.limits import FLAGS, Limits, format_size, json_too_deep

log = logging.getLogger("automl_local")

READ_CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a chunked upload larger than this waits on disk, not in memory
_DIGITS = re.compile(r"[0-9]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# sagemaker-runtime's InvokeEndpoint (the endpoint name is group 1) is rest-json: read whole and
# bounded, refused in JSON, never S3 XML.
INVOCATIONS = re.compile(r"/endpoints/([^/]+)/invocations")


def is_invocation(environ: dict[str, Any]) -> bool:
    """An InvokeEndpoint request (the JSON-protocol SageMaker API carries X-Amz-Target instead)."""
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and not environ.get("HTTP_X_AMZ_TARGET")
        and INVOCATIONS.fullmatch(str(environ.get("PATH_INFO", ""))) is not None
    )


def json_protocol_call(environ: dict[str, Any]) -> bool:
    """A SageMaker (``X-Amz-Target``) or sagemaker-runtime invocation call, as opposed to S3."""
    return bool(environ.get("HTTP_X_AMZ_TARGET")) or is_invocation(environ)


def content_length(environ: dict[str, Any]) -> int | None:
    """The request's Content-Length; Refusal when it is anything but a non-negative integer."""
    raw = environ.get("CONTENT_LENGTH")
    if raw is None or str(raw).strip() == "":
        return None
    if not _DIGITS.fullmatch(str(raw).strip()):
        raise Refusal(
            400,
            "ValidationException",
            "InvalidArgument",
            f"Content-Length {show(str(raw), 40)} is not a non-negative integer.",
        )
    return int(str(raw).strip())


def _too_large(limit: int, api_call: bool) -> Refusal:
    flag = FLAGS["max_request_bytes" if api_call else "max_upload_bytes"]
    return Refusal(
        413,
        "RequestEntityTooLargeException",
        "EntityTooLarge",
        f"The request body is larger than {format_size(limit)}, the local backend's limit for "
        f"{'an API call' if api_call else 'an upload'} (serve {flag.flag}, env {flag.env}).",
        s3_status=400,
        s3_message=f"Your proposed upload exceeds the maximum allowed object size ({format_size(limit)}; "
        f"serve {flag.flag}, env {flag.env}).",
    )


def _timed_out(limits: Limits) -> Refusal:
    return Refusal(
        400,
        "RequestTimeoutException",
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the timeout "
        f"period ({limits.request_timeout} s; serve --request-timeout).",
    )


def _incomplete(message: str) -> Refusal:
    return Refusal(400, "ValidationException", "IncompleteBody", message)


class RequestGuard:
    """Admits a request to ``app`` only when it is well framed, small enough and (if required) signed."""

    def __init__(
        self,
        app: Any,
        *,
        limits: Limits,
        verifier: SigV4Verifier | None = None,
        open_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.limits = limits
        self.verifier = verifier
        self.open_paths = frozenset(open_paths)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        json_protocol = json_protocol_call(environ)
        try:
            self._admit(environ, json_protocol)
        except Refusal as refusal:
            log.info(
                "refused %s %s: %s",
                environ.get("REQUEST_METHOD"),
                show(environ.get("PATH_INFO"), 80),
                refusal.json.code,
            )
            return self._refuse(environ, start_response, refusal, json_protocol)
        try:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        except Exception:  # a bug behind the guard still gets an answer in the client's protocol
            log.exception(
                "unhandled error for %s %s", environ.get("REQUEST_METHOD"), show(environ.get("PATH_INFO"), 80)
            )
            failure = Refusal(
                500, "InternalFailure", "InternalError", "We encountered an internal error. Please try again."
            )
            return self._refuse(environ, start_response, failure, json_protocol, sys.exc_info())

    def _admit(self, environ: dict[str, Any], json_protocol: bool) -> None:
        if environ.get("PATH_INFO") in self.open_paths and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return
        length = content_length(environ)
        chunked = "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
        if chunked and length is not None:  # the classic request-smuggling ambiguity: refuse it
            raise Refusal(
                400,
                "ValidationException",
                "InvalidRequest",
                "A request may not carry both Content-Length and Transfer-Encoding: chunked.",
            )
        signed = self.verifier.parse(environ) if self.verifier is not None else None
        # API calls are read whole (to check nesting, or hash for the signature); S3 uploads stream.
        api_call = json_protocol or (signed is not None and signed.service != "s3")
        limit = self.limits.max_request_bytes if api_call else self.limits.max_upload_bytes
        if length is not None and length > limit:
            raise _too_large(limit, api_call)
        body: bytes | None = None
        if api_call:
            body = self._read(environ, length, limit, chunked)
        if signed is not None and self.verifier is not None:
            self.verifier.verify(signed, environ, body)
        # A signed S3 upload whose payload hash was signed: the body must be the one signed.
        signed_hash = str(environ.get("HTTP_X_AMZ_CONTENT_SHA256", "")).lower() if signed else ""
        check_hash = bool(_SHA256.fullmatch(signed_hash)) and (chunked or bool(length))
        if not api_call and (chunked or check_hash):
            digest = self._spool(environ, limit, length)
            if check_hash and not hmac.compare_digest(digest, signed_hash):
                raise Refusal(
                    400,
                    "InvalidSignatureException",
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                )
        if json_protocol and body and json_too_deep(body, self.limits.max_json_depth):
            raise Refusal(
                400,
                "ValidationException",
                "InvalidRequest",
                f"The request body nests JSON deeper than {self.limits.max_json_depth} levels "
                "(serve --max-json-depth).",
            )
        if body is not None:
            self._replace_input(environ, io.BytesIO(body), len(body))

    def _read(self, environ: dict[str, Any], length: int | None, limit: int, chunked: bool) -> bytes:
        if length is None and not chunked:
            return b""  # HTTP/1.1: no Content-Length and not chunked means no body
        parts: list[bytes] = []
        self._copy(environ["wsgi.input"], length, limit, True, parts.append)
        return b"".join(parts)

    def _spool(self, environ: dict[str, Any], limit: int, length: int | None) -> str:
        """An upload read ahead (counted against the limit, hashed) and replayed with a Content-Length.

        Chunked uploads need it for their length, signed ones for their hash; beyond 8 MiB it waits
        on disk, not in memory. Returns the body's SHA-256.
        """
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed on
        digest = hashlib.sha256()

        def sink(piece: bytes) -> None:
            spool.write(piece)
            digest.update(piece)

        try:
            size = self._copy(environ["wsgi.input"], length, limit, False, sink)
        except Refusal:
            spool.close()
            raise
        spool.seek(0)
        self._replace_input(environ, spool, size)
        return digest.hexdigest()

    def _copy(self, stream: Any, length: int | None, limit: int, api_call: bool, sink: Any) -> int:
        """Bytes from ``stream`` to ``sink``: up to ``length`` (else to its end), never over ``limit``."""
        size = 0
        try:
            while length is None or size < length:
                piece = stream.read(READ_CHUNK if length is None else min(READ_CHUNK, length - size))
                if not piece:
                    break
                size += len(piece)
                if size > limit:
                    raise _too_large(limit, api_call)
                sink(piece)
        except TimeoutError:
            raise _timed_out(self.limits) from None
        except OSError as err:  # a broken chunked encoding, a connection reset
            raise _incomplete(f"Could not read the request body: {err}.") from None
        if length is not None and size < length:
            raise _incomplete(
                f"The request body ended after {size} of the {length} bytes its Content-Length announced."
            )
        return size

    @staticmethod
    def _replace_input(environ: dict[str, Any], stream: Any, size: int) -> None:
        environ["wsgi.input"] = stream
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)

    @staticmethod
    def _refuse(
        environ: dict[str, Any],
        start_response: Any,
        refusal: Refusal,
        json_protocol: bool,
        exc_info: Any = None,
    ) -> list[bytes]:
        if json_protocol:
            status, headers, body = json_error(refusal.json)
        else:
            head = environ.get("REQUEST_METHOD") == "HEAD"
            status, headers, body = s3_error(
                refusal.s3_code, refusal.s3_message, refusal.s3_status, head=head
            )
        start_response(status, headers, exc_info)
        return [body]
