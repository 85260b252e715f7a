"""Command line: ``serve`` the local AutoML backend, or ``predict`` with a trained candidate.

python -m automl_local serve --host 127.0.0.1 --port 8080 --data-dir .automl-local
python -m automl_local predict --data-dir .automl-local --job NAME --input x.csv
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from automl_local import auth, limits, tls
from automl_local.faults import LATENCY_ENV, THROTTLE_ENV, FaultSettings

READY_LINE = "AutoML local backend ready at {url}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="automl-local", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the SageMaker-compatible endpoint (moto + AutoML)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); anything but loopback needs --allow-remote",
    )
    serve.add_argument(
        "--port", type=int, default=8080, help="0 picks a free port (printed in the ready line)"
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".automl-local"),
        help="job state and artifact copies; survives restarts",
    )
    serve.add_argument(
        "--region",
        default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        help="the region it answers as, in ARNs (default $AWS_DEFAULT_REGION, else us-east-1)",
    )
    serve.add_argument("--workers", type=int, default=2, help="jobs that train at the same time (default 2)")
    serve.add_argument(
        "--max-active-jobs",
        type=int,
        default=20,
        help="jobs in progress before create answers ResourceLimitExceeded (default 20)",
    )
    serve.add_argument(
        "--throttle-rate",
        type=float,
        default=None,
        help=f"share of AutoML calls answered ThrottlingException (env {THROTTLE_ENV}; default 0)",
    )
    serve.add_argument(
        "--latency-ms",
        type=int,
        default=None,
        help=f"latency added to AutoML calls (env {LATENCY_ENV}; default 0)",
    )
    serve.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    auth.add_arguments(serve)
    tls.add_arguments(serve)
    limits.add_arguments(serve)

    predict = commands.add_parser(
        "predict",
        help="predict a CSV with a candidate's model.tar.gz (signed by the backend, or refused)",
        description="Predict a CSV with a candidate's model. Only artifacts signed with the backend's key "
        "(<data-dir>/signing.key) are loaded: a model.tar.gz uploaded or changed by an S3 client is refused.",
    )
    predict.add_argument(
        "--data-dir",
        type=Path,
        required=True,
        help="the backend's data dir: its signing key is read from there, and so are the job and its "
        "artifacts unless --endpoint-url is given",
    )
    predict.add_argument(
        "--endpoint-url",
        help="URL of the running backend: read the job and artifacts through it instead of the data dir "
        f"(requests are signed with {auth.ACCESS_KEY_ENV}/{auth.SECRET_KEY_ENV} when set)",
    )
    predict.add_argument("--job", required=True, help="AutoML job name")
    predict.add_argument("--candidate", help="candidate name (default: the job's BestCandidate)")
    predict.add_argument(
        "--input", required=True, type=Path, help="CSV with a header row (target column optional)"
    )
    predict.add_argument("--output", type=Path, help="write predictions here instead of stdout")
    predict.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    return parser


def serve(args: argparse.Namespace) -> int:
    # One thread per native library: jobs train in parallel in the worker pool instead.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("werkzeug", "flaml"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    env_faults = FaultSettings.from_env()
    try:
        faults = FaultSettings(
            throttle_rate=env_faults.throttle_rate if args.throttle_rate is None else args.throttle_rate,
            latency_ms=env_faults.latency_ms if args.latency_ms is None else args.latency_ms,
            seed=env_faults.seed,
        )
    except ValueError as err:
        print(f"automl-local: {err}", file=sys.stderr)
        return 2
    try:  # refused before anything listens: why, and how to get what was meant
        credentials = auth.credentials_from(args)
        auth.check_exposure(args.host, args.allow_remote, credentials)
        server_limits = limits.from_args(args)
        tls_context = tls.context_from(args)
    except ValueError as err:
        print(f"automl-local: {err}", file=sys.stderr)
        return 2
    from automl_local.server import BackendSettings, LocalBackend

    settings = BackendSettings(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        region=args.region,
        workers=max(1, args.workers),
        max_active_jobs=max(1, args.max_active_jobs),
        faults=faults,
        limits=server_limits,
        allow_remote=args.allow_remote,
        credentials=credentials,
        tls=tls_context,
    )
    backend = LocalBackend(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    backend.start()
    warning = auth.exposure_warning(backend.bound_host, backend.port, tls=tls_context is not None)
    if warning:  # before the ready line, so whoever waits for that line has seen it
        print(warning, file=sys.stderr, flush=True)
    print(READY_LINE.format(url=backend.address), flush=True)
    stop.wait()
    logging.getLogger("automl_local").info("stopping")
    backend.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    # Training threads cannot be interrupted; their jobs are persisted and marked interrupted on restart.
    os._exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    from automl_local.signing import SigningKeyError

    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        from automl_local.predict import run_predict

        return run_predict(args)
    except SigningKeyError as err:  # an unsafe key file: refuse to start, say which file and why
        print(f"automl-local: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
