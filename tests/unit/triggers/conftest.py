"""Fixtures of the trigger tests: virtual time in every trigger module, fake SageMaker clients."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
from airflow_provider_automl.triggers import automl as trigger_module
from airflow_provider_automl.triggers import watcher as watcher_module
from tests.unit.triggers.fake_sagemaker import START, FakeSageMaker, VirtualClock


def _event_trigger_modules() -> list[Any]:
    try:  # Airflow >= 3.0 (BaseEventTrigger)
        from airflow_provider_automl.triggers import ended
    except ImportError:
        return []
    return [ended]


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    virtual = VirtualClock(START)
    for module in (trigger_module, watcher_module, *_event_trigger_modules()):
        monkeypatch.setattr(module, "_sleep", virtual.sleep)
        monkeypatch.setattr(module, "_now", virtual.time)
    # No jitter: rounds land exactly one interval apart.
    monkeypatch.setattr(watcher_module._rng, "uniform", lambda low, high: 1.0)
    monkeypatch.setattr(trigger_module._rng, "uniform", lambda low, high: 1.0)
    return virtual


@pytest.fixture
def fakes(clock: VirtualClock, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[Any, ...], FakeSageMaker]:
    """One fake SageMaker per shared-client key (connection, region, ...), made on first use."""
    by_key: dict[tuple[Any, ...], FakeSageMaker] = {}

    async def shared_conn(self: SageMakerAutoMLHook) -> FakeSageMaker:
        return by_key.setdefault(self.aws_params.cache_key(), FakeSageMaker(clock))

    monkeypatch.setattr(SageMakerAutoMLHook, "get_shared_async_conn", shared_conn)
    return by_key
