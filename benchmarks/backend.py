"""Local backend overhead: a tabular job through the API vs the same engine called directly.

One fresh process (``python -m benchmarks.backend [--quick]``) generates a seeded
binary-classification CSV, runs it twice through the local backend (upload to its S3,
CreateAutoMLJobV2, poll DescribeAutoMLJobV2 until terminal) and twice through ``TabularEngine`` in
this process with the same request, data, budget and seed, and prints ``RESULT <json>``. Both sides
train with one native thread per library (the backend's ``serve`` sets that too), so the difference
is our layer: S3 transfer and parsing, artifact packing and upload, job records, polling.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

SEED = 5
BUCKET = "automl-bench"
TARGET = "label"
# Mixed on purpose: LightGBM candidates take seconds, logistic regression ones under one, so the
# fixed per-candidate cost of our layer shows. MLP is left out: on 80k rows it alone would take minutes.
ALGORITHMS = ["xgboost", "linear-learner"]
FULL = {"rows": 100_000, "cols": 50, "candidates": 10}
QUICK = {"rows": 5_000, "cols": 20, "candidates": 6}
WARM_UP = {"rows": 300, "candidates": 2}
POLL_SECONDS = 0.5
TERMINAL = {"Completed", "Failed", "Stopped"}


def dataset(rows: int, cols: int) -> Path:
    """The seeded CSV, cached by shape: writing 100k x 50 floats as text takes ~15 s."""
    path = Path(tempfile.gettempdir()) / f"automl-bench-{rows}x{cols}-s{SEED}.csv"
    if path.exists():
        return path
    import pandas as pd
    from sklearn.datasets import make_classification

    features, labels = make_classification(
        n_samples=rows,
        n_features=cols,
        n_informative=max(2, int(cols * 0.4)),
        n_redundant=max(0, cols // 5),
        flip_y=0.05,
        class_sep=0.8,
        random_state=SEED,
    )
    frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(cols)])
    frame[TARGET] = labels
    partial = path.with_suffix(".csv.tmp")
    frame.to_csv(partial, index=False, float_format="%.6g")
    partial.replace(path)
    return path


def job_request(name: str, candidates: int, prefix: str = "input") -> dict[str, Any]:
    """CreateAutoMLJobV2: HPO mode with a fixed candidate budget (a runtime limit would cut the two
    runs at different points; the one here is a safety net only)."""
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "ContentType": "text/csv;header=present",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/{prefix}/"}
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/output"},
        "AutoMLProblemTypeConfig": {
            "TabularJobConfig": {
                "TargetAttributeName": TARGET,
                "ProblemType": "BinaryClassification",
                "Mode": "HYPERPARAMETER_TUNING",
                "CompletionCriteria": {"MaxCandidates": candidates, "MaxAutoMLJobRuntimeInSeconds": 1800},
                "CandidateGenerationConfig": {"AlgorithmsConfig": [{"AutoMLAlgorithms": ALGORITHMS}]},
            }
        },
        "AutoMLJobObjective": {"MetricName": "F1"},
        "RoleArn": "arn:aws:iam::123456789012:role/automl-bench",
    }


# -- through the backend ---------------------------------------------------------------------------


def _run_job(sagemaker: Any, request: dict[str, Any]) -> tuple[dict[str, Any], float, int]:
    """Create, then describe every POLL_SECONDS until terminal: (job, wall seconds, polls)."""
    started = time.perf_counter()
    sagemaker.create_auto_ml_job_v2(**request)
    polls = 0
    while True:
        job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=request["AutoMLJobName"])
        polls += 1
        if job["AutoMLJobStatus"] in TERMINAL:
            break
        time.sleep(POLL_SECONDS)
    if job["AutoMLJobStatus"] != "Completed":
        raise RuntimeError(f"benchmark job ended {job['AutoMLJobStatus']}: {job.get('FailureReason')}")
    return job, time.perf_counter() - started, polls


def _job_figures(sagemaker: Any, s3: Any, name: str, wall: float, polls: int, cpu: float) -> dict[str, Any]:
    job = sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name)
    listed = sagemaker.list_candidates_for_auto_ml_job(
        AutoMLJobName=name, SortBy="CreationTime", SortOrder="Ascending", MaxResults=100
    )["Candidates"]
    # The engine's own fit time of each candidate (model_insights.json): splits the gap into
    # training slowed down in the server process and work around training.
    fitting = 0.0
    for candidate in listed:
        where = candidate["CandidateProperties"]["CandidateArtifactLocations"]["ModelInsights"]
        bucket, _, key = where[len("s3://") :].partition("/")
        body = s3.get_object(Bucket=bucket, Key=f"{key}/model_insights.json")["Body"].read()
        fitting += json.loads(body)["details"]["train_seconds"]
    created, ended = job["CreationTime"].timestamp(), job["EndTime"].timestamp()
    done = [c for c in listed if c["CandidateStatus"] == "Completed"]
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "server_s": ended - created,
        "poll_lag_s": wall - (ended - created),
        "polls": polls,
        "candidates": len(done),
        "before_first_candidate_s": listed[0]["CreationTime"].timestamp() - created,
        "candidates_s": sum(c["EndTime"].timestamp() - c["CreationTime"].timestamp() for c in done),
        "fit_s": fitting,
        "after_last_candidate_s": ended - max(c["EndTime"].timestamp() for c in listed),
        "best_objective": job["BestCandidate"]["FinalAutoMLJobObjectiveMetric"]["Value"],
        "metric": job["BestCandidate"]["FinalAutoMLJobObjectiveMetric"]["MetricName"],
        "secondary_status": job["AutoMLJobSecondaryStatus"],
    }


def through_backend(csv: Path, warm_up: Path, candidates: int, runs: int) -> list[dict[str, Any]]:
    """``runs`` jobs on one warm server; CPU seconds are the server process's over each job."""
    import boto3
    import psutil

    from automl_local.process import LocalBackendProcess

    found = []
    with (
        tempfile.TemporaryDirectory(prefix="automl-bench-") as data_dir,
        LocalBackendProcess(data_dir, extra_args=("--log-level", "WARNING", "--workers", "1")) as backend,
    ):
        assert backend.process is not None
        server = psutil.Process(backend.process.pid)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        s3 = session.client("s3", endpoint_url=backend.url)
        sagemaker = session.client("sagemaker", endpoint_url=backend.url)
        s3.create_bucket(Bucket=BUCKET)
        started = time.perf_counter()
        s3.put_object(Bucket=BUCKET, Key=f"input/{csv.name}", Body=csv.read_bytes())
        upload = time.perf_counter() - started
        # A small job first, as a running server has served before: imports and first calls are
        # start-up cost, not per-job overhead. The direct run warms up alike.
        s3.put_object(Bucket=BUCKET, Key=f"warm-up/{warm_up.name}", Body=warm_up.read_bytes())
        _run_job(sagemaker, job_request("bench-warm-up", WARM_UP["candidates"], prefix="warm-up"))
        for run in range(runs):
            request = job_request(f"bench-tabular-{run}", candidates)
            before = server.cpu_times()
            _, wall, polls = _run_job(sagemaker, request)
            after = server.cpu_times()
            cpu = (after.user + after.system) - (before.user + before.system)
            figures = _job_figures(sagemaker, s3, request["AutoMLJobName"], wall, polls, cpu)
            found.append({**figures, "upload_s": upload})
    return found


