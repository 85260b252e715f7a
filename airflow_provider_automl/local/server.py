"""The HTTP endpoint: AutoML actions go to :class:`AutoMLApi`, everything else to moto's server.

SageMaker speaks the AWS JSON protocol (``POST /`` with ``X-Amz-Target: SageMaker.<Action>``), so one
header decides the route; S3 and every other SageMaker action reach moto's WSGI app unchanged.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_automl.local.api import AUTOML_ACTIONS, AutoMLApi
from airflow_provider_automl.local.data import S3
from airflow_provider_automl.local.errors import ApiError, InternalError, ValidationError
from airflow_provider_automl.local.faults import FaultInjector, FaultSettings
from airflow_provider_automl.local.jobs import ArtifactWriter, JobRunner
from airflow_provider_automl.local.store import JobStore

log = logging.getLogger("airflow_provider_automl.local")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
HEALTH_PATH = "/automl-local/health"


@dataclass(frozen=True)
class BackendSettings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0  # 0 = any free port
    region: str = "us-east-1"
    workers: int = 2  # jobs training at once; more wait InProgress/Starting
    max_active_jobs: int = 20  # beyond this CreateAutoMLJob* answers ResourceLimitExceeded
    faults: FaultSettings = field(default_factory=FaultSettings)


class LocalBackendApp:
    """WSGI app: route AutoML actions to our API, the rest to moto."""

    def __init__(self, *, api: AutoMLApi, moto_app: Any, faults: FaultInjector) -> None:
        self.api = api
        self.moto_app = moto_app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if environ.get("REQUEST_METHOD") == "POST" and target.startswith("SageMaker."):
            action = target.split(".", 1)[1]
            if action in AUTOML_ACTIONS:
                return self._automl(action, environ, start_response)
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._respond(start_response, "200 OK", {"status": "ok"})
        return self.moto_app(environ, start_response)  # type: ignore[no-any-return]

    def _automl(self, action: str, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b"{}"
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise ValidationError(f"The request body of {action} is not valid JSON.") from None
            self.faults.before(action)
            result = self.api.handle(action, body)
            return self._respond(start_response, "200 OK", result)
        except ApiError as err:
            return self._error(start_response, err)
        except Exception as err:  # never let a bug take the connection down without an AWS-shaped answer
            log.exception("unhandled error in %s", action)
            return self._error(
                start_response, InternalError(f"Internal error in the local AutoML backend: {err!r}")
            )

    @staticmethod
    def _respond(
        start_response: Any, status: str, payload: dict[str, Any], extra: list[tuple[str, str]] | None = None
    ) -> list[bytes]:
        data = json.dumps(payload).encode()
        headers = [
            ("Content-Type", JSON_CONTENT_TYPE),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            *(extra or []),
        ]
        start_response(status, headers)
        return [data]

    def _error(self, start_response: Any, err: ApiError) -> list[bytes]:
        reason = {400: "Bad Request", 500: "Internal Server Error"}.get(err.status, "Error")
        return self._respond(
            start_response, f"{err.status} {reason}", err.body(), [("x-amzn-ErrorType", f"{err.code}:")]
        )


def _warm_up() -> None:
    """Import the ML libraries in the background, so the first job does not wait for them."""
    from airflow_provider_automl.local.shapes import service_model

    service_model()
    try:
        import lightgbm  # noqa: F401
        import sklearn.ensemble
        import sklearn.linear_model
        import sklearn.neural_network  # noqa: F401

        import airflow_provider_automl.local.engines.tabular  # noqa: F401
    except ImportError:  # a job will report what is missing
        pass


def _not_ready(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class LocalBackend:
    """The whole backend in one process: HTTP server thread, job runner, store."""

    def __init__(self, settings: BackendSettings) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        self.settings = settings
        self.store = JobStore(data_dir=settings.data_dir)
        self.interrupted = self.store.load()
        self._server = make_server(
            settings.host,
            settings.port,
            app=_not_ready,  # replaced below, once the runner knows our URL
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self.port = int(self._server.server_port)
        connect_host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
        self.url = f"http://{connect_host}:{self.port}"
        self.runner = JobRunner(
            store=self.store,
            s3_factory=lambda: S3(endpoint_url=self.url, region=settings.region),
            region=settings.region,
            workers=settings.workers,
        )
        self.api = AutoMLApi(
            store=self.store,
            runner=self.runner,
            region=settings.region,
            max_active_jobs=settings.max_active_jobs,
        )
        self._server.app = LocalBackendApp(
            api=self.api,
            moto_app=DomainDispatcherApplication(create_backend_app),
            faults=FaultInjector(settings.faults),
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="automl-local-http", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        restored = ArtifactWriter(
            s3=S3(endpoint_url=self.url, region=self.settings.region), mirror_dir=self.store.artifacts_dir
        ).restore()
        if restored:
            log.info("restored %d artifact objects into S3 from %s", restored, self.store.artifacts_dir)
        for name in self.interrupted:
            log.warning("job %s was interrupted by a restart and is now Failed", name)
        threading.Thread(target=_warm_up, name="automl-local-warm-up", daemon=True).start()

    def stop(self) -> None:
        self.runner.shutdown()
        self._server.shutdown()
        self._server.server_close()
