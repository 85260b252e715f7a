"""Typed errors: AirflowExceptions that name what went wrong, with long values cut."""

from __future__ import annotations

import pytest

from airflow_provider_automl.compat import AirflowException
from airflow_provider_automl.exceptions import (
    AutoMLError,
    AutoMLJobExistsError,
    AutoMLJobFailedError,
    AutoMLJobNotFoundError,
    AutoMLValidationError,
    AutoMLWaitTimeoutError,
    show_value,
)


@pytest.mark.parametrize(
    "error_class",
    [
        AutoMLValidationError,
        AutoMLJobExistsError,
        AutoMLJobNotFoundError,
        AutoMLJobFailedError,
        AutoMLWaitTimeoutError,
    ],
)
def test_every_error_is_an_airflow_exception(error_class: type[Exception]) -> None:
    assert issubclass(error_class, AutoMLError)
    assert issubclass(error_class, AirflowException)


def test_validation_error_names_field_value_and_allowed_and_cuts_long_values() -> None:
    err = AutoMLValidationError(
        "ApprovalDescription", "d" * 1025, "At most 1024 characters allowed; got 1025."
    )
    assert isinstance(err, ValueError)
    assert err.value == "d" * 1025  # the whole value stays on the error
    text = str(err)
    assert text.startswith("Invalid ApprovalDescription: 'ddd")
    assert "... (1025 characters). At most 1024 characters allowed" in text
    assert len(text) < 250


def test_show_value_counts_what_it_cut() -> None:
    assert show_value("short") == "'short'"
    assert show_value(list(range(100))).endswith("... (100 items)")
    assert show_value({str(i): i for i in range(100)}).endswith("... (100 entries)")


def test_serialize_rebuilds_as_the_base_error_with_the_message() -> None:
    err = AutoMLJobExistsError("churn", mismatches=["RoleArn differs"])
    path, args, kwargs = err.serialize()
    assert path == "airflow_provider_automl.exceptions.AutoMLError"
    assert AutoMLError(*args, **kwargs).args == err.args
    assert err.mismatches == ["RoleArn differs"]
