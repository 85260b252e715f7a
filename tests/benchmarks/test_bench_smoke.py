"""The reduced benchmark CI runs: bounds with room for noise, never absolute times.

The full run is ``python -m benchmarks`` (docs/benchmarks.md); this one keeps N small.
"""

from __future__ import annotations

import json
import math

import pytest

from benchmarks import fanin, imports
from benchmarks.common import CONN_ID, REGION, bench_server

N = 150  # more than one ListAutoMLJobs page changes in a round


def test_import_cost_is_a_fraction_of_the_amazon_providers() -> None:
    result = imports.measure(repeats=2, pairs_in_parallel=True)

    assert result["ours"]["aws_sdk_imported"] == []
    assert result["anchor"]["aws_sdk_imported"]  # the anchor does pull in boto3/botocore
    assert result["time_ratio"] <= 0.5, result
    assert result["rss_ratio"] <= 0.5, result


async def test_coalesced_fan_in_stays_within_the_call_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    with bench_server(check=True) as url:  # check: every response validated against botocore's model
        conn = {
            "conn_type": "aws",
            "login": "testing",
            "password": "testing",
            "extra": {"endpoint_url": url, "region_name": REGION},
        }
        monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(conn))
        result = await fanin.measure(url, "coalesced", N, interval=0.5, rounds=3)

    assert result["all_registered"]
    assert result["events_seen"] == result["ended_events_seen"] == "60/60"  # 12 probes of 5 jobs
    assert result["latency_max_s"] <= 3 * 0.5  # one interval plus the margin (0.5 s each), and room for load
    assert result["round_calls"], result
    for calls, listed, terminal in result["round_calls"]:
        assert calls <= 1 + math.ceil(listed / 100) + terminal, result["round_calls"]
    assert result["max_changed_in_a_round"] > 100  # pagination was exercised
    # Steady state: a round costs a couple of calls, not one per trigger.
    assert result["requests_per_round"] <= 1 + math.ceil(N / 100) + 1, result
    assert result["describe_calls"] == 0  # no job ended during the steady rounds: no describes
