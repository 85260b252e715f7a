"""Decompression limits: a gzip bomb as training data stops at the limit; the job fails saying so.

The server runs with small limits (24 MiB per object, 32 MiB per job) so the test is quick; the
defaults are the same code with larger figures.
"""

from __future__ import annotations

import gzip
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from automl_local.process import LocalBackendProcess
from tests.conftest import BUCKET, client_kwargs, tabular_v2_request, unique

pytestmark = [pytest.mark.integration, pytest.mark.security]

MIB = 1024 * 1024
OBJECT_LIMIT_MIB, JOB_LIMIT_MIB = 24, 32
BOMB_MIB = 1600  # what the bomb expands to
RSS_GROWTH_BOUND = 256 * MIB  # decoding stops at 24 MiB: nothing near the 1.6 GB the bomb holds


def gzip_bomb(mib: int) -> bytes:
    """A valid gzip CSV of ``mib`` MiB in about mib KiB: one deflated MiB repeated.

    After a full flush the compressor keeps no history, so the same flushed piece is valid again
    after itself; the trailer carries the real CRC and size.
    """
    header, block = b"a,b\n", b"1,0\n" * (MIB // 4)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(header)
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    size = (len(header) + mib * len(block)) & 0xFFFFFFFF
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + head
        + piece * mib
        + tail
        + struct.pack("<II", crc, size)
    )


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackendProcess]:
    extra = [
        "--max-object-decoded-bytes",
        f"{OBJECT_LIMIT_MIB}MiB",
        "--max-job-decoded-bytes",
        f"{JOB_LIMIT_MIB}MiB",
        "--workers",
        "1",
    ]
    with LocalBackendProcess(tmp_path_factory.mktemp("limits"), extra_args=extra) as process:
        yield process


@pytest.fixture(scope="module")
def clients(backend: LocalBackendProcess) -> tuple[Any, Any]:
    import boto3
    from botocore.config import Config

    kwargs = client_kwargs(backend.url)
    s3 = boto3.client("s3", **kwargs)
    s3.create_bucket(Bucket=BUCKET)
    return boto3.client("sagemaker", config=Config(retries={"max_attempts": 1}), **kwargs), s3


