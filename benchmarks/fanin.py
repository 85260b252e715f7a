"""Trigger fan-in: N AutoML triggers in one asyncio loop, as the triggerer runs them.

One fresh process per (mode, N) so RSS is not polluted by the previous run:

``python -m benchmarks.fanin --url URL --mode coalesced|per-job|client-per-trigger --n N --interval S``

``python -m benchmarks.fanin --section [--quick]`` runs the whole matrix of ``python -m benchmarks``
(its own loopback server) and prints section 2 of docs/benchmarks.md.

Modes:
- ``coalesced``: our trigger (default): one watcher, one ListAutoMLJobs call per round.
- ``per-job``: our trigger with ``coalesce=False``: DescribeAutoMLJobV2 per job on one shared client.
- ``client-per-trigger``: the anchor pattern, how the amazon provider's triggers connect: each
  trigger builds its own hook and ``async with await hook.get_async_conn() as client`` (its own
  session and client for the trigger's life) and polls DescribeAutoMLJobV2.

In coalesced mode an event trigger (``SageMakerAutoMLJobEndedTrigger``, name prefix filter) runs
in the same loop: it rides on the same watcher, so it adds no call per round.

Change-to-event latency: PROBES batches of jobs turn Completed, one after another. Coalesced, the
k-th batch lands (k + 0.5) / PROBES of the way through a round, as the watcher scheduled that
round (jitter included): one batch is one sample of where in a round a change lands, however many
jobs it holds, so a single batch at a random point (what this benchmark did before) measured the
luck of that draw, not the median. Per-job modes: each trigger polls on its own phase already;
batches at random points.

Prints one JSON line: RSS per trigger, CPU s per round, requests per round, change-to-event latency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import random
import statistics
import sys
import time
from typing import Any

from benchmarks.common import CONN_ID, REGION, control

PREFIX = "fan"
CHANGED_PER_ROUND = 150  # secondary-status changes injected once: more than one page
PROBES = {"coalesced": 12, "per-job": 4, "client-per-trigger": 4}
BATCH = 5  # jobs per probe


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


async def ended_trigger(interval: float, events: dict[str, float]) -> None:
    from airflow_provider_automl.triggers.ended import SageMakerAutoMLJobEndedTrigger

    trigger = SageMakerAutoMLJobEndedTrigger(
        name_prefix=f"{PREFIX}-", poll_interval=interval, aws_conn_id=CONN_ID, region_name=REGION
    )
    async for event in trigger.run():
        now = time.time()
        # One event per round by default: {"message", "jobs": [job payload, ...]}.
        for job in event.payload["jobs"]:
            events[job["job_name"]] = now


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
    round_starts: list[float] = []
    round_calls: list[tuple[int, int, int]] = []  # (calls, summaries listed, terminal) per round
    original_round = watcher.AutoMLJobWatcher.run_round

    async def timed_round(self: watcher.AutoMLJobWatcher) -> None:
        round_starts.append(time.time())
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
    ended: dict[str, float] = {}  # the event trigger's events
    if mode == "client-per-trigger":
        coros = [anchor_trigger(name, interval, events) for name in names]
    else:
        coros = [our_trigger(name, interval, mode == "coalesced", events) for name in names]
    if mode == "coalesced":
        coros.append(ended_trigger(interval, ended))
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

    # Change-to-event latency: PROBES batches, each at its own point of a round (see the docstring).
    probes = PROBES[mode]
    latencies: list[float] = []
    ended_latencies: list[float] = []
    done: list[str] = []
    probe_log: list[tuple[float, float | None]] = []  # (phase when changed, latency), in intervals
    for k in range(probes):
        if mode == "coalesced":
            # The k-th probe lands (k + 0.5) / probes of the way through a round, as the watcher
            # scheduled it (its length, jitter included, is known once the round's listing is done).
            count = len(round_times)
            while len(round_times) == count:
                await asyncio.sleep(0.002)
            (loop_watcher,) = watcher.watchers()
            start, next_at = round_starts[-1], loop_watcher._next_round
            await asyncio.sleep(max(0.0, start + (next_at - start) * (k + 0.5) / probes - time.time()))
        else:
            await asyncio.sleep(interval * random.random())
        batch = names[len(names) - (k + 1) * BATCH : len(names) - k * BATCH]
        done += batch
        changed_at = control(url, "change", names=batch, status="Completed", secondary="Completed")["now"]
        wait_until = time.time() + 4 * interval + watcher.SAFETY_MARGIN
        watched = [events] + ([ended] if mode == "coalesced" else [])
        while any(name not in seen for seen in watched for name in batch) and time.time() < wait_until:
            await asyncio.sleep(interval / 50)
        latencies += [events[name] - changed_at for name in batch if name in events]
        ended_latencies += [ended[name] - changed_at for name in batch if name in ended]
        since_round = changed_at - max((s for s in round_starts if s <= changed_at), default=changed_at)
        seen_at = min((events[name] for name in batch if name in events), default=None)
        latency = None if seen_at is None else round((seen_at - changed_at) / interval, 3)
        probe_log.append((round(since_round / interval, 3), latency))

    bound_ok = all(calls <= watcher.calls_per_round_bound(ch, term) for calls, ch, term in round_calls)
    for task in tasks:
        task.cancel()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)]
    if failed:  # a trigger that died would otherwise show up only as missing events
        raise RuntimeError(f"{len(failed)} trigger(s) failed; first: {failed[0]!r}") from failed[0]
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
        "probes": probes,
        "probe_log": probe_log,
        "ended_latency_median_s": statistics.median(ended_latencies) if ended_latencies else None,
        "ended_latency_max_s": max(ended_latencies) if ended_latencies else None,
        "ended_events_seen": f"{len(ended_latencies)}/{len(done)}" if mode == "coalesced" else None,
    }


async def anchor_trigger_once(name: str) -> None:
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=CONN_ID, client_type="sagemaker", region_name=REGION)
    async with await hook.get_async_conn() as client:
        await client.describe_auto_ml_job_v2(AutoMLJobName=name)


# -- the section of docs/benchmarks.md ------------------------------------------------------------

FULL = {"fanin": [100, 500, 1000, 5000], "anchor": [100, 500], "interval": 2.0, "rounds": 4}
QUICK = {"fanin": [150], "anchor": [150], "interval": 1.0, "rounds": 3}


def run_matrix(url: str, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (N, mode) of ``cfg``, each in a fresh process."""
    from benchmarks.common import bench_env, run_json

    results = []
    for n in cfg["fanin"]:
        modes = ["coalesced", "per-job"] + (["client-per-trigger"] if n in cfg["anchor"] else [])
        for mode in modes:
            print(f"fan-in {mode} N={n} ...", file=sys.stderr, flush=True)
            args = ["benchmarks.fanin", "--url", url, "--mode", mode, "--n", str(n)]
            args += ["--interval", str(cfg["interval"]), "--rounds", str(cfg["rounds"])]
            results.append(run_json(args, bench_env(url), timeout=1800))
    return results


