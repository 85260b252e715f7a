"""The HTTP endpoint: AutoML actions go to :class:`AutoMLApi`, everything else to moto's server.

SageMaker speaks the AWS JSON protocol (``POST /`` with ``X-Amz-Target: SageMaker.<Action>``), so one
header decides the route; S3 and every other SageMaker action reach moto's WSGI app unchanged. In
front of both sits :class:`~automl_local.guard.RequestGuard` (framing, limits, signatures).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automl_local.api import AutoMLApi
from automl_local.auth import Credentials, SigV4Verifier, check_exposure, connect_host, url_host
from automl_local.data import S3
from automl_local.errors import (
    ApiError,
    InternalError,
    UnknownOperationError,
    ValidationError,
    json_error,
    json_response,
    show,
)
from automl_local.faults import FaultInjector, FaultSettings
from automl_local.guard import RequestGuard, content_length
from automl_local.jobs import ArtifactWriter, JobRunner
from automl_local.limits import Limits, json_too_deep
from automl_local.moto_fixes import call_moto_json, fix_moto_output, moto_error
from automl_local.serving import Serving, is_invocation
from automl_local.shapes import known_actions
from automl_local.store import JobStore

log = logging.getLogger("automl_local")

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
    limits: Limits = field(default_factory=Limits)
    allow_remote: bool = False  # a non-loopback host needs this and credentials
    credentials: Credentials | None = None  # when set, every request must be signed with them
    tls: ssl.SSLContext | None = None  # when set, HTTPS only (automl_local.tls)


class LocalBackendApp:
    """WSGI app: route AutoML actions to our API, the rest to moto."""

    def __init__(
        self,
        *,
        api: AutoMLApi,
        moto_app: Any,
        faults: FaultInjector,
        limits: Limits | None = None,
        serving: Serving | None = None,
    ) -> None:
        self.api = api
        self.moto_app = moto_app
        self.faults = faults
        self.limits = limits or Limits()
        self.serving = serving

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("SageMaker."):
            return self._sagemaker(target.split(".", 1)[1], environ, start_response)
        if self.serving is not None and is_invocation(environ):  # sagemaker-runtime InvokeEndpoint
            return self.serving.runtime(environ, start_response)
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return self._respond(start_response, "200 OK", {"status": "ok"})
        return self.moto_app(environ, start_response)  # type: ignore[no-any-return]

    def _sagemaker(self, action: str, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Every SageMaker call ends here: ours, moto's, or an AWS JSON error; never HTML or S3 XML."""
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise UnknownOperationError(
                    f"SageMaker calls are POST requests; {show(environ.get('REQUEST_METHOD'), 20)} is not."
                )
            # The guard has checked the length and size and buffered the body; re-checked here so the
            # app stays safe on its own.
            length = min(content_length(environ) or 0, self.limits.max_request_bytes)
            raw = environ["wsgi.input"].read(length) if length else b""
            if json_too_deep(raw, self.limits.max_json_depth):
                raise ValidationError(
                    f"The request body of {show(action, 64)} nests JSON deeper than "
                    f"{self.limits.max_json_depth} levels."
                )
            try:
                body = json.loads(raw or b"{}")
            except (ValueError, RecursionError):
                raise ValidationError(f"The request body of {show(action, 64)} is not valid JSON.") from None
            if self.api.handles(action, body):
                self.faults.before(action)
                return self._respond(start_response, "200 OK", self.api.handle(action, body))
            if self.serving is not None and self.serving.api.handles(action):
                answer = self.serving.api.handle(action, body)  # None: not a candidate's model, moto's
                if answer is not None:
                    return self._respond(start_response, "200 OK", answer)
            if action not in known_actions():
                raise UnknownOperationError(f"Unknown operation {show(action, 64)} for service SageMaker.")
            return self._moto_sagemaker(action, raw, environ, start_response)
        except ApiError as err:
            return self._error(start_response, err)
        except Exception as err:  # never let a bug take the connection down without an AWS-shaped answer
            log.exception("unhandled error in %s", show(action, 64))
            return self._error(
                start_response, InternalError(f"Internal error in the local AutoML backend: {show(err)}")
            )

    def _moto_sagemaker(
        self, action: str, raw: bytes, environ: dict[str, Any], start_response: Any
    ) -> Iterable[bytes]:
        """Hand a SageMaker call to moto, then make its answer one a real client accepts."""
        if action not in _moto_actions():  # moto would raise NotImplementedError: a 500 clients retry
            raise UnknownOperationError(
                f"The local backend does not emulate SageMaker {show(action, 64)} (moto does not "
                "implement it)."
            )
        replay = dict(environ)
        replay["wsgi.input"] = io.BytesIO(raw)
        replay["CONTENT_LENGTH"] = str(len(raw))
        code, payload = call_moto_json(self.moto_app, replay)
        if payload is None:
            # moto answered HTML (an unimplemented action, a crash) or something that is not JSON.
            if code < 400:
                raise UnknownOperationError(
                    f"The local backend does not emulate SageMaker {show(action, 64)} (moto answered "
                    f"HTTP {code} without a JSON body)."
                )
            raise InternalError(
                f"The local backend could not answer SageMaker {show(action, 64)} (HTTP {code})."
            )
        if code >= 400:
            return self._error(start_response, moto_error(action, code, payload))
        return self._respond(start_response, "200 OK", fix_moto_output(action, payload))

    @staticmethod
    def _respond(start_response: Any, status: str, payload: dict[str, Any]) -> list[bytes]:
        status_line, headers, data = json_response(int(status.split(" ", 1)[0]), payload)
        start_response(status_line, headers)
        return [data]

    @staticmethod
    def _error(start_response: Any, err: ApiError) -> list[bytes]:
        status_line, headers, data = json_error(err)
        start_response(status_line, headers)
        return [data]


