"""Fault injection for the AutoML actions (off by default): throttling and added latency."""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass

from automl_local.errors import ThrottlingError

THROTTLE_ENV = "AUTOML_LOCAL_THROTTLE_RATE"
LATENCY_ENV = "AUTOML_LOCAL_LATENCY_MS"
SEED_ENV = "AUTOML_LOCAL_FAULT_SEED"


@dataclass(frozen=True)
class FaultSettings:
    throttle_rate: float = 0.0  # share of AutoML calls answered with ThrottlingException, 0..1
    latency_ms: int = 0  # added before every AutoML call
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.throttle_rate <= 1.0:
            raise ValueError(f"Invalid throttle rate: {self.throttle_rate!r}. It must be between 0 and 1.")
        if self.latency_ms < 0:
            raise ValueError(f"Invalid latency: {self.latency_ms!r} ms. It must be 0 or more.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> FaultSettings:
        env = os.environ if environ is None else environ
        seed = env.get(SEED_ENV)
        return cls(
            throttle_rate=float(env.get(THROTTLE_ENV) or 0),
            latency_ms=int(env.get(LATENCY_ENV) or 0),
            seed=int(seed) if seed else None,
        )


class FaultInjector:
    def __init__(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)
        self._lock = threading.Lock()

    def before(self, action: str) -> None:
        if self.settings.latency_ms:
            time.sleep(self.settings.latency_ms / 1000)
        if self.settings.throttle_rate:
            with self._lock:
                hit = self._random.random() < self.settings.throttle_rate
            if hit:
                raise ThrottlingError(
                    f"Rate exceeded (fault injection in the local AutoML backend, {action})."
                )


__all__ = ["LATENCY_ENV", "THROTTLE_ENV", "FaultInjector", "FaultSettings"]
