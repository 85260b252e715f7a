"""The plugin: registered on Airflow 3.1+, skipped before; cheap to import in every Airflow process."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_1_PLUS

from airflow_provider_automl.ui import plugin


def _is_valid_plugin(candidate: object) -> bool:
    try:
        from airflow._shared.plugins_manager import is_valid_plugin
    except ImportError:  # Airflow 2.11 / 3.0
        from airflow.plugins_manager import is_valid_plugin
    return bool(is_valid_plugin(candidate))


def test_the_entry_point_names_the_plugin_class() -> None:
    (entry,) = [e for e in metadata.entry_points(group="airflow.plugins") if e.name == "automl"]
    assert entry.value == "airflow_provider_automl.ui.plugin:AutoMLViewPlugin"
    assert entry.load() is plugin.AutoMLViewPlugin


@pytest.mark.skipif(not AIRFLOW_V_3_1_PLUS, reason="external views and FastAPI apps need Airflow 3.1+")
def test_on_airflow_3_1_plus_it_adds_the_app_the_task_tab_and_the_jobs_page() -> None:
    cls = plugin.AutoMLViewPlugin
    assert _is_valid_plugin(cls)
    assert cls.name == "automl"
    (app,) = cls.fastapi_apps
    assert app["url_prefix"] == "/automl" and isinstance(app["app"], plugin.LazyApp)
    views = {view["destination"]: view for view in cls.external_views}
    assert views["task_instance"]["url_route"] == "automl"
    assert views["task_instance"]["href"].startswith("automl/task?dag_id={DAG_ID}&run_id={RUN_ID}")
    assert views["nav"] == {
        "name": "AutoML jobs",
        "href": "automl/",
        "destination": "nav",
        "category": "browse",
        "url_route": "automl-jobs",
    }


@pytest.mark.skipif(AIRFLOW_V_3_1_PLUS, reason="before Airflow 3.1 only")
def test_before_airflow_3_1_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not _is_valid_plugin(plugin.AutoMLViewPlugin)
    from airflow import plugins_manager

    # Load the entry point plugins afresh (module globals, restored after the test).
    monkeypatch.setattr(plugins_manager, "plugins", None)
    monkeypatch.setattr(plugins_manager, "loaded_plugins", set())
    monkeypatch.setattr(plugins_manager, "import_errors", {})
    plugins_manager.ensure_plugins_loaded()
    assert "automl" not in [p.name for p in plugins_manager.plugins or []]
    assert not [k for k in plugins_manager.import_errors if "airflow_provider_automl" in k]


def _fresh_modules(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_loading_the_plugin_imports_neither_fastapi_nor_the_api_security() -> None:
    loaded = _fresh_modules("import airflow_provider_automl.ui.plugin")
    assert "fastapi" not in loaded
    assert "airflow.api_fastapi.core_api.security" not in loaded
    assert "airflow_provider_automl.ui.app" not in loaded


def test_dag_files_do_not_import_the_view() -> None:
    loaded = _fresh_modules(
        "import airflow_provider_automl.operators.automl, airflow_provider_automl.operators.model, "
        "airflow_provider_automl.sensors.automl, airflow_provider_automl.triggers.automl"
    )
    assert not {m for m in loaded if m.startswith("airflow_provider_automl.ui")}
    assert "boto3" not in loaded