# -- the engine directly ---------------------------------------------------------------------------


class _NoLimits:
    def should_stop(self) -> bool:
        return False

    def remaining_seconds(self) -> float | None:
        return None


def direct(csv: Path, candidates: int) -> dict[str, Any]:
    """What a user of the engine alone would run: read the CSV, build the engine from the same
    request, train the same number of candidates. Packing each model is timed apart, outside the
    wall time, to size that part of the gap."""
    import pandas as pd

    from automl_local import candidates as cand
    from automl_local.artifacts import pack
    from automl_local.engines import build_engine
    from automl_local.signing import KEY_BYTES, SigningKey
    from automl_local.spec import JobSpec

    spec = JobSpec.from_request("v2", job_request("bench-direct", candidates))
    # Signed as the backend signs, so the packing time below is the backend's.
    key = SigningKey(secrets.token_bytes(KEY_BYTES), Path("signing.key"))
    cpu_started = time.process_time()
    started = time.perf_counter()
    frame = pd.read_csv(csv)
    read = time.perf_counter() - started
    engine = build_engine(spec, frame, None, data_bytes=int(frame.memory_usage(deep=True).sum()))
    engine.feature_engineering()
    before_first = time.perf_counter() - started
    completed, best, packing, pack_cpu, training, fitting = 0, None, 0.0, 0.0, 0.0, 0.0
    for plan in engine.plans(_NoLimits(), candidates):
        begun = time.perf_counter()
        trained = plan.train()
        plan.on_success(trained)
        training += time.perf_counter() - begun
        fitting += trained.details["train_seconds"]
        completed += 1
        if best is None or cand.better(engine.metric, trained.objective, best):
            best = trained.objective
        begun, begun_cpu = time.perf_counter(), time.process_time()
        pack(trained.model, {"kind": "model"}, key=key)
        packing += time.perf_counter() - begun
        pack_cpu += time.process_time() - begun_cpu
        if completed >= candidates:
            break
    wall = time.perf_counter() - started - packing
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu_started - pack_cpu,
        "read_s": read,
        "before_first_candidate_s": before_first,
        "candidates": completed,
        "candidates_s": training,
        "fit_s": fitting,
        "pack_s": packing,
        "best_objective": best,
        "metric": engine.metric,
    }


