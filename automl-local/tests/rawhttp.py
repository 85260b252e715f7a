"""Raw HTTP/1.1 over a socket: requests no well-behaved client would send, and what came back."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int | None  # None: the server closed the connection without answering
    headers: dict[str, str]
    body: bytes
    seconds: float
    send_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def code(self) -> str:
        """The AWS error code, from the JSON ``__type`` or the S3 XML ``<Code>``."""
        if self.headers.get("content-type", "").startswith("application/x-amz-json"):
            return str(self.json.get("__type", "")).rsplit("#", 1)[-1]
        text = self.body.decode(errors="replace")
        if "<Code>" in text:
            return text.split("<Code>", 1)[1].split("</Code>", 1)[0]
        return ""


def exchange(url: str, head: bytes, body: bytes = b"", *, timeout: float = 30.0) -> Answer:
    """Send ``head`` (request line and headers, as given) and ``body``; read until the server closes.

    The body is sent from another thread while the answer is read, so an early answer (413 before the
    body is read) is seen even if the server stops reading.
    """
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    send_error: list[str] = []

    def send() -> None:
        try:
            sock.sendall(head + body)
        except OSError as err:  # the server answered and closed before taking everything
            send_error.append(type(err).__name__)

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = bytearray()
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    finally:
        seconds = time.monotonic() - started
        sock.close()
        sender.join(5)
    return _parse(bytes(received), seconds, send_error[0] if send_error else None)


def _parse(data: bytes, seconds: float, send_error: str | None) -> Answer:
    if not data:
        return Answer(None, {}, b"", seconds, send_error)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body, seconds, send_error)


def sagemaker_head(
    url: str, action: str, content_length: str | int | None, *, extra: str = "", method: str = "POST"
) -> bytes:
    """Request line and headers of a SageMaker (AWS JSON protocol) call."""
    host = urlsplit(url).netloc
    length = "" if content_length is None else f"Content-Length: {content_length}\r\n"
    return (
        f"{method} / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: SageMaker.{action}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\n{length}{extra}\r\n"
    ).encode()


def s3_head(url: str, method: str, path: str, content_length: str | int | None, *, extra: str = "") -> bytes:
    host = urlsplit(url).netloc
    length = "" if content_length is None else f"Content-Length: {content_length}\r\n"
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{length}{extra}\r\n".encode()
