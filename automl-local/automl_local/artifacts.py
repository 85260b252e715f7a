"""model.tar.gz: a joblib-pickled model plus a small JSON manifest saying what it is."""

from __future__ import annotations

import io
import json
import tarfile
import time
from typing import Any

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "automl-local.json"


def pack(obj: Any, manifest: dict[str, Any]) -> bytes:
    import joblib

    model_bytes = io.BytesIO()
    joblib.dump(obj, model_bytes, compress=3)
    files = {
        MODEL_FILE: model_bytes.getvalue(),
        MANIFEST_FILE: json.dumps(manifest, indent=1, default=str).encode(),
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def read_manifest(body: bytes) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        member = tar.extractfile(MANIFEST_FILE)
        if member is None:
            raise ValueError(f"{MANIFEST_FILE} missing from the artifact")
        return dict(json.loads(member.read()))


def unpack(body: bytes) -> tuple[Any, dict[str, Any]]:
    """Load a model we packed ourselves (joblib is pickle: only load artifacts you trust)."""
    import joblib

    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        manifest_member = tar.extractfile(MANIFEST_FILE)
        model_member = tar.extractfile(MODEL_FILE)
        if manifest_member is None or model_member is None:
            raise ValueError(f"not a local-backend artifact: {MODEL_FILE} or {MANIFEST_FILE} missing")
        manifest = json.loads(manifest_member.read())
        model = joblib.load(io.BytesIO(model_member.read()))
    return model, manifest


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
