"""Batch transform jobs on models made from candidates: a bounded pool runs the real model over S3.

InProgress -> Completed | Failed (FailureReason) | Stopping -> Stopped. Each input object (an S3
prefix's objects, or a manifest's) is read through the job's decode budget, split (``SplitType``
Line or None), sent in mini-batches of at most ``MaxPayloadInMB`` (``SingleRecord``: one record per
request) through the same :class:`~automl_local.serving.predictor.Predictor` an endpoint uses, and
the answers are assembled (``AssembleWith``) into ``<S3OutputPath>/<input key relative to the
prefix>.out``, written to S3 and mirrored in the data dir so a restart restores them. A job whose
model is not a candidate's is moto's (it answers Completed and writes nothing).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from automl_local.candidates import ACCOUNT_ID
from automl_local.data import S3, DataError, channel_keys, split_uri
from automl_local.errors import ResourceInUseError, ResourceNotFoundError, ValidationError, show
from automl_local.jobs import ArtifactWriter
from automl_local.models import s3_fetch
from automl_local.paths import UnsafePathError, bucket_problem, key_problem
from automl_local.serving.catalog import ServedModel, resolve
from automl_local.serving.codecs import Media, ModelFailure
from automl_local.serving.dataprocessing import (
    DataProcessing,
    PathError,
    apply_path,
    family,
    join,
    request_body,
    split_records,
    write_records,
)
from automl_local.serving.moto import MotoSageMaker
from automl_local.serving.predictor import LoadError, Predictor, load_predictor
from automl_local.serving.records import Record, ResourceTable
from automl_local.spec import Channel
from automl_local.store import JobStore, now

log = logging.getLogger("automl_local")

WORKERS = 2  # transform jobs running at once; more wait InProgress
DEFAULT_MAX_PAYLOAD_MB = 6
MIB = 1024 * 1024
INTERRUPTED = "The local AutoML backend restarted while this transform job was running; it cannot resume."
REQUEST_MEMBERS = (
    "TransformJobName",
    "ModelName",
    "MaxConcurrentTransforms",
    "ModelClientConfig",
    "MaxPayloadInMB",
    "BatchStrategy",
    "Environment",
    "TransformInput",
    "TransformOutput",
    "DataCaptureConfig",
    "TransformResources",
    "DataProcessing",
    "ExperimentConfig",
)


class TransformFailure(Exception):
    """The job ends Failed with this message as its FailureReason."""


class _Stopped(Exception):
    pass


def transform_job_arn(name: str, region: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:transform-job/{name.lower()}"


class TransformJobs:
    def __init__(
        self,
        *,
        directory: Path,
        store: JobStore,
        s3_factory: Callable[[], S3],
        moto: MotoSageMaker,
        region: str,
        workers: int = WORKERS,
    ) -> None:
        self.table = ResourceTable(directory, "TransformJobName")
        self.store = store
        self.s3_factory = s3_factory
        self.moto = moto
        self.region = region
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="automl-transform")
        self._stops: dict[str, threading.Event] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._shutdown = threading.Event()

    def load(self) -> list[str]:
        """Read the persisted jobs; those a restart interrupted end Failed. Returns their names."""
        interrupted = []
        for record in self.table.load():
            if record["TransformJobStatus"] in ("InProgress", "Stopping"):
                name = record["TransformJobName"]
                self._end(name, "Failed", reason=INTERRUPTED)
                interrupted.append(name)
        return interrupted

    def owns(self, name: Any) -> bool:
        return isinstance(name, str) and self.table.exists(name)

    # -- create --------------------------------------------------------------------------------------
    def create(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """Start a job on a candidate's model; None when the model is not one (moto answers)."""
        name = body["TransformJobName"]
        served = resolve(self.moto, self.store, body["ModelName"])
        if self._exists(name):
            raise ResourceInUseError(
                f"Job name must be unique within an AWS account and region, and a job with this name "
                f"already exists ({transform_job_arn(name, self.region)})."
            )
        if served is None:
            return None
        _check_request(body)
        created = now()
        record: Record = {
            **{k: body[k] for k in REQUEST_MEMBERS if k in body},
            "TransformJobArn": transform_job_arn(name, self.region),
            "TransformJobStatus": "InProgress",
            "CreationTime": created,
            "LastModifiedTime": created,
            "Served": served.to_json(),
            "Tags": body.get("Tags", []),
        }
        if not self.table.create(record):
            raise ResourceInUseError(f"Transform job {name!r} already exists.")
        with self._lock:
            self._stops[name.lower()] = threading.Event()
        self.executor.submit(self._run, name)
        return {"TransformJobArn": record["TransformJobArn"]}

    def _exists(self, name: str) -> bool:
        if self.table.exists(name):
            return True
        return self.moto.describe_or_none("DescribeTransformJob", {"TransformJobName": name}) is not None

    # -- describe / list / stop ------------------------------------------------------------------------
    def describe(self, name: str) -> dict[str, Any]:
        record = self.table.get(name)
        if record is None:
            raise ResourceNotFoundError(
                f"Could not find transform job {transform_job_arn(name, self.region)!r}."
            )
        return render(record)

    def summaries(self) -> list[dict[str, Any]]:
        found = []
        for record in self.table.all():
            summary = {
                k: record[k]
                for k in (
                    "TransformJobName",
                    "TransformJobArn",
                    "CreationTime",
                    "LastModifiedTime",
                    "TransformJobStatus",
                )
            }
            for key in ("TransformEndTime", "FailureReason"):
                if record.get(key):
                    summary[key] = record[key]
            found.append(summary)
        return found

    def stop(self, name: str) -> None:
        record = self.table.get(name)
        if record is None:
            raise ResourceNotFoundError(
                f"Could not find transform job {transform_job_arn(name, self.region)!r}."
            )
        status = record["TransformJobStatus"]
        if status == "Stopping":
            return
        if status != "InProgress":
            raise ValidationError(
                f"Transform job {record['TransformJobName']!r} is {status}; only InProgress jobs can be "
                "stopped."
            )
        with self._lock:
            event = self._stops.get(name.lower())
            if event is not None:
                event.set()
            running = name.lower() in self._running

        def change(live: Record) -> None:
            if live["TransformJobStatus"] != "InProgress":
                return
            if running:
                live["TransformJobStatus"] = "Stopping"
            else:  # still queued
                live["TransformJobStatus"] = "Stopped"
                live["TransformEndTime"] = now()

        self.table.update(name, change)

    def shutdown(self) -> None:
        self._shutdown.set()
        with self._lock:
            for event in self._stops.values():
                event.set()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # -- running ------------------------------------------------------------------------------------------
    def _end(self, name: str, status: str, *, reason: str | None = None) -> None:
        def change(record: Record) -> None:
            record["TransformJobStatus"] = "Stopped" if record["TransformJobStatus"] == "Stopping" else status
            record["TransformEndTime"] = now()
            if reason and record["TransformJobStatus"] == "Failed":
                record["FailureReason"] = reason[:1024]

        self.table.update(name, change)
        log.info("transform job %s: %s%s", name, status, f": {reason}" if reason else "")

    def _run(self, name: str) -> None:
        with self._lock:
            if self._shutdown.is_set():
                return
            self._running.add(name.lower())
            stop = self._stops.setdefault(name.lower(), threading.Event())
        try:
            record = self.table.get(name)
            if record is None or record["TransformJobStatus"] != "InProgress":
                return
            self.table.update(name, lambda r: r.update(TransformStartTime=now()))
            self._execute(record, stop)
            self._end(name, "Completed")
        except _Stopped:
            if not self._shutdown.is_set():
                self._end(name, "Stopped")
        except TransformFailure as err:
            self._end(name, "Failed", reason=str(err))
        except Exception as err:  # a bug fails the job, never the server
            log.error("transform job %s failed with an internal error\n%s", name, traceback.format_exc())
            self._end(name, "Failed", reason=f"Internal error in the local AutoML backend: {err!r}")
        finally:
            with self._lock:
                self._running.discard(name.lower())
                self._stops.pop(name.lower(), None)

    def _execute(self, record: Record, stop: threading.Event) -> None:
        s3 = self.s3_factory()  # one per job: it carries the job's decode budget
        served = ServedModel.from_json(record["Served"])
        try:
            predictor = load_predictor(
                self.store, served, s3_fetch(s3), environment=record.get("Environment")
            )
        except LoadError as err:
            raise TransformFailure(
                f"ClientError: The model {served.model_name} could not be loaded: {err}"
            ) from None
        source = record["TransformInput"]["DataSource"]["S3DataSource"]
        channel = Channel(
            channel_type="transform",
            s3_data_type=source["S3DataType"],
            s3_uri=source["S3Uri"],
            content_type=record["TransformInput"].get("ContentType"),
            compression=record["TransformInput"].get("CompressionType"),
        )
        try:
            objects = channel_keys(s3, channel)
        except DataError as err:
            raise TransformFailure(f"ClientError: {err}") from None
        writer = ArtifactWriter(s3=s3, mirror_dir=self.store.artifacts_dir)
        settings = Settings.from_record(record, predictor)
        base = _base(source)
        for bucket, key in objects:
            if stop.is_set():
                raise _Stopped
            uri = f"s3://{bucket}/{key}"
            fetched = time.perf_counter()
            try:
                body = s3.read_input(bucket, key, gzip=channel.compression == "Gzip")
            except DataError as err:
                raise TransformFailure(f"ClientError: {err}") from None
            began = time.perf_counter()
            try:
                answer = settings.transform(predictor, body, stop)
            except ModelFailure as err:
                kind = "client" if err.status < 500 else "server"
                raise TransformFailure(
                    f"{'ClientError' if err.status < 500 else 'AlgorithmError'}: Received {kind} error "
                    f"({err.status}) from the model container for {uri}: {err.message}"
                ) from None
            relative = _relative(base, bucket, key)
            target = f"{record['TransformOutput']['S3OutputPath'].rstrip('/')}/{relative}.out"
            predicted = time.perf_counter()
            try:
                writer.write(target, answer)
            except UnsafePathError as err:
                raise TransformFailure(f"ClientError: cannot write {target}: {err}") from None
            log.info(
                "transform job %s: %s (%d bytes) read in %.3fs, answered in %.3fs, written in %.3fs",
                record["TransformJobName"],
                uri,
                len(body),
                began - fetched,
                predicted - began,
                time.perf_counter() - predicted,
            )


