"""The serving benchmark at a small size: it runs end to end and its figures hold together.

The full run is ``python -m benchmarks.serving`` (section 6 of docs/benchmarks.md). Bounds here are
loose on purpose: a shared machine makes absolute times noise.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("automl_local", reason="the serving benchmark needs the local backend")

from benchmarks import serving

SMALL = {"rows": 3_000, "cols": 6, "train_rows": 400, "candidates": 1, "invocations": 15}


def test_serving_benchmark_runs_and_compares_like_with_like() -> None:
    result = serving.measure(dict(SMALL))
    found = result["backend"]

    assert found["containers"] == 3  # Autopilot's HPO pipeline was served
    for name in (
        "floor_1",
        "invoke_1",
        "predict_1",
        "layer_1",
        "floor_100",
        "invoke_100",
        "predict_100",
        "layer_100",
    ):
        assert found[name]["n"] == SMALL["invocations"]
        assert 0 < found[name]["p50_ms"] <= found[name]["p99_ms"]
    # An invocation costs more than the floor and the model alone, and not wildly more.
    for rows in (1, 100):
        ours = found[f"invoke_{rows}"]["p50_ms"]
        assert ours > found[f"floor_{rows}"]["p50_ms"]
        assert ours < found[f"floor_{rows}"]["p50_ms"] + found[f"predict_{rows}"]["p50_ms"] + 250
    assert [t["rows_out"] for t in found["transforms"]] == [SMALL["rows"]] * 2
    assert all(d["rows"] == SMALL["rows"] for d in found["direct_batch"])
    ratio = result["transform_rows_per_s"] / result["direct_rows_per_s"]
    assert math.isfinite(ratio) and ratio > 0.1
    text = "\n".join([*serving.report(result), *serving.targets(result)])
    assert "## 6. Serving" in text and "Batch transform within 10%" in text
