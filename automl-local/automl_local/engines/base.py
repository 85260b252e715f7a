"""What every engine hands the job runner: planned candidates that train on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class TrainedModel:
    """A trained candidate: the picklable model and its real validation metrics."""

    model: Any  # has .predict(pandas.DataFrame) -> pandas.DataFrame
    metrics: dict[str, float]  # validation metrics keyed by Autopilot metric name
    objective: float
    preprocessor: Any | None = None  # fitted data-processing step, for HPO's separate container
    explanation: dict[str, Any] | None = None  # e.g. {"feature_importances": {...}}
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CandidatePlan:
    """One candidate to train: the runner records it InProgress, then calls ``train``."""

    algorithm: str  # Autopilot's algorithm name (AutoMLAlgorithms value) the candidate stands for
    label: str  # short model name used in the candidate name, e.g. "LightGBM" or "xgb"
    hyperparameters: dict[str, Any]
    train: Callable[[], TrainedModel]
    on_failure: Callable[[], None] = lambda: None
    on_success: Callable[[TrainedModel], None] = lambda trained: None


class Context(Protocol):
    def should_stop(self) -> bool: ...

    def remaining_seconds(self) -> float | None: ...


class Engine(Protocol):
    @property
    def problem_type(self) -> str | None:
        """Resolved tabular problem type; None for other problem types."""

    @property
    def metric(self) -> str:
        """Resolved objective metric name."""

    @property
    def training_status(self) -> str:
        """Secondary status while candidates train."""

    @property
    def container_kind(self) -> str:
        """ "hpo" | "ensemble" | "timeseries" | "text"."""

    @property
    def default_max_candidates(self) -> int:
        """Candidates to train when CompletionCriteria.MaxCandidates is not given."""

    def feature_engineering(self) -> bool:
        """Run the data-processing step; True when the job shows FeatureEngineering for it."""
        ...

    def plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]: ...

    def analysis(self) -> dict[str, Any]:
        """What the data exploration report shows (column types, row counts, target summary)."""
        ...

    def definitions(self) -> list[dict[str, Any]]:
        """Candidate definitions (pipelines and search spaces), for GenerateCandidateDefinitionsOnly."""
        ...


class EngineDataError(Exception):
    """The data does not fit the job (bad target, too few rows): the job fails with this message."""
