"""Run a serialized AutoML trigger in this process, as a triggerer would; print its events as JSON.

python -m tests.reliability.trigger_process '<serialized trigger JSON>'
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from typing import Any


async def run(classpath: str, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    from airflow_provider_automl.hooks import clients

    module, _, name = classpath.rpartition(".")
    trigger = getattr(importlib.import_module(module), name)(**kwargs)
    events = []
    try:
        async for event in trigger.run():
            events.append(event.payload)
            print("EVENT " + json.dumps(event.payload), flush=True)
    finally:
        await clients.close_all()
    return events


if __name__ == "__main__":
    classpath, kwargs = json.loads(sys.argv[1])
    print("STARTED", flush=True)
    found = asyncio.run(run(classpath, kwargs))
    print(f"DONE {len(found)}", flush=True)
