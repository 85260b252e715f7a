"""A served candidate in memory: its verified model, its codec, its response keys; ``invoke`` answers.

Loading goes through :func:`automl_local.models.load_candidate` only: every artifact is fetched from
S3 and its signature checked before anything is unpickled, so a model.tar.gz a client replaced is
refused (:class:`LoadError`) and none of its bytes run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from automl_local.artifacts import UntrustedArtifactError
from automl_local.data import DataError
from automl_local.errors import ValidationError, show
from automl_local.models import Fetch, load_candidate
from automl_local.paths import UnsafePathError
from automl_local.serving import codecs
from automl_local.serving.catalog import ServedModel
from automl_local.serving.codecs import Codec, Media, ModelFailure
from automl_local.spec import JobSpec
from automl_local.store import JobStore

log = logging.getLogger("automl_local")

TIME_SERIES = "TimeSeriesForecasting"
IMAGE = "ImageClassification"
TEXT_GENERATION = "TextGeneration"


class LoadError(Exception):
    """The candidate cannot be served (artifact refused or gone, bad container environment)."""


@dataclass
class Predictor:
    served: ServedModel
    codec: Codec
    model: Any
    manifest: dict[str, Any]
    default_accept: str

    def invoke(self, body: bytes, content_type: str | None, accept: str | None) -> tuple[bytes, str]:
        """(answer, its content type); ModelFailure with the container's status otherwise."""
        media = Media.parse(content_type) or Media(self.codec.default_content_type)
        if not self.codec.takes(media):
            raise ModelFailure(
                415,
                f"Content type {show(content_type, 100)} is not supported; this model reads "
                f"{', '.join(self.codec.content_types)}.",
            )
        chosen = codecs.choose_accept(accept, self.codec.accepts, self.default_accept)
        inputs = self.codec.decode(body, media)
        try:
            outputs = self.codec.run(self.model, inputs)
        except ModelFailure:
            raise
        except Exception as err:  # the model raised: the container answers 500
            log.warning("model of %s raised %s: %s", self.served.candidate, type(err).__name__, err)
            raise ModelFailure(500, f"{type(err).__name__}: {show(str(err), 500)}") from None
        return self.codec.encode(outputs, chosen), chosen


def load_predictor(
    store: JobStore, served: ServedModel, fetch: Fetch, *, environment: dict[str, str] | None = None
) -> Predictor:
    """Verify and load ``served``'s candidate; ``environment`` overrides its containers' (transform jobs)."""
    record = store.get(served.job)
    entry = next(
        (c for c in (record or {}).get("Candidates", []) if c["CandidateName"] == served.candidate), None
    )
    if record is None or entry is None:
        raise LoadError(f"candidate {served.candidate} of AutoML job {served.job} no longer exists")
    try:
        loaded = load_candidate(record, entry, key=store.signing_key, fetch=fetch)
    except (UntrustedArtifactError, LookupError, DataError, UnsafePathError) as err:
        raise LoadError(str(err)) from None
    env = {**served.environment, **(environment or {})}
    codec = _codec(record, loaded.manifest, loaded.model, env, pipeline=len(served.containers) > 1)
    preferred = env.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "")
    default_accept = preferred if preferred in codec.accepts else codec.default_accept
    return Predictor(
        served=served,
        codec=codec,
        model=loaded.model,
        manifest=loaded.manifest,
        default_accept=default_accept,
    )


def _codec(
    record: dict[str, Any], manifest: dict[str, Any], model: Any, env: dict[str, str], *, pipeline: bool
) -> Codec:
    problem = record["ProblemTypeConfigName"]
    if problem == TEXT_GENERATION:
        return codecs.TextGenerationCodec()
    keys, supported = codecs.parse_keys(env)
    if problem == TIME_SERIES:
        columns = getattr(model, "columns", {}) or {}
        return codecs.ForecastCodec(
            required=[columns[k] for k in ("item", "timestamp", "target") if columns.get(k)]
        )
    regression = manifest.get("problem_type") == "Regression"
    try:
        codecs.check_keys(keys, supported, regression=regression)
    except ValueError as err:
        raise LoadError(str(err)) from None
    if problem == IMAGE:
        return codecs.ImageCodec(keys=keys)
    return codecs.TableCodec(
        columns=_input_columns(record, manifest),
        keys=keys,
        regression=regression,
        positive_probability=pipeline and manifest.get("problem_type") == "BinaryClassification",
    )


def _input_columns(record: dict[str, Any], manifest: dict[str, Any]) -> list[str] | None:
    """The training data's columns without target and sample weight: a headerless CSV row's order."""
    columns = manifest.get("columns")
    if not isinstance(columns, list):
        return None
    try:
        spec = JobSpec.from_request(record["ApiVersion"], record["Request"])
    except ValidationError:
        return None
    left_out = {spec.target, spec.sample_weight}
    return [str(c) for c in columns if c not in left_out]


__all__ = ["LoadError", "Predictor", "load_predictor"]
