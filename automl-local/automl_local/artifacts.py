"""model.tar.gz: a joblib-pickled model plus a small JSON manifest saying what it is, signed.

joblib is pickle, and any S3 client can overwrite a model.tar.gz, so :func:`unpack` unpickles nothing
until the manifest's HMAC (made with the data dir's signing key over the model bytes and the rest of
the manifest) checks out. The tarball is read in memory, member by member, with bounded sizes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import time
from typing import Any

from automl_local.signing import SigningKey

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "automl-local.json"
SIGNATURE_FIELD = "signature"
SIGNATURE_ALGORITHM = "HMAC-SHA256"
MAX_MODEL_BYTES = 1 << 30
MAX_MANIFEST_BYTES = 1 << 20
_MEMBER_LIMITS = {MODEL_FILE: MAX_MODEL_BYTES, MANIFEST_FILE: MAX_MANIFEST_BYTES}
# Tar headers and padding around the two members; beyond this the archive is not one we wrote.
MAX_TAR_BYTES = MAX_MODEL_BYTES + MAX_MANIFEST_BYTES + (1 << 20)
MAX_ARTIFACT_BYTES = MAX_TAR_BYTES  # compressed: joblib's output barely compresses further
UNTRUSTED = "it is not signed by this backend's key, or was changed after it was written"


class UntrustedArtifactError(Exception):
    """An artifact that will not be loaded: unsigned, changed, or not shaped like ours."""


def _canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def pack(obj: Any, manifest: dict[str, Any], *, key: SigningKey) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(obj, buffer, compress=3)
    model = buffer.getvalue()
    if len(model) > MAX_MODEL_BYTES:  # never write what unpack would refuse
        raise ValueError(
            f"the pickled model has {len(model)} bytes; the local backend keeps models up to "
            f"{MAX_MODEL_BYTES} bytes"
        )
    # Sign the JSON value a reader will parse, not the Python objects (default=str may change them).
    plain = json.loads(json.dumps(manifest, default=str))
    if SIGNATURE_FIELD in plain:
        raise ValueError(f"a manifest cannot have its own {SIGNATURE_FIELD!r} field")
    signature = {"algorithm": SIGNATURE_ALGORITHM, "value": key.sign(model, _canonical(plain))}
    files = {
        MODEL_FILE: model,
        MANIFEST_FILE: json.dumps({**plain, SIGNATURE_FIELD: signature}, indent=1).encode(),
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class _Bounded:
    """A read-only stream that refuses to hand out more than ``limit`` bytes (a gzip bomb stops here)."""

    def __init__(self, raw: Any, limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        want = self.limit + 1 - self.count if size is None or size < 0 else size
        data = bytes(self.raw.read(min(want, self.limit + 1 - self.count)))
        self.count += len(data)
        if self.count > self.limit:
            raise UntrustedArtifactError(f"it decompresses to more than {self.limit} bytes")
        return data


def _members(body: bytes) -> dict[str, bytes]:
    """The two members, read in memory; anything else in the archive refuses it."""
    if len(body) > MAX_ARTIFACT_BYTES:
        raise UntrustedArtifactError(f"it has {len(body)} bytes, over {MAX_ARTIFACT_BYTES}")
    found: dict[str, bytes] = {}
    stream = _Bounded(gzip.GzipFile(fileobj=io.BytesIO(body), mode="rb"), MAX_TAR_BYTES)
    with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
        for member in tar:
            limit = _MEMBER_LIMITS.get(member.name)
            if limit is None or member.name in found:
                raise UntrustedArtifactError(f"unexpected member {member.name[:100]!r}")
            if not member.isreg():
                raise UntrustedArtifactError(f"{member.name} is not a regular file")
            if member.size > limit:
                raise UntrustedArtifactError(f"{member.name} has {member.size} bytes, over {limit}")
            extracted = tar.extractfile(member)
            data = extracted.read() if extracted is not None else b""
            if len(data) != member.size:
                raise UntrustedArtifactError(f"{member.name} is truncated")
            found[member.name] = data
    missing = sorted(set(_MEMBER_LIMITS) - set(found))
    if missing:
        raise UntrustedArtifactError(f"{', '.join(missing)} missing")
    return found


def verify(body: bytes, *, key: SigningKey, source: str) -> tuple[bytes, dict[str, Any]]:
    """(model bytes, manifest) of an artifact this backend signed; nothing is unpickled here.

    Raises :class:`UntrustedArtifactError` naming ``source`` for anything else.
    """
    try:
        files = _members(body)
        manifest = json.loads(files[MANIFEST_FILE])
        if not isinstance(manifest, dict):
            raise UntrustedArtifactError(f"{MANIFEST_FILE} is not a JSON object")
    except UntrustedArtifactError as err:
        raise UntrustedArtifactError(
            f"refusing to load {source}: it is not an artifact this backend wrote ({err})"
        ) from None
    except Exception as err:  # any parse failure of hostile bytes is a refusal, never a crash
        raise UntrustedArtifactError(
            f"refusing to load {source}: it is not an artifact this backend wrote "
            f"(not a gzip tar of {MODEL_FILE} and {MANIFEST_FILE}: {type(err).__name__})"
        ) from None
    signature = manifest.pop(SIGNATURE_FIELD, None)
    if (
        not isinstance(signature, dict)
        or signature.get("algorithm") != SIGNATURE_ALGORITHM
        or not key.verify(signature.get("value"), files[MODEL_FILE], _canonical(manifest))
    ):
        raise UntrustedArtifactError(f"refusing to load {source}: {UNTRUSTED}")
    return files[MODEL_FILE], manifest


def unpack(body: bytes, *, key: SigningKey, source: str) -> tuple[Any, dict[str, Any]]:
    """Load a model this backend packed: the signature is checked before a single byte is unpickled."""
    model, manifest = verify(body, key=key, source=source)
    import joblib

    return joblib.load(io.BytesIO(model)), manifest


def notebook(title: str, sections: list[tuple[str, Any]]) -> bytes:
    """A minimal valid .ipynb of markdown cells, for the job's notebook artifact locations."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n"]}]
    for heading, body in sections:
        text = (
            body if isinstance(body, str) else "```json\n" + json.dumps(body, indent=1, default=str) + "\n```"
        )
        cells.append({"cell_type": "markdown", "metadata": {}, "source": [f"## {heading}\n\n", text]})
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1).encode()
