"""Real scheduler, DAG processor, triggerer(s) and api-server on PostgreSQL with LocalExecutor,
running many deferrable tabular example runs at once against the local backend while a triggerer
is killed with SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from tests.system.conftest import System, time_bound
from tests.system.deployment import Component

pytestmark = pytest.mark.system

RUNS = int(os.environ.get("SYSTEM_TEST_RUNS", "50"))
SCENARIO_BUDGET = int(os.environ.get("SYSTEM_TEST_SCENARIO_SECONDS", "400"))
CREATE = "create_automl_job"


@dataclass
class Figures:
    scenario: str
    runs: int
    triggerers_at_once: int
    triggerer_kills: int
    triggers_held_by_killed: int
    orphaned_triggers_adopted: int
    create_tasks_deferred_at_kill: int
    jobs_in_progress_at_kill: int
    most_triggers_held: dict[str, int]
    runs_succeeded: int
    jobs_created: int
    jobs_completed: int
    results_lost: int
    tasks_retried: int
    state_mismatches: int
    median_job_seconds: float
    cpu_seconds: dict[str, float]
    seconds: float


def all_jobs(system: System) -> dict[str, dict[str, Any]]:
    """Every AutoML job the backend knows, name -> summary (ListAutoMLJobs, all pages)."""
    jobs: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"MaxResults": 100}
    while True:
        page = system.sagemaker.list_auto_ml_jobs(**kwargs)  # type: ignore[attr-defined]
        jobs.update({s["AutoMLJobName"]: s for s in page["AutoMLJobSummaries"]})
        if not page.get("NextToken"):
            return jobs
        kwargs["NextToken"] = page["NextToken"]


def check_alive(system: System) -> None:
    dead = system.airflow.unexpectedly_dead()
    assert not dead, f"{dead} exited on their own:\n{system.airflow.tails()}"


def start_triggerer(system: System, name: str) -> tuple[Component, int]:
    """Start a triggerer and return it with its job id (the TriggererJob row it heartbeats)."""
    before = system.metadata.triggerer_job_ids()
    component = system.airflow.start_triggerer(name)
    while not (new := system.metadata.triggerer_job_ids() - before):
        assert component.alive(), f"{name} exited:\n{component.tail()}"
        time.sleep(0.5)
    (job_id,) = new
    return component, job_id


def progress(system: System, prefix: str, last: list[float]) -> None:
    """Every 30 s, print task states and trigger holders (shown when a test fails or times out)."""
    if time.monotonic() - last[0] >= 30:
        last[0] = time.monotonic()
        states = sorted(system.metadata.task_states(prefix).items(), key=str)
        print(
            f"{time.strftime('%H:%M:%S')} {states} triggers={dict(system.metadata.triggers_by_triggerer())}"
        )


def run_scenario(system: System, *, label: str, triggerers: int) -> Figures:
    """Start ``triggerers``, trigger RUNS runs, SIGKILL the first triggerer once it holds a fifth of
    the runs' triggers, start a replacement, wait for every run; the scenario's triggerers are
    stopped at the end, so the next scenario starts with its own."""
    started_before = len(system.airflow.components)
    try:
        return _run_scenario(system, label=label, triggerers=triggerers)
    finally:
        system.airflow.stop([c for c in system.airflow.components[started_before:] if c.alive()])


def _run_scenario(system: System, *, label: str, triggerers: int) -> Figures:
    started = time.monotonic()
    cpu_before = system.cpu_seconds()
    prefix = f"{label}-"
    jobs_before = set(all_jobs(system))
    live = [start_triggerer(system, f"{label}-triggerer-{i}") for i in range(triggerers)]
    (victim, victim_job), *others = live
    for i in range(RUNS):
        system.airflow.trigger(f"{prefix}{i:02d}")

    # Mid-run: the victim holds a fifth of the runs' triggers (others are still to defer or done).
    most_held: Counter[str] = Counter()
    last_progress = [time.monotonic()]
    names = {job_id: component.name for component, job_id in live}
    while True:
        held = system.metadata.triggers_by_triggerer()
        for job_id, name in names.items():
            most_held[name] = max(most_held[name], held[job_id])
        if held[victim_job] >= max(1, RUNS // 5):
            break
        check_alive(system)
        progress(system, prefix, last_progress)
        time.sleep(0.5)
    deferred = system.metadata.task_states(prefix)[(CREATE, "deferred")]
    in_progress = sum(1 for j in all_jobs(system).values() if j["AutoMLJobStatus"] == "InProgress")
    system.airflow.kill(victim)
    assert victim.process.returncode == -9
    # What the dead triggerer still held: nothing can deliver these until a live one adopts them.
    orphans = {t for t, owner in system.metadata.trigger_assignments().items() if owner == victim_job}
    adopted: set[int] = set()
    replacement, replacement_job = start_triggerer(system, f"{label}-triggerer-replacement")
    names[replacement_job] = replacement.name

    while True:
        states = system.metadata.run_states(prefix)
        assignments = system.metadata.trigger_assignments()
        adopted |= {t for t in orphans if assignments.get(t) not in (None, victim_job)}
        held = system.metadata.triggers_by_triggerer()
        for job_id, name in names.items():
            most_held[name] = max(most_held[name], held[job_id])
        if len(states) == RUNS and all(s in ("success", "failed") for s in states.values()):
            break
        check_alive(system)
        progress(system, prefix, last_progress)
        time.sleep(1)

    xcoms = system.metadata.xcoms(prefix, CREATE)
    summaries = {name: job for name, job in all_jobs(system).items() if name not in jobs_before}
    jobs = {name: job["AutoMLJobStatus"] for name, job in summaries.items()}
    durations = sorted(
        (j["EndTime"] - j["CreationTime"]).total_seconds() for j in summaries.values() if j.get("EndTime")
    )
    retried = system.metadata.retried(prefix)
    mismatches = system.metadata.state_mismatches(prefix)
    # A result is lost when a run does not end with its own job's Completed record in XCom.
    lost = [
        run_id
        for run_id in states
        if states[run_id] != "success"
        or (xcoms.get(run_id) or {}).get("AutoMLJobStatus") != "Completed"
        or jobs.get(xcoms[run_id]["AutoMLJobName"]) != "Completed"
    ]
    figures = Figures(
        scenario=label,
        runs=RUNS,
        triggerers_at_once=triggerers,
        triggerer_kills=1,
        triggers_held_by_killed=len(orphans),
        orphaned_triggers_adopted=len(adopted),
        create_tasks_deferred_at_kill=deferred,
        jobs_in_progress_at_kill=in_progress,
        most_triggers_held=dict(most_held),
        runs_succeeded=sum(1 for s in states.values() if s == "success"),
        jobs_created=len(jobs),
        jobs_completed=sum(1 for s in jobs.values() if s == "Completed"),
        results_lost=len(lost),
        tasks_retried=len(retried),
        state_mismatches=len(mismatches),
        median_job_seconds=round(durations[len(durations) // 2], 1) if durations else 0.0,
        cpu_seconds={k: round(v - cpu_before[k], 1) for k, v in system.cpu_seconds().items()},
        seconds=round(time.monotonic() - started, 1),
    )
    print(f"\nSYSTEM-FIGURES {json.dumps(asdict(figures))}")
    failed = {run_id: state for run_id, state in states.items() if state != "success"}
    assert not failed, f"runs not successful: {failed}\n{system.metadata.task_states(prefix)}"
    assert not lost, f"results lost in {lost}"
    assert adopted, f"no live triggerer was seen taking over the {len(orphans)} orphaned triggers"
    # Exactly one job per create task instance: the XCom names are the new jobs, one each.
    assert sorted(jobs) == sorted(x["AutoMLJobName"] for x in xcoms.values())
    assert len(jobs) == RUNS, f"{len(jobs)} jobs created for {RUNS} task instances"
    assert figures.jobs_completed == RUNS
    # The only retries allowed are Airflow's own stale-event failures (see deployment.py).
    assert retried <= mismatches, f"retried without a state mismatch: {sorted(retried - mismatches)}"
    for component, _ in others:
        assert component.alive()
    assert replacement.alive()
    return figures


def test_triggerer_killed_mid_run(system: System) -> None:
    with time_bound(SCENARIO_BUDGET, f"{RUNS} runs with one triggerer killed", deadline=system.deadline):
        run_scenario(system, label="one", triggerers=1)


def test_two_triggerers_one_killed_mid_run(system: System) -> None:
    with time_bound(
        SCENARIO_BUDGET, f"{RUNS} runs with two triggerers, one killed", deadline=system.deadline
    ):
        figures = run_scenario(system, label="two", triggerers=2)
    # Both triggerers really ran triggers at the same time.
    assert all(figures.most_triggers_held[f"two-triggerer-{i}"] > 0 for i in range(2)), figures
