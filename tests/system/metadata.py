"""Read-only queries on the Airflow metadata database (PostgreSQL) while the system test runs."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.system.deployment import DAG_ID


class Metadata:
    def __init__(self, dsn: str, dag_id: str = DAG_ID) -> None:
        self.dsn = dsn
        self.dag_id = dag_id

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Any read-only query (``%s`` placeholders)."""
        return self._rows(sql, *params)

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg2

        connection = psycopg2.connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def dag_parsed(self) -> bool:
        import psycopg2

        try:
            rows = self._rows("SELECT count(*) FROM serialized_dag WHERE dag_id = %s", self.dag_id)
        except psycopg2.Error:  # tables may not exist yet while components start
            return False
        return bool(rows[0][0])

    def run_states(self, prefix: str) -> dict[str, str]:
        rows = self._rows(
            "SELECT run_id, state FROM dag_run WHERE dag_id = %s AND run_id LIKE %s",
            self.dag_id,
            f"{prefix}%",
        )
        return {run_id: state for run_id, state in rows}

    def task_states(self, prefix: str) -> Counter[tuple[str, str | None]]:
        rows = self._rows(
            "SELECT task_id, state, count(*) FROM task_instance WHERE dag_id = %s AND run_id LIKE %s "
            "GROUP BY task_id, state",
            self.dag_id,
            f"{prefix}%",
        )
        return Counter({(task_id, state): count for task_id, state, count in rows})

    def retried(self, prefix: str) -> set[tuple[str, str]]:
        """(run_id, task_id) of task instances that ran more than one try."""
        rows = self._rows(
            "SELECT run_id, task_id FROM task_instance WHERE dag_id = %s AND run_id LIKE %s AND try_number > 1",
            self.dag_id,
            f"{prefix}%",
        )
        return {(run_id, task_id) for run_id, task_id in rows}

    def state_mismatches(self, prefix: str) -> set[tuple[str, str]]:
        """(run_id, task_id) the scheduler failed for a stale executor event ("state mismatch")."""
        rows = self._rows(
            "SELECT run_id, task_id FROM log WHERE event = 'state mismatch' AND dag_id = %s AND run_id LIKE %s",
            self.dag_id,
            f"{prefix}%",
        )
        return {(run_id, task_id) for run_id, task_id in rows}

    def trigger_assignments(self) -> dict[int, int | None]:
        """trigger id -> the triggerer job id it is assigned to."""
        return {
            trigger_id: triggerer_id
            for trigger_id, triggerer_id in self._rows("SELECT id, triggerer_id FROM trigger")
        }

    def triggers_by_triggerer(self) -> Counter[int | None]:
        rows = self._rows("SELECT triggerer_id, count(*) FROM trigger GROUP BY triggerer_id")
        return Counter({triggerer_id: count for triggerer_id, count in rows})

    def triggerer_job_ids(self) -> set[int]:
        return {row[0] for row in self._rows("SELECT id FROM job WHERE job_type = 'TriggererJob'")}

    def xcoms(self, prefix: str, task_id: str, key: str = "return_value") -> dict[str, Any]:
        rows = self._rows(
            "SELECT run_id, value FROM xcom WHERE dag_id = %s AND run_id LIKE %s AND task_id = %s AND key = %s",
            self.dag_id,
            f"{prefix}%",
            task_id,
            key,
        )
        # The value column is JSON; psycopg2 decodes json columns, text ones need a json.loads.
        return {run_id: json.loads(value) if isinstance(value, str) else value for run_id, value in rows}
