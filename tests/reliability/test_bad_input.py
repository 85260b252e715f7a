"""Scenario 6: bad input is rejected before any API call, with field, value and what is allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_provider_automl.exceptions import AutoMLValidationError, show_value
from tests.reliability.bad_input import CASES, OPERATORS, BadInput, markdown_table
from tests.reliability.runner import UnexpectedApiCall, counting_client, run_case

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
TABLE = re.compile(r"<!-- bad-input-table:start -->\n(.*?)\n<!-- bad-input-table:end -->", re.S)


def test_there_are_at_least_120_cases_across_every_operator_the_sensor_and_the_trigger() -> None:
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES)
    assert {case.operator for case in CASES} == set(OPERATORS)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_rejected_before_any_call(case: BadInput) -> None:
    outcome = run_case(case)

    assert outcome.calls == [], f"{case.id} reached the API: {outcome.calls}"
    err = outcome.error
    assert isinstance(err, AutoMLValidationError), f"{case.id}: {type(err).__name__}: {err}"
    assert err.field == case.field
    assert str(err) == f"Invalid {err.field}: {show_value(err.value)}. {err.allowed}"
    assert case.shows in str(err)
    assert case.allowed in err.allowed


@pytest.mark.parametrize("name", [name for name in OPERATORS if "Trigger" not in name])
def test_the_good_baseline_of_each_operator_does_reach_the_api(name: str) -> None:
    # Proves the counting client counts: without the bad setting, the same operator calls SageMaker.
    calls: list[str] = []
    op = OPERATORS[name]()
    op.hook.__dict__["conn"] = counting_client(calls)
    from tests.reliability.conftest import FakeTI

    with pytest.raises(UnexpectedApiCall):
        op.execute({"ti": FakeTI(task_id=op.task_id), "params": {}, "outlet_events": {}})
    assert len(calls) == 1


def test_docs_table_matches_the_cases() -> None:
    match = TABLE.search(DOC.read_text())
    assert match, f"{DOC} has no bad-input table markers"
    assert match.group(1) == markdown_table(), (
        "docs/reliability.md is stale: regenerate it with `.venv/bin/python -m tests.reliability.bad_input`"
    )
