"""Disk paths from names a client chose (S3 buckets and keys, job names): in the data dir, or refused.

:func:`inside` is the one place such a path is made. Requests are checked earlier (spec.py refuses S3
URIs that could not be mirrored); this is the last line, so a check missed upstream still cannot
make the server write or read outside its data dir.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from automl_local.errors import show

BUCKET_RULE = (
    "S3 bucket names have 3-63 characters: lowercase letters, digits, dots and hyphens, starting and "
    "ending with a letter or digit, without '..', not an IP address, not starting with 'xn--', "
    "'sthree-' or 'amzn-s3-demo-', not ending with '-s3alias', '--ol-s3', '.mrap', '--x-s3' or "
    "'--table-s3'"
)
KEY_RULE = (
    "The local backend mirrors S3 objects as files under its data dir, so S3 keys must be '/'-separated "
    "names without empty ('//'), '.' or '..' segments, backslashes or NUL characters, each name at most "
    "255 bytes"
)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
NAME_MAX_BYTES = 255  # longest file name on common file systems


class UnsafePathError(ValueError):
    """A name would resolve outside the directory it must stay in."""


def bucket_problem(bucket: str) -> str | None:
    """Why ``bucket`` breaks S3's bucket naming rules, or None."""
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        return f"bucket {show(bucket)} breaks the naming rules"
    if bucket.startswith(_RESERVED_PREFIXES) or bucket.endswith(_RESERVED_SUFFIXES):
        return f"bucket {show(bucket)} has a reserved prefix or suffix"
    try:
        ipaddress.ip_address(bucket)
    except ValueError:
        return None
    return f"bucket {show(bucket)} is an IP address"


def segment_problem(segment: str) -> str | None:
    """What keeps one '/'-separated name from being a file name under the data dir, or None."""
    if segment == "":
        return "an empty segment ('//', or a leading '/')"
    if segment in (".", ".."):
        return f"a {segment!r} segment"
    if "\\" in segment or "\x00" in segment:
        return "a backslash or NUL character"
    size = len(segment.encode())
    if size > NAME_MAX_BYTES:
        return f"a segment of {size} bytes (at most {NAME_MAX_BYTES})"
    return None


def key_problem(key: str, *, prefix: bool = False) -> str | None:
    """Why ``key`` could not be mirrored as a file path, or None.

    A ``prefix`` (an output path or input prefix) may be empty or end with one '/'.
    """
    if prefix and key == "":
        return None
    names = key[:-1] if prefix and key.endswith("/") else key
    for segment in names.split("/"):
        problem = segment_problem(segment)
        if problem:
            return f"key {show(key)} has {problem}"
    return None


def inside(root: Path, *parts: str) -> Path:
    """``root`` joined with ``parts`` ('/'-separated names), resolved; refused unless it stays in ``root``.

    Symlinks are resolved before the check, so a link inside ``root`` cannot lead out of it either.
    """
    for part in parts:
        for segment in part.split("/"):
            problem = segment_problem(segment)
            if problem:
                raise UnsafePathError(f"refusing the path {show(part)} under {root}: it has {problem}")
    base = Path(root).resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base) or path == base:
        raise UnsafePathError(f"refusing the path {show('/'.join(parts))}: it resolves outside {root}")
    return path


def mirror_path(root: Path, bucket: str, key: str) -> Path:
    """Where the copy of ``s3://bucket/key`` lives under ``root``: ``root/bucket/key``, contained."""
    problem = bucket_problem(bucket) or key_problem(key)
    if problem:
        raise UnsafePathError(f"refusing to mirror s3://{bucket}/{key} under {root}: {problem}")
    return inside(root, bucket, key)


def mirrored_object(root: Path, path: Path) -> tuple[str, str]:
    """The (bucket, key) a file under ``root`` mirrors; refused for files that no valid object maps to."""
    base = Path(root).resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(base):
        raise UnsafePathError(f"refusing {path}: it resolves outside {root}")
    bucket, _, key = resolved.relative_to(base).as_posix().partition("/")
    problem = bucket_problem(bucket) or key_problem(key)
    if problem:
        raise UnsafePathError(f"refusing {path}: it mirrors no valid S3 object ({problem})")
    return bucket, key