class Settings:
    """How a job splits, batches, filters and assembles (what CreateTransformJob asked for)."""

    def __init__(
        self,
        *,
        content_type: str | None,
        accept: str | None,
        split: str,
        single: bool,
        max_payload: int | None,
        assemble: str,
        processing: DataProcessing,
        default_type: str,
    ) -> None:
        self.content_type = content_type
        self.accept = accept
        self.split = split
        self.single = single
        self.max_payload = max_payload
        self.assemble = assemble
        self.processing = processing
        self.media_type = (Media.parse(content_type) or Media(default_type)).type

    @classmethod
    def from_record(cls, record: Record, predictor: Predictor) -> Settings:
        payload_mb = record.get("MaxPayloadInMB", DEFAULT_MAX_PAYLOAD_MB)
        return cls(
            content_type=record["TransformInput"].get("ContentType"),
            accept=record.get("TransformOutput", {}).get("Accept"),
            split=record["TransformInput"].get("SplitType", "None"),
            single=record.get("BatchStrategy") == "SingleRecord",
            max_payload=payload_mb * MIB if payload_mb else None,  # 0: no limit
            assemble=record.get("TransformOutput", {}).get("AssembleWith", "None"),
            processing=DataProcessing.from_request(record.get("DataProcessing")),
            default_type=predictor.codec.default_content_type,
        )

    def requests(self, body: bytes) -> Iterator[bytes]:
        """The request bodies an object becomes: itself, or its lines in mini-batches."""
        if self.split != "Line":
            if self.max_payload and len(body) > self.max_payload:
                raise TransformFailure(
                    f"ClientError: an input object of {len(body)} bytes is larger than MaxPayloadInMB "
                    f"({self.max_payload // MIB}); split it with SplitType Line or raise MaxPayloadInMB."
                )
            yield body
            return
        if self.single:
            for line in body.splitlines(keepends=True):
                if line.strip():
                    self._check_record(len(line))
                    yield line if line.endswith(b"\n") else line.rstrip(b"\r") + b"\n"
            return
        # MultiRecord: cut at the last newline that keeps a mini-batch within MaxPayloadInMB, found with
        # rfind (a few calls per object, not a Python step per line).
        limit = self.max_payload or len(body)
        start = 0
        while start < len(body):
            if len(body) - start <= limit:
                end = len(body)
            else:
                cut = body.rfind(b"\n", start, start + limit)
                if cut < 0:
                    newline = body.find(b"\n", start)
                    self._check_record((len(body) if newline < 0 else newline + 1) - start)
                end = cut + 1
            batch = body[start:end]
            start = end
            if not batch.isspace():
                yield batch

    def _check_record(self, size: int) -> None:
        if self.max_payload and size > self.max_payload:
            raise TransformFailure(
                f"ClientError: a record of {size} bytes is larger than MaxPayloadInMB "
                f"({self.max_payload // MIB})."
            )

    def transform(self, predictor: Predictor, body: bytes, stop: threading.Event) -> bytes:
        pieces: list[bytes] = []
        for request in self.requests(body):
            if stop.is_set():
                raise _Stopped
            pieces.append(self._one(predictor, request))
        if self.assemble == "Line":
            return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pieces if p)
        return b"".join(pieces)

    def _one(self, predictor: Predictor, request: bytes) -> bytes:
        processing = self.processing
        if not processing.active:
            return predictor.invoke(request, self.content_type, self.accept)[0]
        records = split_records(request, self.media_type)
        inputs = (
            [apply_path(processing.input_filter, r) for r in records] if processing.input_filter else records
        )
        answer, answer_type = predictor.invoke(
            request_body(inputs, self.media_type), self.content_type, self.accept
        )
        answers = split_records(answer, answer_type)
        if len(answers) != len(records):
            raise ModelFailure(500, f"the model answered {len(answers)} records for {len(records)}")
        if processing.join_input:
            if family(self.media_type) != family(answer_type):
                raise TransformFailure(
                    "ClientError: JoinSource 'Input' joins records of one format; ContentType "
                    f"{self.media_type} and Accept {answer_type} differ (text/csv goes with text/csv, "
                    "JSON with JSON)."
                )
            answers = [join(r, a, answer_type) for r, a in zip(records, answers, strict=True)]
        if processing.output_filter:
            answers = [apply_path(processing.output_filter, a) for a in answers]
        return write_records(answers, answer_type)


