"""A minimal loopback SageMaker for the benchmarks: the AutoML calls our code makes, nothing else.

Answers DescribeAutoMLJobV2, ListAutoMLJobs (LastModifiedTimeAfter, SortBy/SortOrder,
MaxResults/NextToken), CreateAutoMLJobV2 and ListCandidatesForAutoMLJob with JSON shaped by
botocore's service model (``--check`` validates every response against it; off by default
to keep the server cheap at 5,000 jobs). Control endpoints under ``/_bench/`` create jobs,
change them and read request counters. It runs in its own process so its CPU is not counted
against the triggers measured.

``python -m benchmarks.server [--port N] [--check]`` prints ``ready <url>`` when listening.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import math
import time
from typing import Any

from aiohttp import web

ACCOUNT = "123456789012"
REGION = "us-east-1"
TERMINAL = ("Completed", "Failed", "Stopped")


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name.lower()}"


def candidate(name: str, value: float = 0.91) -> dict[str, Any]:
    containers = [
        {
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": f"s3://bench/output/{name}/model.tar.gz",
            "Environment": {"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label"},
        }
    ]
    return {
        "CandidateName": name,
        "FinalAutoMLJobObjectiveMetric": {"Type": "Maximize", "MetricName": "F1", "Value": value},
        "ObjectiveStatus": "Succeeded",
        "CandidateSteps": [
            {
                "CandidateStepType": "AWS::SageMaker::TrainingJob",
                "CandidateStepArn": _arn("training-job", name),
                "CandidateStepName": name,
            }
        ],
        "CandidateStatus": "Completed",
        "InferenceContainers": containers,
        "CreationTime": 1_700_000_000.0,
        "EndTime": 1_700_000_600.0,
        "LastModifiedTime": 1_700_000_600.0,
    }


class Job:
    __slots__ = ("complete_at", "created", "lmt", "name", "secondary", "status")

    def __init__(self, name: str, created: float, complete_at: float = math.inf) -> None:
        self.name = name
        self.created = created
        self.lmt = created
        self.status = "InProgress"
        self.secondary = "TrainingModels"
        self.complete_at = complete_at

    def refresh(self, now: float) -> None:
        if self.status == "InProgress" and now >= self.complete_at:
            self.status, self.secondary, self.lmt = "Completed", "Completed", self.complete_at

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "AutoMLJobName": self.name,
            "AutoMLJobArn": _arn("automl-job", self.name),
            "AutoMLJobStatus": self.status,
            "AutoMLJobSecondaryStatus": self.secondary,
            "CreationTime": self.created,
            "LastModifiedTime": self.lmt,
        }
        if self.status in TERMINAL:
            out["EndTime"] = self.lmt
        return out

    def describe(self) -> dict[str, Any]:
        out = self.summary()
        out.update(
            {
                "AutoMLJobInputDataConfig": [
                    {
                        "ChannelType": "training",
                        "ContentType": "text/csv;header=present",
                        "CompressionType": "None",
                        "DataSource": {
                            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bench/train/"}
                        },
                    }
                ],
                "OutputDataConfig": {"S3OutputPath": "s3://bench/output/"},
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/AutoMLRole",
                "AutoMLJobObjective": {"MetricName": "F1"},
                "AutoMLProblemTypeConfig": {
                    "TabularJobConfig": {
                        "TargetAttributeName": "label",
                        "ProblemType": "BinaryClassification",
                    }
                },
                "AutoMLProblemTypeConfigName": "Tabular",
            }
        )
        if self.status == "Completed":
            out["BestCandidate"] = candidate(f"{self.name}-best")
        return out


class BenchSageMaker:
    def __init__(self, *, check: bool = False) -> None:
        self.jobs: dict[str, Job] = {}
        self.candidates: dict[str, int] = {}  # job name -> how many candidates it lists
        self.counts: collections.Counter[str] = collections.Counter()
        self.described: set[str] = set()
        self.check = check
        self._model: Any = None

    # -- the API -----------------------------------------------------------------------------------

    async def api(self, request: web.Request) -> web.Response:
        operation = request.headers.get("X-Amz-Target", "").rpartition(".")[2]
        params = json.loads(await request.read() or b"{}")
        self.counts[operation] += 1
        handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            return self._error("UnknownOperationException", f"{operation} is not served here")
        try:
            body = handler(params, time.time())
        except KeyError as exc:
            return self._error("ResourceNotFound", f"{exc.args[0]} does not exist")
        if self.check:
            self._validate(operation, body)
        return web.Response(body=json.dumps(body).encode(), content_type="application/x-amz-json-1.1")

    def op_DescribeAutoMLJobV2(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        job = self.jobs[params["AutoMLJobName"].lower()]
        job.refresh(now)
        self.described.add(job.name)
        return job.describe()

    def op_ListAutoMLJobs(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        after = params.get("LastModifiedTimeAfter")
        rows = []
        for job in self.jobs.values():
            job.refresh(now)
            if after is None or job.lmt > after:
                rows.append(job)
        reverse = params.get("SortOrder", "Descending") == "Descending"
        key = {"Name": lambda j: j.name, "Status": lambda j: j.status}.get(
            params.get("SortBy", ""), lambda j: j.created
        )
        rows.sort(key=key, reverse=reverse)
        offset = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults", 10))
        body: dict[str, Any] = {"AutoMLJobSummaries": [j.summary() for j in rows[offset : offset + size]]}
        if offset + size < len(rows):
            body["NextToken"] = str(offset + size)
        return body

    def op_CreateAutoMLJobV2(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        name = params["AutoMLJobName"]
        runtime = float(
            (params.get("Tags") and {t["Key"]: t["Value"] for t in params["Tags"]}.get("runtime")) or 5
        )
        self.jobs[name.lower()] = Job(name, now, complete_at=now + runtime)
        return {"AutoMLJobArn": _arn("automl-job", name)}

    def op_ListCandidatesForAutoMLJob(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        total = self.candidates[params["AutoMLJobName"].lower()]
        offset = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults", 10))
        body: dict[str, Any] = {
            "Candidates": [
                candidate(f"cand-{i}", 0.5 + i / (2 * total))
                for i in range(offset, min(total, offset + size))
            ]
        }
        if offset + size < total:
            body["NextToken"] = str(offset + size)
        return body

    # -- control -------------------------------------------------------------------------------------

    async def control(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        data = json.loads(await request.read() or b"{}")
        now = time.time()
        if action == "reset":
            self.jobs = {
                f"{data['prefix']}-{i}".lower(): Job(f"{data['prefix']}-{i}", now - 600)
                for i in range(data["n"])
            }
            self.candidates = {}
        elif action == "change":  # {"names": [...], "status": ..., "secondary": ...}
            for name in data["names"]:
                job = self.jobs[name.lower()]
                job.status, job.secondary, job.lmt = data["status"], data["secondary"], now
        elif action == "candidates":  # {"job": name, "n": 750}
            self.jobs[data["job"].lower()] = job = Job(data["job"], now - 600)
            job.status, job.secondary, job.lmt = "Completed", "Completed", now - 60
            self.candidates[data["job"].lower()] = data["n"]
        elif action == "clear":
            self.counts.clear()
            self.described.clear()
        elif action != "stats":
            return self._error("Unknown", action)
        return web.json_response({"now": now, "counts": dict(self.counts), "described": len(self.described)})

    # -- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _error(code: str, message: str) -> web.Response:
        body = json.dumps({"__type": code, "message": message}).encode()
        return web.Response(status=400, body=body, content_type="application/x-amz-json-1.1")

    def _validate(self, operation: str, body: dict[str, Any]) -> None:
        import botocore.session
        from botocore.validate import validate_parameters

        if self._model is None:
            self._model = botocore.session.get_session().get_service_model("sagemaker")
        # Responses carry epoch numbers; the validator wants what the parser would produce.
        parsed = json.loads(json.dumps(body), object_hook=_to_datetimes)
        validate_parameters(parsed, self._model.operation_model(operation).output_shape)


def _to_datetimes(obj: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    for key, value in obj.items():
        if key.endswith("Time") and isinstance(value, (int, float)):
            obj[key] = dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    return obj


def make_app(*, check: bool = False) -> web.Application:
    state = BenchSageMaker(check=check)
    app = web.Application()
    app.router.add_post("/", state.api)
    app.router.add_post("/_bench/{action}", state.control)
    return app


async def serve(port: int, check: bool) -> None:
    runner = web.AppRunner(make_app(check=check), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
    print(f"ready http://127.0.0.1:{sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--check", action="store_true", help="validate every response against botocore's model"
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.check))


if __name__ == "__main__":
    main()
