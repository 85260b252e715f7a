"""A TCP proxy in front of the local backend: counts AutoML calls and injects network faults.

Counting happens on the wire (the ``X-Amz-Target: SageMaker.<Action>`` header of each request),
so it sees every HTTP attempt of every client: boto3 in the task, aiobotocore in a trigger,
botocore's own retries, and other processes. Modes:

- ``pass``: forward bytes both ways;
- ``refuse``: the listening socket is closed, so connects get ECONNREFUSED (reopened on the
  same port by ``set_mode("pass")``);
- ``reset``: connections are accepted, then reset (RST) at once; open ones are reset too;
- ``hang``: connections are accepted and read, never answered (client read timeouts).
"""

from __future__ import annotations

import collections
import contextlib
import re
import socket
import struct
import threading
import time
from typing import Any

TARGET = re.compile(rb"X-Amz-Target:\s*SageMaker\.(\w+)\r\n", re.I)
ERROR_TYPE = re.compile(rb"x-amzn-ErrorType:\s*(\w+)", re.I)


class FaultProxy:
    def __init__(self, upstream_port: int, *, port: int = 0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = port
        self.mode = "pass"
        self.counts: collections.Counter[str] = collections.Counter()
        self.timeline: list[tuple[float, str]] = []  # (monotonic time, action) of each request
        self.faults: collections.Counter[str] = collections.Counter()  # connections hit per mode
        self.errors: collections.Counter[str] = collections.Counter()  # error responses by code
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._closed = False
        self._listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True, name="fault-proxy").start()

    def set_mode(self, mode: str) -> None:
        assert mode in ("pass", "refuse", "reset", "hang"), mode
        with self._lock:
            previous, self.mode = self.mode, mode
        if mode == "refuse" and self._listener is not None:
            self._stop_listening()
        if mode in ("refuse", "reset"):
            self._reset_all()
        if mode != "refuse" and previous == "refuse":
            self._listen()

    def close(self) -> None:
        self._closed = True
        self._stop_listening()
        self._reset_all()

    def _stop_listening(self) -> None:
        # close() alone leaves the socket listening while accept() blocks in the other thread;
        # shutdown() wakes it and stops the kernel from completing new connections.
        if self._listener is None:
            return
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._listener = None

    def count(self, action: str | None = None) -> int:
        with self._lock:
            return self.counts[action] if action else sum(self.counts.values())

    def _reset_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            _reset(conn)

    def _accept(self, listener: socket.socket) -> None:
        while not self._closed:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: refuse mode or shutdown
            mode = self.mode
            if mode != "pass":
                self.faults[mode] += 1
            if mode == "reset":
                _reset(client)
                continue
            threading.Thread(target=self._serve, args=(client, mode), daemon=True).start()

    def _serve(self, client: socket.socket, mode: str) -> None:
        with self._lock:
            self._conns.add(client)
        if mode == "hang":
            try:
                while client.recv(65536):
                    self._note(b"")
            except OSError:
                pass
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=30)
        except OSError:
            _reset(client)
            return
        with self._lock:
            self._conns.add(upstream)
        threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()
        self._pump(client, upstream, True)

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        tail = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                window = tail + data
                for match in (TARGET if outbound else ERROR_TYPE).finditer(window):
                    if match.end() > len(tail):  # ends in new data: not counted before
                        if outbound:
                            self._note(match.group(1))
                        else:
                            with self._lock:
                                self.errors[match.group(1).decode()] += 1
                tail = window[-64:]
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _note(self, action: bytes) -> None:
        if action:
            name = action.decode()
            with self._lock:
                self.counts[name] += 1
                self.timeline.append((time.monotonic(), name))


def _reset(sock: Any) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