def _total(runs: list[dict[str, Any]], key: str) -> float:
    return float(sum(r[key] for r in runs))


def measure(rows: int, cols: int, candidates: int) -> dict[str, Any]:
    load_before = os.getloadavg()
    started = time.perf_counter()
    csv = dataset(rows, cols)
    warm_up = dataset(WARM_UP["rows"], cols)
    generate = time.perf_counter() - started
    direct(warm_up, WARM_UP["candidates"])  # imports and first calls, not counted
    # Direct, backend, backend, direct: a load that drifts steadily over the run hits both alike.
    engine = [direct(csv, candidates)]
    backend = through_backend(csv, warm_up, candidates, runs=2)
    engine.append(direct(csv, candidates))
    per_backend = _total(backend, "wall_s") / _total(backend, "candidates")
    per_direct = _total(engine, "wall_s") / _total(engine, "candidates")
    cpu_backend = _total(backend, "cpu_s") / _total(backend, "candidates")
    cpu_direct = _total(engine, "cpu_s") / _total(engine, "candidates")
    n_backend, n_direct = _total(backend, "candidates"), _total(engine, "candidates")

    def gap(key: str) -> float:
        return _total(backend, key) / n_backend - _total(engine, key) / n_direct

    # Where the wall-time gap goes, in seconds per candidate; the parts add up to the whole gap.
    parts = {
        "before_first_candidate": gap("before_first_candidate_s"),
        "around_each_candidate": gap("candidates_s") - gap("fit_s"),
        "engine_fit": gap("fit_s"),
    }
    parts["polling_and_rest"] = per_backend - per_direct - sum(parts.values())
    return {
        "rows": rows,
        "cols": cols,
        "csv_mb": csv.stat().st_size / 2**20,
        "budget_candidates": candidates,
        "algorithms": ALGORITHMS,
        "poll_s": POLL_SECONDS,
        "generate_s": generate,
        "backend": backend,
        "direct": engine,
        "backend_s_per_candidate": per_backend,
        "direct_s_per_candidate": per_direct,
        "overhead": per_backend / per_direct - 1,
        "gap_s_per_candidate": parts,
        # The gap without the fit-time difference: the same engine code on both sides, so that part
        # is the shared machine's load, not our layer.
        "layer_overhead": (per_backend - per_direct - parts["engine_fit"]) / per_direct,
        "backend_cpu_s_per_candidate": cpu_backend,
        "direct_cpu_s_per_candidate": cpu_direct,
        "cpu_overhead": cpu_backend / cpu_direct - 1,
        "load_before": list(load_before),
        "load_after": list(os.getloadavg()),
    }


# -- report ----------------------------------------------------------------------------------------


