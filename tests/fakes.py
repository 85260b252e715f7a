"""Stand-ins for the pieces of Airflow the operators touch, shared by the test suites."""

from __future__ import annotations

import json
from typing import Any


class FakeTI:
    """What the operators use of a task instance: identity, try number and xcom_push."""

    def __init__(
        self,
        *,
        dag_id: str = "churn_dag",
        task_id: str = "create_automl_job",
        run_id: str = "manual__2026-01-01T00:00:00+00:00",
        map_index: int = -1,
        try_number: int = 1,
    ) -> None:
        self.dag_id = dag_id
        self.task_id = task_id
        self.run_id = run_id
        self.map_index = map_index
        self.try_number = try_number
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)  # XCom must be JSON-safe
        self.pushed[key] = value
