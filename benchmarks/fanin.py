"""Trigger fan-in: N AutoML triggers in one asyncio loop, as the triggerer runs them.

One fresh process per (mode, N) so RSS is not polluted by the previous run:

``python -m benchmarks.fanin --url URL --mode coalesced|per-job|client-per-trigger --n N --interval S``

Modes:
- ``coalesced``: our trigger (default): one watcher, one ListAutoMLJobs call per round.
- ``per-job``: our trigger with ``coalesce=False``: DescribeAutoMLJobV2 per job on one shared client.
- ``client-per-trigger``: the anchor pattern, how the amazon provider's triggers connect: each
  trigger builds its own hook and ``async with await hook.get_async_conn() as client`` (its own
  session and client for the trigger's life) and polls DescribeAutoMLJobV2.

Prints one JSON line: RSS per trigger, CPU s per round, requests per round, change-to-event latency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import time
from typing import Any

from benchmarks.common import CONN_ID, REGION, control

PREFIX = "fan"
CHANGED_PER_ROUND = 150  # secondary-status changes injected once: more than one page


async def anchor_trigger(job_name: str, interval: float, events: dict[str, float]) -> None:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=CONN_ID, client_type="sagemaker", region_name=REGION)
    async with await hook.get_async_conn() as client:
        while True:
            response = await client.describe_auto_ml_job_v2(AutoMLJobName=job_name)
            if response["AutoMLJobStatus"] in ("Completed", "Failed", "Stopped"):
                events[job_name] = time.time()
                return
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))


async def our_trigger(job_name: str, interval: float, coalesce: bool, events: dict[str, float]) -> None:
    from airflow_provider_automl.triggers.automl import SageMakerAutoMLJobTrigger

    trigger = SageMakerAutoMLJobTrigger(
        job_name=job_name,
        poll_interval=interval,
        aws_conn_id=CONN_ID,
        region_name=REGION,
        last_secondary_status="TrainingModels",  # handed over by the operator: no first log line
        coalesce=coalesce,
    )
    async for event in trigger.run():
        assert event.payload["status"] == "success", event.payload
        events[job_name] = time.time()


async def measure(url: str, mode: str, n: int, interval: float, rounds: int) -> dict[str, Any]:
    """Run one fan-in measurement in this process's running loop."""
    from airflow_provider_automl.triggers import watcher

    # Compressed time: the safety margin shrinks with the interval (60 s margin for 60 s polls).
    saved = watcher.SAFETY_MARGIN, watcher.AutoMLJobWatcher.run_round
    watcher.SAFETY_MARGIN = interval
    try:
        return await _measure(url, mode, n, interval, rounds)
    finally:
        watcher.SAFETY_MARGIN, watcher.AutoMLJobWatcher.run_round = saved  # type: ignore[method-assign]
        from airflow_provider_automl.hooks import clients

        await clients.close_all()


async def _measure(url: str, mode: str, n: int, interval: float, rounds: int) -> dict[str, Any]:
    import psutil

    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook
    from airflow_provider_automl.triggers import watcher

    round_times: list[float] = []
    round_calls: list[tuple[int, int, int]] = []  # (calls, summaries listed, terminal) per round
    original_round = watcher.AutoMLJobWatcher.run_round

    async def timed_round(self: watcher.AutoMLJobWatcher) -> None:
        started = time.perf_counter()
        await original_round(self)
        round_times.append(time.perf_counter() - started)
        stats = self.stats
        round_calls.append((stats.last_round_calls, stats.last_round_changed, stats.last_round_terminal))

    watcher.AutoMLJobWatcher.run_round = timed_round  # type: ignore[method-assign]

    control(url, "reset", n=n, prefix=PREFIX)
    names = [f"{PREFIX}-{i}" for i in range(n)]
    # Warm up what every mode needs once per process (imports, the shared client, the endpoint).
    await SageMakerAutoMLHook(aws_conn_id=CONN_ID, region_name=REGION).describe_job_async(names[0])
    if mode == "client-per-trigger":
        await anchor_trigger_once(names[0])
    control(url, "clear")
    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    events: dict[str, float] = {}
    if mode == "client-per-trigger":
        coros = [anchor_trigger(name, interval, events) for name in names]
    else:
        coros = [our_trigger(name, interval, mode == "coalesced", events) for name in names]
    started = time.perf_counter()
    tasks = [asyncio.ensure_future(c) for c in coros]
    deadline = time.time() + max(120.0, n * 0.05)
    while control(url, "stats")["described"] < n and time.time() < deadline:
        await asyncio.sleep(0.2)
    registered = time.perf_counter() - started
    all_described = control(url, "stats")["described"] >= n
    await asyncio.sleep(interval)
    gc.collect()
    rss1 = proc.memory_info().rss

    # Steady state: `rounds` intervals; once, CHANGED_PER_ROUND jobs change secondary status.
    control(url, "clear")
    round_times.clear()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.sleep(interval * 1.5)
    control(
        url, "change", names=names[: min(n, CHANGED_PER_ROUND)], status="InProgress", secondary="ModelTuning"
    )
    await asyncio.sleep(interval * (rounds - 1.5))
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    counts = control(url, "stats")["counts"]
    steady_round_times = list(round_times)

    # Change-to-event latency: a batch of jobs turns Completed at a random point of a round.
    await asyncio.sleep(interval * random.random())
    done = names[-min(n, 50) :]
    changed_at = control(url, "change", names=done, status="Completed", secondary="Completed")["now"]
    wait_until = time.time() + 4 * interval + watcher.SAFETY_MARGIN
    while any(name not in events for name in done) and time.time() < wait_until:
        await asyncio.sleep(interval / 20)
    latencies = [events[name] - changed_at for name in done if name in events]

    bound_ok = all(calls <= watcher.calls_per_round_bound(ch, term) for calls, ch, term in round_calls)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    total = sum(counts.values())
    return {
        "mode": mode,
        "n": n,
        "interval": interval,
        "rounds": wall / interval,
        "all_registered": all_described,
        "register_s": registered,
        "rss_per_trigger_kb": (rss1 - rss0) / n / 1024,
        "cpu_s_per_round": cpu / (wall / interval),
        "requests_per_round": total / (wall / interval),
        "list_calls": counts.get("ListAutoMLJobs", 0),
        "describe_calls": counts.get("DescribeAutoMLJobV2", 0),
        "max_round_s": max(steady_round_times, default=0.0),
        "round_calls": round_calls,
        "rounds_within_bound": bound_ok,
        "max_changed_in_a_round": max((ch for _, ch, _ in round_calls), default=0),
        "latency_median_s": statistics.median(latencies) if latencies else None,
        "latency_max_s": max(latencies) if latencies else None,
        "events_seen": f"{len(latencies)}/{len(done)}",
    }


async def anchor_trigger_once(name: str) -> None:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=CONN_ID, client_type="sagemaker", region_name=REGION)
    async with await hook.get_async_conn() as client:
        await client.describe_auto_ml_job_v2(AutoMLJobName=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=["coalesced", "per-job", "client-per-trigger"], required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    result = asyncio.run(measure(args.url, args.mode, args.n, args.interval, args.rounds))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