def _check_request(body: dict[str, Any]) -> None:
    """What the local backend cannot do, refused at create with the reason."""
    transform_input = body["TransformInput"]
    source = transform_input["DataSource"].get("S3DataSource")
    if not source:
        raise ValidationError("TransformInput.DataSource.S3DataSource is required.")
    if source["S3DataType"] == "AugmentedManifestFile":
        raise ValidationError(
            "The local AutoML backend reads S3Prefix and ManifestFile transform input, not "
            "AugmentedManifestFile."
        )
    if transform_input.get("SplitType") in ("RecordIO", "TFRecord"):
        raise ValidationError(
            f"SplitType {transform_input['SplitType']!r} is not supported by the local AutoML backend; "
            "Autopilot's containers read Line or None."
        )
    for member, uri in (
        ("TransformInput.DataSource.S3DataSource.S3Uri", source["S3Uri"]),
        ("TransformOutput.S3OutputPath", body["TransformOutput"]["S3OutputPath"]),
    ):
        try:
            bucket, key = split_uri(uri)
        except DataError:
            raise ValidationError(f"Invalid {member}: {show(uri)}. Expected s3://bucket/prefix.") from None
        problem = bucket_problem(bucket) or key_problem(key, prefix=True)
        if problem:
            raise ValidationError(f"Invalid {member}: {show(uri)}: {problem}.")
    try:
        DataProcessing.from_request(body.get("DataProcessing"))
    except PathError as err:
        raise ValidationError(f"Invalid DataProcessing: {err}.") from None


