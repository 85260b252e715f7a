"""How much a client may make the server read, parse and decompress: the limits and their flags.

Every limit is a ``serve`` flag whose default comes from an environment variable, then from the
figure here, sized for a 2-core, 24 GiB machine: pandas holds a narrow numeric CSV in about 2.7x its
decoded size (measured), and a multi-file channel is concatenated once more, so a job at the 2 GiB
per-job limit peaks near 11 GiB and two such jobs (the default 2 workers) still fit.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

KIB, MIB, GIB = 1024, 1024**2, 1024**3
_SIZE = re.compile(r"\s*(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": KIB, "m": MIB, "g": GIB}


def parse_size(text: str) -> int:
    """``"8MiB"`` -> 8388608. Units are binary (k, m, g with or without ``iB``/``B``)."""
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size (a number of bytes, or e.g. 64KiB, 8MiB, 2GiB)")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * _UNITS[unit]


def format_size(size: int) -> str:
    for unit, factor in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Limit:
    """One limit: its flag, the environment variable that sets its default, and what it bounds."""

    field: str
    flag: str
    env: str
    default: int
    help: str
    size: bool = True  # parsed with parse_size; else a plain integer


LIMITS = (
    Limit(
        "max_request_bytes",
        "--max-request-bytes",
        "AUTOML_LOCAL_MAX_REQUEST_BYTES",
        8 * MIB,
        "body of one SageMaker (JSON) call; larger answers 413 RequestEntityTooLargeException",
    ),
    Limit(
        "max_upload_bytes",
        "--max-upload-bytes",
        "AUTOML_LOCAL_MAX_UPLOAD_BYTES",
        5 * GIB,
        "body of one S3 upload (PutObject or UploadPart; S3's single-PUT limit); larger answers "
        "S3 EntityTooLarge. moto reads an upload into memory before it stores it: lower this on a "
        "small machine",
    ),
    Limit(
        "max_json_depth",
        "--max-json-depth",
        "AUTOML_LOCAL_MAX_JSON_DEPTH",
        64,
        "nesting of a JSON request body; deeper answers 400 ValidationException",
        size=False,
    ),
    Limit(
        "request_timeout",
        "--request-timeout",
        "AUTOML_LOCAL_REQUEST_TIMEOUT",
        60,
        "seconds a connection may stay silent (request line, headers, body) before it is answered "
        "RequestTimeout or closed",
        size=False,
    ),
    Limit(
        "max_connections",
        "--max-connections",
        "AUTOML_LOCAL_MAX_CONNECTIONS",
        1024,
        "connections served at once (each holds a thread while open, keep-alive included); one more "
        "is answered 503 ServiceUnavailable, which clients retry, and closed",
        size=False,
    ),
    Limit(
        "max_object_decoded_bytes",
        "--max-object-decoded-bytes",
        "AUTOML_LOCAL_MAX_OBJECT_DECODED_BYTES",
        GIB,
        "bytes one training/validation object may decompress to; beyond it the job fails naming the object",
    ),
    Limit(
        "max_job_decoded_bytes",
        "--max-job-decoded-bytes",
        "AUTOML_LOCAL_MAX_JOB_DECODED_BYTES",
        2 * GIB,
        "bytes all input objects of one job may decompress to together",
    ),
)
FLAGS = {limit.field: limit for limit in LIMITS}


@dataclass(frozen=True)
class Limits:
    max_request_bytes: int = FLAGS["max_request_bytes"].default
    max_upload_bytes: int = FLAGS["max_upload_bytes"].default
    max_json_depth: int = FLAGS["max_json_depth"].default
    request_timeout: int = FLAGS["request_timeout"].default
    max_connections: int = FLAGS["max_connections"].default
    max_object_decoded_bytes: int = FLAGS["max_object_decoded_bytes"].default
    max_job_decoded_bytes: int = FLAGS["max_job_decoded_bytes"].default

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value <= 0:
                raise ValueError(f"{FLAGS[item.name].flag} must be positive, not {value!r}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("limits (each defaults to its environment variable, then the figure)")
    for limit in LIMITS:
        default = format_size(limit.default) if limit.size else str(limit.default)
        group.add_argument(
            limit.flag,
            default=None,
            metavar="SIZE" if limit.size else "SECONDS" if limit.field == "request_timeout" else "N",
            help=f"{limit.help} (env {limit.env}; default {default})",
        )


def from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Limits:
    """The limits a flag, else its environment variable, sets; ValueError names the bad one."""
    env = os.environ if environ is None else environ
    values: dict[str, int] = {}
    for limit in LIMITS:
        raw = getattr(args, limit.field, None)
        source = limit.flag
        if raw is None:
            raw, source = env.get(limit.env), limit.env
        if raw is None or raw == "":
            continue
        try:
            values[limit.field] = parse_size(raw) if limit.size else int(raw)
        except ValueError:
            kind = "a size (bytes, or e.g. 64KiB, 8MiB, 2GiB)" if limit.size else "a whole number"
            raise ValueError(f"{source}: {raw!r} is not {kind}") from None
    return Limits(**values)


# -- JSON nesting -----------------------------------------------------------------------------------
# Checked on the bytes before parsing (json.loads recurses): strings are cut out (brackets in them do
# not nest), then the running depth over the brackets left is a cumulative sum, in numpy, by blocks.
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_BLOCK = 1024 * 1024


def json_too_deep(raw: bytes, limit: int) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (linear time, no recursion)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:  # most bodies: cannot be deeper
        return False
    import numpy as np

    brackets = _STRINGS.sub(b"", raw).translate(None, _NOT_BRACKETS)
    steps = np.zeros(256, dtype=np.int32)
    steps[[ord("["), ord("{")]] = 1
    steps[[ord("]"), ord("}")]] = -1
    depth = 0
    for start in range(0, len(brackets), _DEPTH_BLOCK):
        block = np.frombuffer(
            brackets, dtype=np.uint8, count=min(_DEPTH_BLOCK, len(brackets) - start), offset=start
        )
        running = np.cumsum(steps[block], dtype=np.int64) + depth
        if int(running.max()) > limit:
            return True
        depth = int(running[-1])
    return False


class DecodeBudget:
    """Decompressed bytes one job may still read: per object and for the whole job."""

    def __init__(self, limits: Limits) -> None:
        self.object_limit = limits.max_object_decoded_bytes
        self.job_limit = limits.max_job_decoded_bytes
        self.used = 0

    def room(self) -> int:
        """Bytes the next object may decode to."""
        return max(0, min(self.object_limit, self.job_limit - self.used))

    def charge(self, size: int) -> None:
        self.used += size

    def exceeded(self, uri: str) -> str:
        """The FailureReason for an object that decodes to more than :meth:`room`."""
        if self.room() >= self.object_limit:
            limit, scope, flag = self.object_limit, "per input object", FLAGS["max_object_decoded_bytes"]
        else:
            limit, scope, flag = self.job_limit, "per job (all input objects)", FLAGS["max_job_decoded_bytes"]
        return (
            f"The input file {uri} decodes to more than {format_size(limit)}, the local backend's limit "
            f"{scope}; start it with a larger {flag.flag} (env {flag.env})."
        )