def report(result: dict[str, Any] | None) -> list[str]:
    """Section 5 of docs/benchmarks.md."""
    head = ["## 5. Local backend overhead", ""]
    if result is None:
        return [*head, "Not measured in this run.", ""]
    backend, engine = result["backend"], result["direct"]

    def row(label: str, runs: list[dict[str, Any]], per: float, cpu: float) -> str:
        n = _total(runs, "candidates")
        walls = " + ".join(f"{r['wall_s']:.1f}" for r in runs)
        objectives = ", ".join(sorted({f"{r['best_objective']:.4f}" for r in runs}))
        return (
            f"| {label} | {n:.0f} | {walls} | **{per:.2f}** | {cpu:.2f} | "
            f"{_total(runs, 'before_first_candidate_s') / len(runs):.2f} | "
            f"{_total(runs, 'candidates_s') / n:.2f} / {_total(runs, 'fit_s') / n:.2f} | {objectives} |"
        )

    return [
        *head,
        f"A binary-classification CSV of {result['rows']:,} rows x {result['cols']} feature columns "
        f"({result['csv_mb']:.0f} MB; `make_classification`, seeded), HYPERPARAMETER_TUNING with "
        f"{', '.join(result['algorithms'])}, MaxCandidates={result['budget_candidates']}, objective "
        f"{backend[0]['metric']}. **Backend**: the CSV uploaded to the local backend's S3, "
        f"CreateAutoMLJobV2, DescribeAutoMLJobV2 every {result['poll_s']} s until terminal; wall time "
        "from the create call to the terminal describe, CPU of the server process. **Direct**: the "
        "same request, data and seed through `TabularEngine` in the benchmark process (read the CSV, "
        "build the engine, feature engineering, train the candidates; no artifacts). Both sides ran a "
        "small warm-up job first (imports and first calls are start-up cost, not per-job overhead) and "
        "train with one native thread per library. Order: direct, backend, backend, direct, so a load "
        "that drifts hits both alike. Load average (1 min) "
        f"{result['load_before'][0]:.2f} before, {result['load_after'][0]:.2f} after: other work "
        "shared the 2 cores.",
        "",
        "| | candidates | wall per run (s) | wall per candidate (s) | CPU per candidate (s) "
        "| before first candidate (s) | per candidate: span / fit (s) | best objective |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("backend", backend, result["backend_s_per_candidate"], result["backend_cpu_s_per_candidate"]),
        row("direct", engine, result["direct_s_per_candidate"], result["direct_cpu_s_per_candidate"]),
        f"| **overhead** | | | **{result['overhead']:+.1%}** | {result['cpu_overhead']:+.1%} | | | |",
        "",
        "Where the wall-time gap goes, seconds per candidate (share of the direct wall per candidate):",
        "",
        "| reading and analysing the data | around each candidate (artifacts, records) "
        "| polling lag and the rest | engine fit (same code; machine load) | total |",
        "|---:|---:|---:|---:|---:|",
        "| "
        + " | ".join(
            f"{result['gap_s_per_candidate'][k]:+.3f} "
            f"({result['gap_s_per_candidate'][k] / result['direct_s_per_candidate']:+.1%})"
            for k in ("before_first_candidate", "around_each_candidate", "polling_and_rest", "engine_fit")
        )
        + f" | {result['backend_s_per_candidate'] - result['direct_s_per_candidate']:+.3f} "
        f"({result['overhead']:+.1%}) |",
        "",
        "*Span*: a candidate's CreationTime to EndTime in the backend (train, validate, pack and upload "
        "its artifacts, record it); in the direct run, train and validate. *Fit*: the engine's own "
        "timer around fit and validation, the same code on both sides, so fit differences are the "
        "machine's load. Backend extras: upload "
        f"{backend[0]['upload_s']:.1f} s (once, before the jobs; not counted), after the last "
        f"candidate {_total(backend, 'after_last_candidate_s') / len(backend):.2f} s, polling lag "
        f"{_total(backend, 'poll_lag_s') / len(backend):.2f} s per job. Packing the direct run's "
        f"models as the backend does would add {_total(engine, 'pack_s') / _total(engine, 'candidates'):.3f} "
        "s per candidate.",
        "",
    ]


def targets(result: dict[str, Any] | None) -> list[str]:
    if result is None:
        return ["- Local backend overhead under 10%: not measured in this run."]
    objectives = {round(r["best_objective"], 9) for r in result["backend"] + result["direct"]}
    met = "met" if result["overhead"] < 0.10 else "**not met**"
    return [
        f"- Local backend overhead per candidate under 10%: {met} (wall {result['overhead']:+.1%}: "
        f"{result['backend_s_per_candidate']:.2f} s vs {result['direct_s_per_candidate']:.2f} s per "
        f"candidate; CPU {result['cpu_overhead']:+.1%}; our layer's own part, without the engine's "
        f"fit-time difference, {result['layer_overhead']:+.1%}); best objective "
        + ("identical in every run" if len(objectives) == 1 else f"differs: {sorted(objectives)}")
        + "."
        + (
            " The part over 10% is the engine's own fit time, the same code on both sides, slower in "
            "the backend's run on the shared machine (section 5 splits the gap)."
            if result["overhead"] >= 0.10 and result["layer_overhead"] < 0.10
            else ""
        )
    ]


def main() -> None:
    # Before numpy loads (every ML import here is lazy): the backend's `serve` pins native libraries
    # to one thread, the direct run must too.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} instead of {FULL}")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--cols", type=int)
    parser.add_argument("--candidates", type=int)
    args = parser.parse_args()
    cfg = dict(QUICK if args.quick else FULL)
    cfg.update({k: v for k, v in vars(args).items() if k in cfg and v is not None})
    print("RESULT " + json.dumps(measure(cfg["rows"], cfg["cols"], cfg["candidates"])), flush=True)


if __name__ == "__main__":
    main()
