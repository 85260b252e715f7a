"""The HTTP server's connections: a thread each, and a cap on how many are open at once.

werkzeug's threaded server starts a thread per connection and keeps it while the connection is open
(keep-alive included), with no upper bound: a client that opens connections and never closes them
makes the server start threads until the process can start no more. Here a connection beyond
``max_connections`` is answered at once with 503 and an AWS JSON ``ServiceUnavailable`` error, which
botocore and the SDKs retry with backoff, then closed; it never gets a thread. Together with the
socket timeout (``--request-timeout``), a silent connection holds its slot for at most that long.
Over TLS the handshake happens here too, per connection (see :mod:`automl_local.tls`).
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
from typing import Any

from werkzeug.serving import ThreadedWSGIServer

log = logging.getLogger("automl_local")

REFUSAL_SEND_TIMEOUT = 1.0  # seconds the accept loop may spend writing one refusal
WARN_EVERY = 60.0  # seconds between two warnings about refused connections


def refusal(max_connections: int) -> bytes:
    """The whole HTTP response to a connection over the cap (it closes the connection)."""
    body = json.dumps(
        {
            "__type": "ServiceUnavailable",
            "message": (
                f"The local backend already serves {max_connections} connections (--max-connections); "
                "retry later."
            ),
        }
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        "x-amzn-ErrorType: ServiceUnavailable:\r\n"
        "Retry-After: 1\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def send_json_error(handler: Any, code: int, message: str | None = None, explain: str | None = None) -> None:
    """``BaseHTTPRequestHandler.send_error`` answering in AWS JSON instead of an HTML page.

    The HTTP layer itself refuses what it cannot parse (a request line that is not HTTP, one over
    64 KiB, too many headers) before any route knows the protocol; the client still gets a short
    JSON error it can parse, with the client's bytes cut (``errors.cap``), and the connection closes.
    """
    from automl_local.errors import cap

    short, long = handler.responses.get(code, ("Bad Request", ""))
    text = cap(message or short, 300)
    handler.log_error("code %d, message %s", code, text)
    if handler.request_version == "HTTP/0.9":  # not parsed yet (or really 0.9): answer with a status line
        handler.request_version = "HTTP/1.0"
    handler.send_response(code, short)
    handler.send_header("Connection", "close")
    body = json.dumps({"__type": "BadRequest", "message": f"{text}. {explain or long}".strip()}).encode()
    handler.send_header("Content-Type", "application/x-amz-json-1.1")
    handler.send_header("x-amzn-ErrorType", "BadRequest:")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


class CappedWSGIServer(ThreadedWSGIServer):
    """werkzeug's threaded WSGI server with at most ``max_connections`` connections served at once."""

    def __init__(
        self, *args: Any, max_connections: int, tls: ssl.SSLContext | None = None, **kwargs: Any
    ) -> None:
        if max_connections <= 0:
            raise ValueError(f"max_connections must be positive, not {max_connections!r}")
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self._refusal = refusal(max_connections)
        self.refused = 0
        self._warned_at = -WARN_EVERY
        super().__init__(*args, **kwargs)  # a plain listening socket: TLS is per connection (below)
        self.tls = tls
        # werkzeug reads it for wsgi.url_scheme and to report TLS errors as such.
        self.ssl_context = tls

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # the thread never started: its slot is free again
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            if self.tls is not None:
                request = self._handshake(request)
                if request is None:
                    return
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _handshake(self, request: socket.socket) -> ssl.SSLSocket | None:
        """The connection wrapped in TLS, on this connection's thread and under its timeout; None
        (connection closed) when the client does not complete a handshake: plain HTTP, a bad
        certificate on its side, silence."""
        assert self.tls is not None
        request.settimeout(self.RequestHandlerClass.timeout)  # type: ignore[attr-defined]
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
            wrapped.do_handshake()
        except (ssl.SSLError, OSError) as err:
            log.debug("TLS handshake failed: %s", err)
            self.shutdown_request(request)
            return None
        return wrapped

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        """Answer 503 and close (over TLS: close only, a client there cannot read plain HTTP)."""
        self.refused += 1
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning(
                "%d connections open (--max-connections): refusing new ones with 503 (%s; %d refused so far)",
                self.max_connections,
                client_address[0] if client_address else "?",
                self.refused,
            )
        try:
            if self.tls is None:
                request.settimeout(REFUSAL_SEND_TIMEOUT)
                request.sendall(self._refusal)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)


__all__ = ["CappedWSGIServer", "refusal", "send_json_error"]
