"""Job names: the rule and names derived per task instance."""

from __future__ import annotations

import random
import re
import subprocess
import sys

from airflow_provider_automl import requests as rq


def test_derive_job_name_known_value() -> None:
    # A fixed expected value: the name must not depend on the process (PYTHONHASHSEED) or platform.
    assert rq.derive_job_name("my_dag", "train_model", "manual__2024-01-01T00:00:00+00:00") == (
        "automl-my-dag-train-64b3baafcbdf"
    )


def test_derive_job_name_same_in_another_process() -> None:
    code = (
        "from airflow_provider_automl.requests import derive_job_name;"
        "print(derive_job_name('etl', 'fit', 'scheduled__2024-05-01T00:00:00+00:00', 3))"
    )
    names = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert names == {rq.derive_job_name("etl", "fit", "scheduled__2024-05-01T00:00:00+00:00", 3)}


def test_derive_job_name_changes_with_each_input() -> None:
    base = ("dag", "task", "run-1", -1)
    names = {
        rq.derive_job_name(*base),
        rq.derive_job_name("dag2", "task", "run-1", -1),
        rq.derive_job_name("dag", "task2", "run-1", -1),
        rq.derive_job_name("dag", "task", "run-2", -1),
        rq.derive_job_name("dag", "task", "run-1", 0),
        rq.derive_job_name("dag", "task", "run-1", 1),
    }
    assert len(names) == 6


def test_derive_job_name_keeps_readable_prefix_when_it_fits() -> None:
    name = rq.derive_job_name("d", "t", "r", prefix="ml")
    assert re.fullmatch(r"ml-d-t-[0-9a-f]{12}", name)
    assert rq.derive_job_name("d", "t", "r", prefix="").startswith("d-t-")
    assert re.fullmatch(r"[0-9a-f]{12}", rq.derive_job_name("_", "__", "r", prefix="--"))


def test_derive_job_name_always_valid_fuzz() -> None:
    # Property check without an extra dependency: seeded random ids, including the awkward characters.
    rng = random.Random(20240101)
    alphabet = "abcXYZ019_-.~ /:+é日本"
    seen: set[str] = set()
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3)]
        prefix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        map_index = rng.randint(-1, 5000)
        name = rq.derive_job_name(*parts, map_index, prefix=prefix)
        assert len(name) <= 32
        assert rq.JOB_NAME_PATTERN.fullmatch(name), name
        assert name == rq.derive_job_name(*parts, map_index, prefix=prefix)
        seen.add(name)
    assert len(seen) > 1990  # distinct inputs give distinct names (duplicates only from repeated inputs)