def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _in_intervals(r: dict[str, Any], key: str) -> str:
    median, worst = r.get(f"{key}_median_s"), r.get(f"{key}_max_s")
    if median is None:
        return "-"
    return f"{median / r['interval']:.2f} / {worst / r['interval']:.2f}"


def report(fanin: list[dict[str, Any]]) -> list[str]:
    """Section 2 of docs/benchmarks.md."""
    lines = [
        "## 2. Trigger fan-in",
        "",
        "N triggers in one asyncio loop (as the triggerer runs them) against a loopback SageMaker",
        "(`benchmarks/server.py`, its own process). Compressed time: the poll interval below stands",
        "for 60 s, and the watcher's safety margin is set to one interval. Once during the steady",
        "rounds 150 jobs (or all, if fewer) change secondary status. Then, for latency, batches of 5",
        "jobs turn Completed one after another; latency is from the change to each trigger's event, in",
        "poll intervals. Coalesced, the 12 batches land at points spread evenly over a round (the k-th",
        "(k + 0.5) / 12 of the way through the round, as the watcher scheduled it): their median is the",
        "median over where in a round a job ends. Per-job modes (each trigger polls on its own phase):",
        "4 batches at random points.",
        "Modes: **coalesced** (our default; with it, in the same loop, one **event trigger**,",
        "`SageMakerAutoMLJobEndedTrigger` on the name prefix, riding on the same watcher),",
        "**per-job** (ours, `coalesce=False`: DescribeAutoMLJobV2 per job on one shared client),",
        "**client-per-trigger** (the anchor: the amazon provider's trigger pattern, each trigger",
        "with its own hook, session and aiobotocore client).",
        "",
        "| mode | N | RSS/trigger (KB) | CPU s/round | requests/round | max round (s) "
        "| latency median / max (intervals) | event trigger median / max (intervals) | polls made |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    anchors = {r["n"]: r for r in fanin if r["mode"] == "client-per-trigger"}
    for r in fanin:
        made = r["describe_calls"] / (r["n"] * r["rounds"]) if r["mode"] != "coalesced" else None
        ended = (
            f"{_in_intervals(r, 'ended_latency')} ({r['ended_events_seen']})"
            if r.get("ended_events_seen")
            else "-"
        )
        lines.append(
            f"| {r['mode']} | {r['n']} | {_f(r['rss_per_trigger_kb'], 1)} | {_f(r['cpu_s_per_round'], 3)} | "
            f"{_f(r['requests_per_round'], 1)} | "
            f"{_f(r['max_round_s'], 3) if r['mode'] == 'coalesced' else '-'} | "
            f"{_in_intervals(r, 'latency')} ({r['events_seen']}) | {ended} | "
            f"{'-' if made is None else f'{made:.0%}'} |"
        )
    lines += ["", "Ratios, coalesced against the anchor measured at the same N:", ""]
    lines += [
        "| N | memory per trigger (anchor / ours) | CPU per round (ours / anchor) "
        "| requests per round (ours / anchor) |"
    ]
    lines += ["|---:|---:|---:|---:|"]
    for r in fanin:
        a = anchors.get(r["n"])
        if r["mode"] != "coalesced" or a is None:
            continue
        lines.append(
            f"| {r['n']} | {a['rss_per_trigger_kb'] / max(r['rss_per_trigger_kb'], 0.1):.0f}x | "
            f"{r['cpu_s_per_round'] / a['cpu_s_per_round']:.3f} | "
            f"{r['requests_per_round'] / a['requests_per_round']:.4f} |"
        )
    biggest = max((r for r in fanin if r["mode"] == "coalesced"), key=lambda r: r["n"])
    lines += [
        "",
        "Calls per round, coalesced: every round checked against `1 + ceil(listed / 100) + terminal`: "
        + ", ".join(
            f"N={r['n']} {'all within' if r['rounds_within_bound'] else 'EXCEEDED'} "
            f"(most summaries listed in a round: {r['max_changed_in_a_round']})"
            for r in fanin
            if r["mode"] == "coalesced"
        )
        + ".",
        f"At N={biggest['n']} the slowest steady round took {_f(biggest['max_round_s'], 3)} s of a "
        f"{biggest['interval']:.0f} s interval ({biggest['max_round_s'] / biggest['interval']:.1%}); "
        f"registering all {biggest['n']} triggers (one DescribeAutoMLJobV2 each) took "
        f"{_f(biggest['register_s'], 1)} s.",
        "",
        "Where the coalesced latency goes: a job's change waits for the next round (uniform over one",
        "interval, so half an interval at the median), then the list call and one describe (a few",
        "milliseconds here). The safety margin widens the window, not the wait (a change is acted on",
        "in the first round that lists it); the +-10% jitter of the round interval is zero-mean. The",
        "figure of about one interval this table showed before came from one batch per run: one",
        "sample of the round's phase.",
        "",
    ]
    return lines


def targets(fanin: list[dict[str, Any]]) -> list[str]:
    """The fan-in targets with the figures that meet them or explain the gap."""
    coalesced = [r for r in fanin if r["mode"] == "coalesced"]
    worst = max((r["latency_max_s"] or math.inf) / r["interval"] for r in coalesced)
    medians = [
        (
            r["n"],
            (r["latency_median_s"] or math.inf) / r["interval"],
            (r["ended_latency_median_s"] or math.inf) / r["interval"],
        )
        for r in coalesced
    ]
    return [
        f"- Change noticed within one interval plus margin: {_mark(worst <= 2.0)} "
        f"(worst latency {worst:.2f} intervals; the margin equals one interval here, and the round "
        "interval has +-10% jitter).",
        "- Median change-to-event latency <= 0.6 interval, job triggers and the event trigger, at the "
        f"same calls per round: {_mark(all(max(j, e) <= 0.6 for _, j, e in medians))} ("
        + ", ".join(f"N={n}: {j:.2f} / {e:.2f}" for n, j, e in medians)
        + ").",
    ]


def _ratio(seconds: float | None, r: dict[str, Any]) -> float:
    return math.inf if seconds is None else seconds / r["interval"]


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--section", action="store_true", help="run the matrix, print the docs section")
    parser.add_argument("--quick", action="store_true", help="with --section: small N")
    parser.add_argument("--url")
    parser.add_argument("--mode", choices=["coalesced", "per-job", "client-per-trigger"])
    parser.add_argument("--n", type=int)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    if args.section:
        from benchmarks.common import bench_server

        with bench_server() as url:
            results = run_matrix(url, QUICK if args.quick else FULL)
        print("RESULT " + json.dumps(results), flush=True)
        print("\n".join([*report(results), "Targets:", "", *targets(results)]))
        return
    if not (args.url and args.mode and args.n):
        parser.error("--url, --mode and --n are required (or --section)")
    import logging

    logging.disable(logging.INFO)
    result = asyncio.run(measure(args.url, args.mode, args.n, args.interval, args.rounds))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
