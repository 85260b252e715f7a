"""The candidate leaderboard: one JSON-safe row per candidate, ranked on the job's objective."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from airflow_provider_automl.jobs import Candidate, rank_candidates


def number(value: Any) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def seconds_between(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def metric_name(metric: dict[str, Any]) -> str | None:
    """A ``CandidateMetrics`` entry's name: ``MetricName``, or ``StandardMetricName`` for metrics
    outside ``AutoMLMetricEnum`` (LogLoss, InferenceLatency, ...), which carry only that."""
    name = metric.get("MetricName") or metric.get("StandardMetricName")
    return name if isinstance(name, str) else None


def metric_columns(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    """The ``CandidateMetrics`` columns, in first-seen order.

    A metric reported for one set only is keyed by its name; one reported for several sets
    (Train, Validation, Test) gets a column per set, keyed ``"<name> (<set>)"``.
    """
    sets: dict[str, list[str | None]] = {}
    for candidate in candidates:
        for metric in candidate.metrics:
            name = metric_name(metric)
            if name is None:
                continue
            seen = sets.setdefault(name, [])
            if metric.get("Set") not in seen:
                seen.append(metric.get("Set"))
    columns = []
    for name, found in sets.items():
        for metric_set in found:
            key = name if len(found) == 1 or metric_set is None else f"{name} ({metric_set})"
            columns.append({"key": key, "name": name, "set": metric_set})
    return columns


def container_count(candidate: Candidate) -> int:
    """``InferenceContainers``, or the largest ``InferenceContainerDefinitions`` entry (V2 jobs)."""
    if candidate.inference_containers:
        return len(candidate.inference_containers)
    return max((len(v) for v in candidate.inference_container_definitions.values()), default=0)


def leaderboard(
    candidates: Sequence[Candidate], *, best_name: str | None = None, objective_name: str | None = None
) -> dict[str, Any]:
    """Rows best first (by the final objective, in its Maximize / Minimize direction); unscored last.

    ``rank`` is 1.. for scored candidates and None for the others; ``best`` marks the job's
    ``BestCandidate`` (``best_name``), which is normally rank 1. ``objective_name`` names the
    objective when no candidate reports one yet.
    """
    ranked = rank_candidates(candidates)
    columns = metric_columns(ranked)
    by_name_set = {(c["name"], c["set"]): c["key"] for c in columns}
    objective: dict[str, Any] = {"name": objective_name, "type": None}
    rows = []
    rank = 0
    for candidate in ranked:
        metric = candidate.objective_metric or {}
        value = number(metric.get("Value"))
        if objective["type"] is None and metric.get("MetricName"):
            objective = {"name": metric.get("MetricName"), "type": metric.get("Type")}
        if value is not None:
            rank += 1
        values: dict[str, float | None] = {}
        for entry in candidate.metrics:
            key = by_name_set.get((metric_name(entry), entry.get("Set")))
            if key is not None:
                values[key] = number(entry.get("Value"))
        rows.append(
            {
                "rank": rank if value is not None else None,
                "name": candidate.name,
                "objective": value,
                "metrics": values,
                "status": candidate.status,
                "objective_status": candidate.objective_status,
                "training_seconds": seconds_between(candidate.creation_time, candidate.end_time),
                "containers": container_count(candidate),
                "best": best_name is not None and candidate.name == best_name,
                "creation_time": _iso(candidate.creation_time),
                "end_time": _iso(candidate.end_time),
                "failure_reason": candidate.failure_reason,
            }
        )
    return {"objective": objective, "columns": columns, "rows": rows}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
