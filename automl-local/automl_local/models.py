"""A candidate's model, loaded safely: the one way from a job record to a model object.

``automl-local predict`` uses it, and so must anything in the server that runs a model (batch
transform, endpoints): each artifact is fetched, its signature checked with the backend's key, and
only then unpickled; a signed artifact of another job or candidate is refused too.

    loaded = load_candidate(record, entry, key=store.signing_key, fetch=s3_fetch(s3))
    loaded.model.predict(frame)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl_local.artifacts import MAX_ARTIFACT_BYTES, UntrustedArtifactError, unpack, verify
from automl_local.data import S3, split_uri
from automl_local.paths import mirror_path
from automl_local.signing import SigningKey

Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class LoadedModel:
    model: Any  # has .predict(pandas.DataFrame) -> pandas.DataFrame
    manifest: dict[str, Any]  # what the backend recorded when it trained it (candidate, metrics, ...)
    url: str  # the ModelDataUrl it came from


def s3_fetch(s3: S3) -> Fetch:
    """Read artifacts from the backend's S3 (any client could have written them: they are verified)."""

    def fetch(url: str) -> bytes:
        return s3.get(*split_uri(url))

    return fetch


def mirror_fetch(mirror_dir: Path) -> Fetch:
    """Read artifacts from the data dir's copy of S3; a URL cannot name a file outside it."""

    def fetch(url: str) -> bytes:
        path = mirror_path(mirror_dir, *split_uri(url))
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise LookupError(f"{url} has no copy in {mirror_dir}") from None
        if size > MAX_ARTIFACT_BYTES:
            raise UntrustedArtifactError(
                f"refusing to load {url}: it has {size} bytes, over {MAX_ARTIFACT_BYTES}"
            )
        return path.read_bytes()

    return fetch


def model_urls(entry: dict[str, Any]) -> list[str]:
    """The candidate's artifact URLs, each once, in container order."""
    urls = [c["ModelDataUrl"] for c in entry.get("InferenceContainers", []) if c.get("ModelDataUrl")]
    return list(dict.fromkeys(urls))


def load_candidate(
    record: dict[str, Any], entry: dict[str, Any], *, key: SigningKey, fetch: Fetch
) -> LoadedModel:
    """The model of candidate ``entry`` of job ``record``: the container artifact holding the whole model.

    HPO candidates also ship a data-processing artifact; it is verified like the rest, not loaded.
    Raises :class:`UntrustedArtifactError` when an artifact is unsigned, changed or someone else's,
    LookupError when no container holds a model.
    """
    job, candidate = record["AutoMLJobName"], entry["CandidateName"]
    for url in model_urls(entry):
        body = fetch(url)
        _, manifest = verify(body, key=key, source=url)
        if manifest.get("kind") != "model":
            continue
        if (manifest.get("job"), manifest.get("candidate")) != (job, candidate):
            # Signed, but another candidate's: a copy over this one's location is refused too.
            raise UntrustedArtifactError(
                f"refusing to load {url}: it holds the model of candidate {manifest.get('candidate')!r} "
                f"of job {manifest.get('job')!r}, not {candidate!r} of {job!r}"
            )
        model, manifest = unpack(body, key=key, source=url)  # verified again: one code path loads
        return LoadedModel(model=model, manifest=manifest, url=url)
    raise LookupError(f"none of the containers of candidate {candidate!r} holds a local-backend model")
