"""Calls per job over its life (wait-in-task, sensor reschedule, deferrable) and candidate paging.

``python -m benchmarks.calls --url URL --runtime S --interval S`` against ``benchmarks.server``
(the job completes ``runtime`` seconds after CreateAutoMLJobV2). Counts are read from the server.
Prints ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from typing import Any

from benchmarks.common import CONN_ID, REGION, control


class _TI:
    dag_id = "bench_dag"
    task_id = "create"
    run_id = "manual__bench"
    map_index = -1
    try_number = 1

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)


def _operator(job_name: str, runtime: float, interval: float, **kwargs: Any) -> Any:
    from airflow_provider_automl.operators.automl import SageMakerCreateAutoMLJobOperator
    from airflow_provider_automl.requests import tabular_config

    return SageMakerCreateAutoMLJobOperator(
        task_id="create",
        job_name=job_name,
        input_data_config="s3://bench/train/",
        output_path="s3://bench/output/",
        role_arn="arn:aws:iam::123456789012:role/AutoMLRole",
        problem_type_config=tabular_config(target_attribute="label"),
        tags={"runtime": str(runtime)},
        aws_conn_id=CONN_ID,
        region_name=REGION,
        check_interval=interval,
        **kwargs,
    )


def _calls(url: str) -> dict[str, int]:
    counts = control(url, "stats")["counts"]
    control(url, "clear")
    return {k: int(v) for k, v in counts.items()}


def wait_in_task(url: str, runtime: float, interval: float) -> dict[str, int]:
    control(url, "clear")
    _operator("life-wait", runtime, interval, wait_for_completion=True, deferrable=False).execute(
        {"ti": _TI()}
    )
    return _calls(url)


def sensor_reschedule(url: str, runtime: float, interval: float) -> dict[str, int]:
    from airflow_provider_automl.sensors.automl import SageMakerAutoMLJobSensor

    control(url, "clear")
    _operator("life-sensor", runtime, interval, wait_for_completion=False).execute({"ti": _TI()})
    while True:
        # Reschedule mode: every poke is a new try in a new process, so a new sensor and hook.
        sensor = SageMakerAutoMLJobSensor(
            task_id="wait", job_name="life-sensor", aws_conn_id=CONN_ID, region_name=REGION, mode="reschedule"
        )
        if sensor.poke({"ti": _TI()}):
            break
        time.sleep(interval)
    return _calls(url)


def deferrable(url: str, runtime: float, interval: float) -> dict[str, int]:
    from airflow.exceptions import TaskDeferred

    control(url, "clear")
    op = _operator("life-defer", runtime, interval, deferrable=True)
    try:
        op.execute({"ti": _TI()})
    except TaskDeferred as deferred:
        trigger = deferred.trigger

        async def run() -> dict[str, Any]:
            async for event in trigger.run():
                return dict(event.payload)
            raise AssertionError("no event")

        payload = asyncio.run(run())
        op.execute_complete({"ti": _TI()}, payload)
    else:
        raise AssertionError("the operator did not defer")
    return _calls(url)


def candidates(url: str, total: int, page_size: int) -> dict[str, Any]:
    from airflow_provider_automl.hooks.automl import SageMakerAutoMLHook

    control(url, "candidates", job="many-candidates", n=total)
    control(url, "clear")
    listed = SageMakerAutoMLHook(aws_conn_id=CONN_ID, region_name=REGION).list_candidates(
        "many-candidates", status_equals=None, page_size=page_size
    )
    calls = _calls(url).get("ListCandidatesForAutoMLJob", 0)
    return {
        "candidates": len(listed),
        "page_size": page_size,
        "pages": calls,
        "expected": math.ceil(total / page_size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--runtime", type=float, default=6.0)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--candidates", type=int, default=750)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    from airflow_provider_automl.triggers import watcher

    watcher.SAFETY_MARGIN = args.interval  # compressed time, as in the fan-in benchmark
    result = {
        "runtime": args.runtime,
        "interval": args.interval,
        "wait_in_task": wait_in_task(args.url, args.runtime, args.interval),
        "sensor_reschedule": sensor_reschedule(args.url, args.runtime, args.interval),
        "deferrable": deferrable(args.url, args.runtime, args.interval),
        "candidates": [candidates(args.url, args.candidates, size) for size in (100, 50)],
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
