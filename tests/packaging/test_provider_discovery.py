"""Airflow discovers the installed provider: ProvidersManager and the ``airflow providers`` CLI."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from airflow_provider_automl import __version__
from airflow_provider_automl.get_provider_info import get_provider_info

pytestmark = pytest.mark.packaging

PACKAGE = "airflow-provider-automl"
INFO = get_provider_info()


def airflow_cli(*argv: str) -> Any:
    """Run an ``airflow`` CLI command in-process (Airflow is imported already) and parse its JSON."""
    from airflow.cli import cli_parser

    args = cli_parser.get_parser().parse_args(list(argv))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args.func(args)
    return json.loads(out.getvalue())


def test_provider_info_itself() -> None:
    assert INFO["package-name"] == PACKAGE
    assert INFO["name"] == "Amazon SageMaker Autopilot (AutoML)"
    assert INFO["versions"] == [__version__]
    assert "SageMaker Autopilot" in INFO["description"]


def test_providers_manager_finds_the_provider() -> None:
    try:
        from airflow.providers_manager import ProvidersManager
    except ImportError:  # pragma: no cover - moved in a future Airflow
        pytest.fail("airflow.providers_manager.ProvidersManager is not importable")

    provider = ProvidersManager().providers[PACKAGE]
    assert provider.version == __version__
    assert provider.data["name"] == INFO["name"]
    assert provider.data["description"] == INFO["description"]
    assert "airflow_provider_automl.links.automl.SageMakerAutoMLJobLink" in provider.data["extra-links"]


def test_airflow_providers_get() -> None:
    (shown,) = airflow_cli("providers", "get", PACKAGE, "--full", "-o", "json")
    assert shown["package-name"] == PACKAGE
    assert shown["name"] == INFO["name"]
    assert shown["versions"] == [__version__]
    # The CLI drops the description's final full stop.
    assert shown["description"].rstrip(".") == INFO["description"].rstrip(".")


def test_airflow_providers_list() -> None:
    listed = [p for p in airflow_cli("providers", "list", "-o", "json") if p["package_name"] == PACKAGE]
    assert len(listed) == 1
    assert listed[0]["version"] == __version__
    assert listed[0]["description"].rstrip(".") == INFO["description"].rstrip(".")
