"""Import cost over ``import airflow.sdk``: our DAG-facing modules vs the amazon provider's SageMaker ones.

Each sample is a fresh interpreter that imports ``airflow.sdk`` first (every DAG file does),
then the modules measured; time and RSS are the difference. Medians over repeated samples,
ours and the anchor's interleaved so machine noise hits both alike.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import ROOT, child_env

OURS = (
    "airflow_provider_automl.operators.automl",
    "airflow_provider_automl.operators.model",
    "airflow_provider_automl.sensors.automl",
    "airflow_provider_automl.triggers.automl",
)
ANCHOR = (
    "airflow.providers.amazon.aws.operators.sagemaker",
    "airflow.providers.amazon.aws.sensors.sagemaker",
)

_CHILD = """
import importlib, json, os, sys, time
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
import airflow.sdk
r0 = rss(); t0 = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
t1 = time.perf_counter(); r1 = rss()
heavy = [m for m in ("boto3", "botocore", "aiobotocore") if m in sys.modules]
print("RESULT " + json.dumps({"seconds": t1 - t0, "rss": r1 - r0, "sdk_modules": heavy}))
"""


def sample(modules: tuple[str, ...]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, *modules],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"import sample failed: {result.stderr[-2000:]}")
    return dict(json.loads(lines[-1][len("RESULT ") :]))


def measure(repeats: int, *, pairs_in_parallel: bool = False) -> dict[str, Any]:
    """``pairs_in_parallel`` runs each (ours, anchor) pair at once: half the wall time, for the
    CI smoke run; both sides then share the CPU alike, so the ratio holds, if noisier."""
    ours: list[dict[str, Any]] = []
    anchor: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(sample, (OURS, ANCHOR)))  # warm the bytecode cache; not counted
        for _ in range(repeats):
            if pairs_in_parallel:
                mine, theirs = pool.submit(sample, OURS), pool.submit(sample, ANCHOR)
                ours.append(mine.result())
                anchor.append(theirs.result())
            else:
                ours.append(sample(OURS))
                anchor.append(sample(ANCHOR))

    def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "seconds": statistics.median(s["seconds"] for s in samples),
            "rss_mb": statistics.median(s["rss"] for s in samples) / 2**20,
            "aws_sdk_imported": sorted({m for s in samples for m in s["sdk_modules"]}),
        }

    result = {"repeats": repeats, "ours": summary(ours), "anchor": summary(anchor)}
    result["time_ratio"] = result["ours"]["seconds"] / result["anchor"]["seconds"]
    anchor_rss = result["anchor"]["rss_mb"]
    result["rss_ratio"] = result["ours"]["rss_mb"] / anchor_rss if anchor_rss > 0 else 0.0
    return result
