"""Process-wide cache of aiobotocore clients, shared by every trigger in a triggerer.

The amazon provider's triggers open one aiobotocore session and client per trigger (and
per poll); with thousands of AutoML triggers in one triggerer that is memory and TLS
handshakes we do not need. Here a client is created once per
``(event loop, aws_conn_id, region, verify, botocore config)`` and kept open.

Notes:
- The client is built by the amazon hook (``get_client_type(deferrable=True)``), so the
  connection's credentials, ``endpoint_url`` and role assumption apply. With a
  ``role_arn`` the amazon ``SessionFactory`` installs ``AioRefreshableCredentials``: the
  long-lived client refreshes assumed-role credentials before they expire (the refresh
  calls STS synchronously, on the loop, about once an hour per cached client).
  Without a role, botocore's default chain applies (its instance/container providers are
  refreshable too).
- Connection changes (rotated keys) are picked up only by new keys or after ``close_all()``.
- Clients are bound to the loop they were created on (aiohttp), hence the loop in the key.
- With retries in "adaptive" mode the client-side rate limiter lives in the client, so
  sharing one client also shares one rate limiter across all triggers of a key.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)


class _LoopClients:
    """The clients of one event loop (created, used and closed on that loop)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.clients: dict[Hashable, Any] = {}
        self.contexts: dict[Hashable, Any] = {}
        self.names: dict[Hashable, str] = {}
        self.closer: Any = None  # see _close_at_loop_shutdown


async def _close_at_loop_shutdown(cache: _LoopClients) -> AsyncIterator[None]:
    # An async generator left suspended is closed by the loop's shutdown_asyncgens() (asyncio.run
    # and the triggerer call it on the way out), so the shared clients close with their loop
    # instead of leaking an unclosed aiohttp session.
    try:
        yield
    finally:
        await _close(cache)


# Weak keys: a closed, dropped loop (tests) does not keep its clients referenced forever.
_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = weakref.WeakKeyDictionary()


async def get_client(key: Hashable, create: Callable[[], Awaitable[Any]], *, name: str = "") -> Any:
    """Return the open client for ``key`` on the running loop, creating it once.

    ``name`` says in logs which settings the client is for (``AwsParams.describe()``).

    ``create`` returns an aiobotocore client creator (an async context manager, as returned by
    ``AwsGenericHook.get_async_conn()``); it is entered once and kept open until ``close_all()``.
    """
    loop = asyncio.get_running_loop()
    cache = _BY_LOOP.get(loop)
    if cache is None:
        cache = _BY_LOOP.setdefault(loop, _LoopClients())
    client = cache.clients.get(key)
    if client is not None:
        return client
    async with cache.lock:
        client = cache.clients.get(key)
        if client is None:
            context = await create()
            client = await context.__aenter__()
            cache.contexts[key] = context
            cache.clients[key] = client
            cache.names[key] = name or repr(key)
            if cache.closer is None:
                cache.closer = _close_at_loop_shutdown(cache)
                await cache.closer.__anext__()
            log.info("Opened shared SageMaker client for %s", cache.names[key])
    return client


def cached_client_count() -> int:
    """Number of open clients for the running loop (tests, metrics)."""
    cache = _BY_LOOP.get(asyncio.get_running_loop())
    return len(cache.clients) if cache else 0


async def close_all() -> None:
    """Close every client of the running loop (tests, shutdown)."""
    cache = _BY_LOOP.pop(asyncio.get_running_loop(), None)
    if cache is not None:
        await _close(cache)


async def _close(cache: _LoopClients) -> None:
    async with cache.lock:
        for key, context in list(cache.contexts.items()):
            try:
                await context.__aexit__(None, None, None)
            except Exception:  # closing must not hide the other clients
                log.warning("Error closing shared client for %s", cache.names.get(key, key), exc_info=True)
        cache.contexts.clear()
        cache.clients.clear()
