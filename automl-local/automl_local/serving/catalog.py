"""Which candidate a SageMaker model is: the containers' ModelDataUrls against the store's candidates.

A model (CreateModel, answered by moto) serves locally when its containers' artifacts are exactly a
candidate's: the one container of an ensembling, text or time-series candidate, or the two or three
containers of an HPO pipeline (feature transform, algorithm, inverse label transform). Any other
model keeps moto's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from automl_local.models import model_urls
from automl_local.serving.moto import MotoSageMaker
from automl_local.store import JobStore, Record


@dataclass(frozen=True)
class ServedModel:
    """A SageMaker model made from a candidate: what serving needs to load and describe it."""

    model_name: str
    job: str  # the AutoML job's name
    candidate: str
    containers: tuple[dict[str, Any], ...]  # as the model holds them (Image, ModelDataUrl, Environment)

    def to_json(self) -> dict[str, Any]:
        return {
            "ModelName": self.model_name,
            "AutoMLJobName": self.job,
            "CandidateName": self.candidate,
            "Containers": [dict(c) for c in self.containers],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ServedModel:
        return cls(
            model_name=value["ModelName"],
            job=value["AutoMLJobName"],
            candidate=value["CandidateName"],
            containers=tuple(dict(c) for c in value["Containers"]),
        )

    @property
    def environment(self) -> dict[str, str]:
        """The last container's environment: it answers the pipeline's requests."""
        return dict(self.containers[-1].get("Environment") or {})


def containers_of(model: dict[str, Any]) -> list[dict[str, Any]]:
    """A DescribeModel answer's containers, in order (``Containers`` or ``PrimaryContainer``)."""
    found = model.get("Containers") or ([model["PrimaryContainer"]] if model.get("PrimaryContainer") else [])
    return [dict(c) for c in found if isinstance(c, dict)]


def find_candidate(store: JobStore, containers: list[dict[str, Any]]) -> tuple[Record, dict[str, Any]] | None:
    """The (job record, candidate) whose artifacts are exactly these containers', or None."""
    urls = {c.get("ModelDataUrl") for c in containers}
    if not urls or None in urls or "" in urls:
        return None
    for record in store.all():
        for entry in record.get("Candidates", []):
            if entry.get("CandidateStatus") == "Completed" and set(model_urls(entry)) == urls:
                return record, entry
    return None


def resolve(moto: MotoSageMaker, store: JobStore, model_name: str) -> ServedModel | None:
    """The candidate behind SageMaker model ``model_name``; None when it is not one (or does not exist)."""
    described = moto.describe_or_none("DescribeModel", {"ModelName": model_name})
    if described is None:
        return None
    containers = containers_of(described)
    found = find_candidate(store, containers)
    if found is None:
        return None
    record, entry = found
    return ServedModel(
        model_name=described.get("ModelName", model_name),
        job=record["AutoMLJobName"],
        candidate=entry["CandidateName"],
        containers=tuple(containers),
    )


__all__ = ["ServedModel", "containers_of", "find_candidate", "resolve"]