def _base(source: dict[str, Any]) -> tuple[str, str]:
    """(bucket, key prefix) outputs are named relative to: the S3Uri up to its last '/'."""
    bucket, key = split_uri(source["S3Uri"])
    return bucket, key[: key.rfind("/") + 1] if "/" in key else ""


def _relative(base: tuple[str, str], bucket: str, key: str) -> str:
    if bucket == base[0] and key.startswith(base[1]) and len(key) > len(base[1]):
        return key[len(base[1]) :]
    return key.rsplit("/", 1)[-1]  # a manifest entry in another bucket or prefix: its file name


def render(record: Record) -> dict[str, Any]:
    """DescribeTransformJob's answer, with the defaults SageMaker shows."""
    answer: dict[str, Any] = {k: record[k] for k in REQUEST_MEMBERS if k in record}
    answer.setdefault("MaxConcurrentTransforms", 1)
    answer.setdefault("MaxPayloadInMB", DEFAULT_MAX_PAYLOAD_MB)
    transform_input = dict(answer["TransformInput"])
    transform_input.setdefault("CompressionType", "None")
    transform_input.setdefault("SplitType", "None")
    answer["TransformInput"] = transform_input
    transform_output = dict(answer.get("TransformOutput") or {})
    transform_output.setdefault("AssembleWith", "None")
    answer["TransformOutput"] = transform_output
    answer["DataProcessing"] = {
        "InputFilter": "$",
        "OutputFilter": "$",
        "JoinSource": "None",
        **(answer.get("DataProcessing") or {}),
    }
    for key in (
        "TransformJobArn",
        "TransformJobStatus",
        "CreationTime",
        "TransformStartTime",
        "TransformEndTime",
        "FailureReason",
    ):
        if record.get(key) is not None:
            answer[key] = record[key]
    return answer


__all__ = ["TransformJobs", "render", "transform_job_arn"]