class PeakRss:
    """Samples a process's resident memory every 10 ms in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def run_job(
    sagemaker: Any, uri: str, *, gzip_channel: bool = True, definitions_only: bool = False
) -> dict[str, Any]:
    name = unique("limits")
    request = tabular_v2_request(name, uri, target="b", GenerateCandidateDefinitionsOnly=definitions_only)
    if gzip_channel:
        request["AutoMLJobInputDataConfig"][0]["CompressionType"] = "Gzip"
    sagemaker.create_auto_ml_job_v2(**request)
    deadline = time.monotonic() + 120
    while (job := sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name))["AutoMLJobStatus"] == "InProgress":
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return dict(job)


@pytest.fixture
def alive(backend: LocalBackendProcess, clients: tuple[Any, Any]) -> Iterator[None]:
    yield
    assert backend.process is not None and backend.process.poll() is None, "the server died"
    assert "AutoMLJobSummaries" in clients[0].list_auto_ml_jobs(MaxResults=1)


def test_gzip_bomb_stops_at_the_object_limit(backend, clients, alive, record_property):
    sagemaker, s3 = clients
    bomb = gzip_bomb(BOMB_MIB)
    s3.put_object(Bucket=BUCKET, Key="bomb/train.csv.gz", Body=bomb)
    assert backend.process is not None
    # A small job first: the baseline then includes pandas and the engines, not just the bomb's cost.
    rows = "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(60))
    s3.put_object(Bucket=BUCKET, Key="warm/train.csv", Body=rows.encode())
    warm = run_job(sagemaker, f"s3://{BUCKET}/warm/train.csv", gzip_channel=False, definitions_only=True)
    assert warm["AutoMLJobStatus"] == "Completed", warm.get("FailureReason")

    with PeakRss(backend.process.pid) as rss:
        job = run_job(sagemaker, f"s3://{BUCKET}/bomb/")

    assert job["AutoMLJobStatus"] == "Failed"
    reason = job["FailureReason"]
    assert f"s3://{BUCKET}/bomb/train.csv.gz" in reason
    assert f"{OBJECT_LIMIT_MIB} MiB" in reason and "per input object" in reason
    assert "--max-object-decoded-bytes" in reason and "AUTOML_LOCAL_MAX_OBJECT_DECODED_BYTES" in reason
    assert rss.peak - rss.start < RSS_GROWTH_BOUND
    figures = (
        f"FIGURE | gzip bomb {len(bomb) / MIB:.1f} MiB -> {BOMB_MIB} MiB, limit {OBJECT_LIMIT_MIB} MiB | "
        f"server RSS {rss.start / MIB:.0f} MiB before, peak {rss.peak / MIB:.0f} MiB "
        f"(+{(rss.peak - rss.start) / MIB:.0f} MiB) | {reason}"
    )
    record_property("figure", figures)
    print(figures)


def test_objects_together_over_the_job_limit_fail_the_job(clients, alive):
    sagemaker, s3 = clients
    part = gzip.compress(b"a,b\n" + b"1,0\n" * (20 * MIB // 4), compresslevel=1)  # 20 MiB each, under 24
    for index in (1, 2):
        s3.put_object(Bucket=BUCKET, Key=f"parts/part-{index}.csv.gz", Body=part)

    job = run_job(sagemaker, f"s3://{BUCKET}/parts/")

    assert job["AutoMLJobStatus"] == "Failed"
    assert f"s3://{BUCKET}/parts/part-2.csv.gz" in job["FailureReason"]
    assert (
        f"{JOB_LIMIT_MIB} MiB" in job["FailureReason"] and "--max-job-decoded-bytes" in job["FailureReason"]
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (gzip.compress(b"a,b\n1,0\n" * 100)[:-20], "ends before the end"),
        (b"\x1f\x8b\x08\x00garbage that is not deflate", "not valid Gzip data"),
        (gzip.compress(b"a,b\n1,0\n" * 100) + b"trailing garbage", "not valid Gzip data"),
    ],
    ids=["truncated", "garbage", "trailing-garbage"],
)
def test_broken_gzip_fails_the_job_not_the_server(clients, alive, body, expected):
    sagemaker, s3 = clients
    key = f"broken/{unique('gz')}/train.csv.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    job = run_job(sagemaker, f"s3://{BUCKET}/{key}")

    assert job["AutoMLJobStatus"] == "Failed"
    assert expected in job["FailureReason"]
    assert "Internal error" not in job["FailureReason"]


def test_decoding_a_bomb_allocates_no_more_than_the_limit():
    """In process, allocations measured: the 1.6 GB bomb costs the 24 MiB limit and a chunk, no more."""
    import tracemalloc

    from automl_local.data import DataError, _gunzip
    from automl_local.limits import DecodeBudget, Limits

    bomb = gzip_bomb(BOMB_MIB)
    budget = DecodeBudget(Limits(max_object_decoded_bytes=OBJECT_LIMIT_MIB * MIB))
    chunks = (bomb[i : i + MIB] for i in range(0, len(bomb), MIB))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="decodes to more than 24 MiB"):
            _gunzip(chunks, budget.room(), "s3://b/bomb.gz", budget)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < (OBJECT_LIMIT_MIB + 4) * MIB


def test_multi_member_gzip_with_padding_reads_as_gzip_does():
    """Concatenated members (what ``cat a.gz b.gz`` makes) and zero padding: the bytes gzip reads."""
    from automl_local.data import _gunzip
    from automl_local.limits import DecodeBudget, Limits

    body = gzip.compress(b"a,b\n1,0\n") + gzip.compress(b"2,1\n" * 1000) + b"\x00" * 8
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]  # members split across reads

    assert _gunzip(chunks, 1 * MIB, "s3://b/k", DecodeBudget(Limits())) == gzip.decompress(body)


WIDE_65_DEEP = b"[" + b",".join([b"[" * 64 + b"]" * 64] * (8 * MIB // 129)) + b"]"


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (b"[" * 65 + b"]" * 65, True),
        (b"[" * 64 + b"]" * 64, False),
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets in a string do not nest
        (b'{"a": "\\"' + b"[" * 100 + b'"}', False),  # nor after an escaped quote
        (b"[" * 100_000 + b"]" * 100_000, True),
        (WIDE_65_DEEP, True),  # 8 MiB of brackets, one level too deep: the worst case for time
        (WIDE_65_DEEP[1:-1], False),
    ],
    ids=["65", "64", "string", "escaped-quote", "100000", "8MiB-65", "8MiB-64"],
)
def test_json_depth_is_checked_before_parsing_in_linear_time(body, too_deep):
    from automl_local.limits import json_too_deep

    started = time.monotonic()
    assert json_too_deep(body, 64) is too_deep
    assert time.monotonic() - started < 5  # quadratic passes took 10 s on the 8 MiB case