@functools.cache
def _moto_actions() -> frozenset[str]:
    """The SageMaker actions moto implements (its response class has a method for them)."""
    from moto.core.utils import camelcase_to_underscores, method_names_from_class
    from moto.sagemaker.responses import SageMakerResponse

    methods = set(method_names_from_class(SageMakerResponse))
    return frozenset(a for a in known_actions() if camelcase_to_underscores(a) in methods)


def _warm_up() -> None:
    """Import the ML libraries in the background, so the first job does not wait for them."""
    from automl_local.shapes import service_model

    service_model()
    try:
        import lightgbm  # noqa: F401
        import sklearn.ensemble
        import sklearn.linear_model
        import sklearn.neural_network  # noqa: F401

        import automl_local.engines.tabular  # noqa: F401
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

        from automl_local.connections import CappedWSGIServer, send_json_error

        check_exposure(settings.host, settings.allow_remote, settings.credentials)
        self.settings = settings
        self.store = JobStore(data_dir=settings.data_dir)
        self.interrupted = self.store.load()
        moto_app = DomainDispatcherApplication(create_backend_app)
        # A socket timeout on every connection: a client that stops sending (a body shorter than its
        # Content-Length, a request line that never ends) frees its thread after request_timeout.
        handler = type(
            "TimedRequestHandler",
            (MotoRequestHandler,),
            # TCP_NODELAY: a response is headers then body, and Nagle would hold the body back until
            # the client acknowledged the headers (up to its delayed-ACK timeout).
            {
                "timeout": settings.limits.request_timeout,
                "disable_nagle_algorithm": True,
                "send_error": send_json_error,
            },
        )
        self._server = CappedWSGIServer(
            settings.host,
            settings.port,
            _not_ready,  # replaced below, once the runner knows our URL
            handler,
            max_connections=settings.limits.max_connections,
            tls=settings.tls,
        )
        if settings.tls is not None:  # its own S3 client calls it unverified (see _s3): no warning each time
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.port = int(self._server.server_port)
        self.bound_host = str(self._server.server_address[0])
        scheme = "https" if settings.tls is not None else "http"
        self.address = f"{scheme}://{url_host(self.bound_host)}:{self.port}"  # where it listens, as printed
        self.url = (
            f"{scheme}://{url_host(connect_host(self.bound_host))}:{self.port}"  # how this machine reaches it
        )
        self.serving = Serving(
            store=self.store, s3_factory=self._s3, moto_app=moto_app, region=settings.region
        )
        self.runner = JobRunner(
            store=self.store,
            s3_factory=self._s3,
            region=settings.region,
            workers=settings.workers,
            deployer=self.serving.deployer,
        )
        self.api = AutoMLApi(
            store=self.store,
            runner=self.runner,
            region=settings.region,
            max_active_jobs=settings.max_active_jobs,
        )
        app = LocalBackendApp(
            api=self.api,
            moto_app=moto_app,
            faults=FaultInjector(settings.faults),
            limits=settings.limits,
            serving=self.serving,
        )
        verifier = SigV4Verifier(settings.credentials) if settings.credentials is not None else None
        self._server.app = RequestGuard(
            app, limits=settings.limits, verifier=verifier, open_paths=(HEALTH_PATH,)
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="automl-local-http", daemon=True
        )

    def _s3(self) -> S3:
        """The backend's own S3 client (one per job: it carries the job's decode budget)."""
        return S3(
            endpoint_url=self.url,
            region=self.settings.region,
            credentials=self.settings.credentials,
            limits=self.settings.limits,
            # Over TLS it calls itself on this machine, where the certificate may not name the address.
            verify=False if self.settings.tls is not None else None,
        )

    def start(self) -> None:
        self._thread.start()
        restored = ArtifactWriter(s3=self._s3(), mirror_dir=self.store.artifacts_dir).restore()
        if restored:
            log.info("restored %d artifact objects into S3 from %s", restored, self.store.artifacts_dir)
        for name in self.interrupted:
            log.warning("job %s was interrupted by a restart and is now Failed", name)
        for name in self.serving.interrupted:
            log.warning("transform job %s was interrupted by a restart and is now Failed", name)
        self.serving.start()
        threading.Thread(target=_warm_up, name="automl-local-warm-up", daemon=True).start()

    def stop(self) -> None:
        self.runner.shutdown()
        self.serving.shutdown()
        self._server.shutdown()
        self._server.server_close()
