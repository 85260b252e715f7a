"""Job lifecycle: a bounded worker pool runs jobs through Autopilot's secondary statuses.

Starting -> AnalyzingData -> [FeatureEngineering] -> ModelTuning | TrainingModels
-> GeneratingExplainabilityReport -> GeneratingModelInsightsReport -> Completed | MaxCandidatesReached |
MaxAutoMLJobRuntimeReached; or CandidateDefinitionsGenerated; or Stopping -> Stopped; or Failed.
Stop and runtime limits are checked between candidates; a candidate in training finishes first.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl_local import candidates as cand
from automl_local.artifacts import notebook, pack
from automl_local.data import S3, DataError, read_channel, split_uri
from automl_local.engines.base import EngineDataError, TrainedModel
from automl_local.paths import UnsafePathError, mirror_path, mirrored_object
from automl_local.spec import JobSpec
from automl_local.store import JobStore, Record, now

if TYPE_CHECKING:
    from automl_local.serving.deploy import Deployer

log = logging.getLogger("automl_local")


class _Shutdown(Exception):
    """The server is stopping: leave the job as it is, the next start marks it interrupted."""


class ArtifactWriter:
    """Writes to the local S3 and mirrors each object under the data dir, so a restart can restore it.

    The mirror path is checked before anything is written: an object that would land outside
    ``mirror_dir`` is written nowhere (UnsafePathError).
    """

    def __init__(self, *, s3: S3, mirror_dir: Path) -> None:
        self.s3 = s3
        self.mirror_dir = mirror_dir

    def write(self, uri: str, body: bytes) -> None:
        path = mirror_path(self.mirror_dir, *split_uri(uri))
        self.s3.put(uri, body)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def restore(self) -> int:
        """Put every mirrored object back into S3 (moto keeps S3 in memory only)."""
        count = 0
        if not self.mirror_dir.is_dir():
            return count
        for path in sorted(p for p in self.mirror_dir.rglob("*") if p.is_file()):
            try:
                bucket, key = mirrored_object(self.mirror_dir, path)
            except UnsafePathError as err:  # a file someone else put there (or a symlink out): skip it
                log.warning("not restoring %s", err)
                continue
            self.s3.put(f"s3://{bucket}/{key}", path.read_bytes())
            count += 1
        return count


class RunContext:
    def __init__(self, *, stop: threading.Event, shutdown: threading.Event, deadline: float | None) -> None:
        self.stop = stop
        self.shutdown = shutdown
        self.deadline = deadline

    def should_stop(self) -> bool:
        return self.stop.is_set() or self.shutdown.is_set() or self.deadline_passed()

    def deadline_passed(self) -> bool:
        return self.deadline is not None and time.time() >= self.deadline

    def remaining_seconds(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.time())


class JobRunner:
    def __init__(
        self,
        *,
        store: JobStore,
        s3_factory: Callable[[], S3],
        region: str,
        workers: int,
        deployer: Deployer | None = None,
    ) -> None:
        self.store = store
        self.s3_factory = s3_factory
        self.region = region
        self.deployer = deployer  # ModelDeployConfig: deploys the best candidate once training is done
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="automl-job")
        self.shutdown_event = threading.Event()
        self._stops: dict[str, threading.Event] = {}
        self._started: set[str] = set()
        self._lock = threading.Lock()

    # -- control -----------------------------------------------------------------------------------
    def submit(self, name: str) -> None:
        with self._lock:
            self._stops[name.lower()] = threading.Event()
        self.executor.submit(self._run, name)

    def request_stop(self, name: str) -> bool:
        """Signal a job to stop; True when it is running (it will end Stopped by itself)."""
        with self._lock:
            event = self._stops.get(name.lower())
            if event is not None:
                event.set()
            return name.lower() in self._started

    def shutdown(self) -> None:
        self.shutdown_event.set()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # -- a job -------------------------------------------------------------------------------------
    def _run(self, name: str) -> None:
        with self._lock:
            if self.shutdown_event.is_set():
                return
            self._started.add(name.lower())
            stop = self._stops.setdefault(name.lower(), threading.Event())
        try:
            record = self.store.get(name)
            if record is None or record["AutoMLJobStatus"] not in ("InProgress", "Stopping"):
                return
            if stop.is_set() or record["AutoMLJobStatus"] == "Stopping":
                self._finish(name, "Stopped", "Stopped")
                return
            spec = JobSpec.from_request(record["ApiVersion"], record["Request"])
            runtime = spec.completion.get("MaxAutoMLJobRuntimeInSeconds")
            deadline = record["CreationTime"] + runtime if runtime else None
            ctx = RunContext(stop=stop, shutdown=self.shutdown_event, deadline=deadline)
            self._execute(name, spec, ctx)
        except _Shutdown:
            log.info("job %s interrupted by shutdown", name)
        except Exception as err:  # a bug must fail the job, never the server
            log.error("job %s failed with an internal error\n%s", name, traceback.format_exc())
            self._finish(
                name, "Failed", "Failed", reason=f"Internal error in the local AutoML backend: {err!r}"
            )
        finally:
            with self._lock:
                self._started.discard(name.lower())
                self._stops.pop(name.lower(), None)

    def _secondary(self, name: str, status: str, **fields: Any) -> None:
        if self.shutdown_event.is_set():
            raise _Shutdown

        def change(record: Record) -> None:
            if record["AutoMLJobStatus"] == "InProgress":
                record["AutoMLJobSecondaryStatus"] = status
            record.update(fields)

        self.store.update(name, change)
        log.info("job %s: %s", name, status)

    def _finish(
        self,
        name: str,
        status: str,
        secondary: str,
        *,
        reason: str | None = None,
        partial: list[str] | None = None,
    ) -> None:
        def change(record: Record) -> None:
            if record["AutoMLJobStatus"] == "Stopping":  # a stop that arrived after the last candidate wins
                record["AutoMLJobStatus"] = record["AutoMLJobSecondaryStatus"] = "Stopped"
            else:
                record["AutoMLJobStatus"] = status
                record["AutoMLJobSecondaryStatus"] = secondary
            record["EndTime"] = now()
            if reason:
                record["FailureReason"] = reason[:1024]
            if partial:
                record["PartialFailureReasons"] = [{"PartialFailureMessage": p[:1024]} for p in partial[:5]]
            for candidate in record.get("Candidates", []):
                if candidate["CandidateStatus"] in ("InProgress", "Stopping"):
                    candidate["CandidateStatus"] = "Stopped" if status == "Stopped" else "Failed"
                    candidate["EndTime"] = candidate["LastModifiedTime"] = record["EndTime"]

        self.store.update(name, change)
        log.info("job %s: %s (%s)%s", name, status, secondary, f": {reason}" if reason else "")

    def _execute(self, name: str, spec: JobSpec, ctx: RunContext) -> None:
        from automl_local.engines import build_engine

        s3 = self.s3_factory()
        writer = ArtifactWriter(s3=s3, mirror_dir=self.store.artifacts_dir)
        self._secondary(name, "AnalyzingData")
        try:
            train = read_channel(s3, spec.training)
            validation = read_channel(s3, spec.validation) if spec.validation else None
            data_bytes = int(train.memory_usage(deep=True).sum())
            columns = [str(c) for c in train.columns]  # a headerless inference row's order (serving)
            engine = build_engine(spec, train, validation, data_bytes=data_bytes)
        except (DataError, EngineDataError) as err:
            self._finish(name, "Failed", "Failed", reason=str(err))
            return
        max_candidates = int(spec.completion.get("MaxCandidates") or engine.default_max_candidates)
        resolved: dict[str, Any] = {
            "MetricName": engine.metric,
            "ProblemType": engine.problem_type,
            "CompletionCriteria": {
                "MaxCandidates": max_candidates,
                **{k: v for k, v in spec.completion.items() if k != "MaxCandidates"},
            },
        }
        artifacts = cand.job_artifacts(
            spec.output_path, spec.name, definitions=engine.container_kind == "hpo"
        )
        writer.write(
            artifacts["DataExplorationNotebookLocation"],
            notebook(f"Data exploration: {spec.name}", [("Analysis", engine.analysis())]),
        )
        if "CandidateDefinitionNotebookLocation" in artifacts:
            writer.write(
                artifacts["CandidateDefinitionNotebookLocation"],
                notebook(f"Candidate definitions: {spec.name}", [("Candidates", engine.definitions())]),
            )
        self.store.update(name, lambda r: r.update(Resolved=resolved, AutoMLJobArtifacts=artifacts))

        if spec.generate_definitions_only:
            self._finish(name, "Completed", "CandidateDefinitionsGenerated")
            return
        if ctx.stop.is_set():
            self._finish(name, "Stopped", "Stopped")
            return
        if engine.container_kind == "hpo":
            self._secondary(name, "FeatureEngineering")
            engine.feature_engineering()
        self._secondary(name, engine.training_status)

        ended_by = "Completed"
        completed = 0
        failures: list[str] = list(getattr(engine, "notes", []))
        index = 0
        dpp_written = False
        for plan in engine.plans(ctx, max_candidates):
            if ctx.shutdown.is_set():
                raise _Shutdown
            if ctx.stop.is_set():
                break
            if ctx.deadline_passed():
                ended_by = "MaxAutoMLJobRuntimeReached"
                break
            index += 1
            candidate = cand.candidate_name(spec.name, index, plan.label, engine.container_kind)
            where = cand.locations(
                spec.output_path, spec.name, candidate, label=plan.label, kind=engine.container_kind
            )
            started = now()
            entry: dict[str, Any] = {
                "CandidateName": candidate,
                "ObjectiveStatus": "Pending",
                "CandidateStatus": "InProgress",
                "CandidateSteps": cand.steps(
                    job=spec.name, candidate=candidate, kind=engine.container_kind, region=self.region
                ),
                "CreationTime": started,
                "LastModifiedTime": started,
                "Algorithm": plan.algorithm,
                "Hyperparameters": plan.hyperparameters,
            }
            self._add_candidate(name, entry)
            try:
                trained = plan.train()
                limit = spec.completion.get("MaxRuntimePerTrainingJobInSeconds")
                seconds = trained.details.get("train_seconds", 0.0)
                if limit and seconds > limit:
                    raise TimeoutError(
                        f"Training took {seconds:.1f}s, over MaxRuntimePerTrainingJobInSeconds={limit}."
                    )
                if not dpp_written and trained.preprocessor is not None:
                    writer.write(
                        where["data_processor"],
                        pack(
                            trained.preprocessor,
                            {"kind": "data-processing", "job": spec.name},
                            key=self.store.signing_key,
                        ),
                    )
                    dpp_written = True
                self._write_candidate_artifacts(
                    writer, spec, engine, candidate, plan, trained, where, columns
                )
            except Exception as err:
                plan.on_failure()
                reason = f"{type(err).__name__}: {err}"[:1024]
                failures.append(f"Candidate {candidate} failed: {reason}")
                log.warning("job %s candidate %s failed: %s", name, candidate, reason)
                self._update_candidate(
                    name,
                    candidate,
                    CandidateStatus="Failed",
                    ObjectiveStatus="Failed",
                    FailureReason=reason,
                    EndTime=now(),
                )
                continue
            plan.on_success(trained)
            completed += 1
            self._update_candidate(
                name,
                candidate,
                CandidateStatus="Completed",
                ObjectiveStatus="Succeeded",
                EndTime=now(),
                FinalAutoMLJobObjectiveMetric=cand.objective(engine.metric, trained.objective),
                InferenceContainers=cand.containers(
                    kind=engine.container_kind,
                    algorithm=plan.algorithm,
                    label=plan.label,
                    problem_type=engine.problem_type,
                    where=where,
                    region=self.region,
                ),
                CandidateProperties=self._properties(where, trained),
                ObjectiveValue=trained.objective,
            )
            if spec.completion.get("MaxCandidates") and completed >= max_candidates:
                ended_by = "MaxCandidatesReached"
                break

        if ctx.shutdown.is_set():
            raise _Shutdown
        if ctx.stop.is_set():
            self._finish(name, "Stopped", "Stopped", partial=failures)
            return
        if ended_by == "Completed" and ctx.deadline_passed():
            ended_by = "MaxAutoMLJobRuntimeReached"
        if completed == 0:
            reason = "No candidate completed"
            if ended_by == "MaxAutoMLJobRuntimeReached":
                reason += " before MaxAutoMLJobRuntimeInSeconds was reached"
            reason += (": " + "; ".join(failures)) if failures else "."
            self._finish(name, "Failed", "Failed", reason=reason, partial=failures)
            return
        self._secondary(name, "GeneratingExplainabilityReport")
        self._secondary(name, "GeneratingModelInsightsReport")
        ended_by, failures = self._deploy(name, ended_by, failures)
        self._finish(name, "Completed", ended_by, partial=failures)

    def _deploy(self, name: str, ended_by: str, failures: list[str]) -> tuple[str, list[str]]:
        """ModelDeployConfig: the best candidate becomes an endpoint; failing that, ModelDeploymentError."""
        record = self.store.get(name)
        if self.deployer is None or record is None or not self.deployer.wanted(record):
            return ended_by, failures
        self._secondary(name, "DeployingModel")
        result = self.deployer.deploy(record)
        if result.error:
            return "ModelDeploymentError", [result.error, *failures]
        self.store.update(name, lambda r: r.update(ModelDeployResult={"EndpointName": result.endpoint_name}))
        return ended_by, failures

    def _add_candidate(self, name: str, entry: dict[str, Any]) -> None:
        self.store.update(name, lambda record: record.setdefault("Candidates", []).append(entry))

    def _update_candidate(self, name: str, candidate: str, **fields: Any) -> None:
        def change(record: Record) -> None:
            for entry in record.get("Candidates", []):
                if entry["CandidateName"] == candidate:
                    entry.update(fields)
                    entry["LastModifiedTime"] = now()

        self.store.update(name, change)

    @staticmethod
    def _properties(where: dict[str, str], trained: TrainedModel) -> dict[str, Any]:
        found: dict[str, Any] = {
            "Explainability": where["explainability"],
            "ModelInsights": where["model_insights"],
        }
        if "backtest" in where:
            found["BacktestResults"] = where["backtest"]
        return {"CandidateArtifactLocations": found, "CandidateMetrics": cand.metric_list(trained.metrics)}

    def _write_candidate_artifacts(
        self,
        writer: ArtifactWriter,
        spec: JobSpec,
        engine: Any,
        candidate: str,
        plan: Any,
        trained: TrainedModel,
        where: dict[str, str],
        columns: list[str],
    ) -> None:
        manifest = {
            "kind": "model",
            "job": spec.name,
            "candidate": candidate,
            "algorithm": plan.algorithm,
            "model": plan.label,
            "problem_type": engine.problem_type or spec.problem_config_name,
            "objective_metric": engine.metric,
            "validation_metrics": trained.metrics,
            "hyperparameters": plan.hyperparameters,
            "target": spec.target,
            "columns": columns,
        }
        writer.write(where["model"], pack(trained.model, manifest, key=self.store.signing_key))
        explanation = trained.explanation or {"note": "this model type has no feature importances"}
        writer.write(
            f"{where['explainability']}/explanations.json", json.dumps(explanation, indent=1).encode()
        )
        insights = {
            "objective_metric": engine.metric,
            "validation_metrics": trained.metrics,
            "details": {k: v for k, v in trained.details.items() if isinstance(v, (int, float, str, dict))},
        }
        writer.write(
            f"{where['model_insights']}/model_insights.json",
            json.dumps(insights, indent=1, default=str).encode(),
        )
        if "backtest" in where and "backtest_csv" in trained.details:
            writer.write(
                f"{where['backtest']}/forecasted-values.csv", trained.details["backtest_csv"].encode()
            )
