"""The Airflow plugin: the AutoML view, registered through the ``airflow.plugins`` entry point.

On Airflow 3.1+ it mounts the view's FastAPI app at ``/automl`` in the API server and adds an
*AutoML* tab to every task instance and an *AutoML jobs* page under Browse. On older Airflow
(2.11, 3.0) ``AutoMLViewPlugin`` is a plain class, which Airflow's plugin loader skips: nothing is
registered and nothing else changes.

Plugins are loaded by every Airflow process, not only the API server, so this module imports
neither FastAPI nor Airflow's API security: the app is built on its first request.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_1_PLUS

from airflow_provider_automl.links.automl import VIEW_ROUTE, VIEW_URL_PREFIX

if TYPE_CHECKING:
    from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
HREF = VIEW_URL_PREFIX.lstrip("/")  # relative to the UI's base URL: works under a path prefix


class LazyApp:
    """An ASGI app that builds :func:`airflow_provider_automl.ui.app.create_app` on first use."""

    def __init__(self) -> None:
        self._app: FastAPI | None = None
        self._lock = threading.Lock()

    def build(self) -> FastAPI:
        with self._lock:
            if self._app is None:
                from airflow_provider_automl.ui.app import create_app

                self._app = create_app()
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self._app or self.build())(scope, receive, send)


FASTAPI_APPS = [{"app": LazyApp(), "url_prefix": VIEW_URL_PREFIX, "name": "AutoML view"}]
EXTERNAL_VIEWS = [
    {
        # Every task instance gets the tab; the page says so when its task ran no AutoML job.
        "name": "AutoML",
        "href": HREF + "/task?dag_id={DAG_ID}&run_id={RUN_ID}&task_id={TASK_ID}&map_index={MAP_INDEX}",
        "destination": "task_instance",
        "url_route": VIEW_ROUTE,
    },
    {
        "name": "AutoML jobs",
        "href": f"{HREF}/",
        "destination": "nav",
        "category": "browse",
        "url_route": "automl-jobs",
    },
]

if AIRFLOW_V_3_1_PLUS:
    from airflow.providers.common.compat.sdk import AirflowPlugin

    class AutoMLViewPlugin(AirflowPlugin):
        """The AutoML view: timeline, candidate leaderboard, charts and artifacts of AutoML jobs."""

        name = "automl"
        fastapi_apps = FASTAPI_APPS
        external_views = EXTERNAL_VIEWS

else:

    class AutoMLViewPlugin:  # type: ignore[no-redef]
        """Not a plugin before Airflow 3.1 (no FastAPI apps or task instance views to add)."""

        name = "automl"
