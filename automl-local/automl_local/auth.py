"""Who may talk to the server: loopback by default; beyond it, only requests signed with its key.

A non-loopback ``--host`` needs ``--allow-remote`` and credentials. With credentials, every request
(but the health check) must carry an AWS Signature Version 4 for them, in the Authorization header
or a presigned URL's query. The signature is recomputed with botocore's own signers over the
request as received, so what a real AWS client signs is what is checked; failures are refused as
AWS refuses them (JSON protocol: UnrecognizedClientException, InvalidSignatureException,
MissingAuthenticationTokenException; S3: InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from automl_local.errors import Refusal, show

ACCESS_KEY_ENV = "AUTOML_LOCAL_ACCESS_KEY_ID"
SECRET_KEY_ENV = "AUTOML_LOCAL_SECRET_ACCESS_KEY"
ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)  # what AWS allows
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
UNSIGNED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")  # S3 forms: not a hash of the body


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)


# -- where the server listens -----------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback one (127.0.0.0/8, ::1)."""
    if host in ("", "0.0.0.0", "::"):
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in found)


def is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def connect_host(bound: str) -> str:
    """The address a client on this machine uses for a server bound to ``bound``."""
    if bound in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bound == "::":
        return "::1"
    return bound


def check_exposure(host: str, allow_remote: bool, credentials: Credentials | None) -> None:
    """ValueError saying why and how when ``host`` would expose the server without an opt-in."""
    if is_loopback(host):
        return
    shown = host or "''"
    if not allow_remote:
        raise ValueError(
            f"--host {shown} is not a loopback address: the server (which runs training jobs and "
            "stores whatever is uploaded) would be reachable from the network. Serve on 127.0.0.1, "
            "or pass --allow-remote to opt in; every request must then be signed with "
            f"--access-key-id/--secret-access-key (or {ACCESS_KEY_ENV}/{SECRET_KEY_ENV})."
        )
    if credentials is None:
        raise ValueError(
            f"--allow-remote needs credentials: set {ACCESS_KEY_ENV} and {SECRET_KEY_ENV} (or "
            "--access-key-id and --secret-access-key); clients must sign every request with them."
        )


def exposure_warning(bound: str, port: int, *, tls: bool = False) -> str | None:
    """The warning printed under the ready line when the server listens beyond loopback."""
    if is_loopback(bound):
        return None
    if is_wildcard(bound):
        where = f"on every network interface of this machine (port {port})"
    else:
        where = f"at {url_host(bound)}:{port}"
    text = (
        f"WARNING: the server is reachable from the network {where}; only requests signed with "
        "the configured access key are answered."
    )
    if not tls:
        text += " Without --tls-cert/--tls-key, data, models and predictions cross the network in the clear."
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("network and credentials")
    group.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (0.0.0.0, a LAN address); requires credentials",
    )
    group.add_argument(
        "--access-key-id",
        default=None,
        help=f"clients must sign every request with this key (env {ACCESS_KEY_ENV}); "
        "checked whenever set, required with --allow-remote",
    )
    group.add_argument(
        "--secret-access-key",
        default=None,
        help=f"the key's secret (env {SECRET_KEY_ENV}; prefer the env, flags show in ps)",
    )


def credentials_from(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> Credentials | None:
    env = os.environ if environ is None else environ
    key = args.access_key_id or env.get(ACCESS_KEY_ENV) or None
    secret = args.secret_access_key or env.get(SECRET_KEY_ENV) or None
    if key is None and secret is None:
        return None
    if key is None or secret is None:
        raise ValueError(
            "give both an access key id and a secret access key "
            f"(--access-key-id/--secret-access-key or {ACCESS_KEY_ENV}/{SECRET_KEY_ENV}), or neither"
        )
    return Credentials(key, secret)


# -- refusals, as AWS answers them ------------------------------------------------------------------
def missing() -> Refusal:
    return Refusal(
        403,
        "MissingAuthenticationTokenException",
        "AccessDenied",
        "Missing Authentication Token",
        s3_message="Access Denied",
    )


def unknown_key(key: str) -> Refusal:
    return Refusal(
        403,
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "The security token included in the request is invalid.",
        s3_message=f"The AWS Access Key Id you provided does not exist in our records: {show(key, 64)}.",
    )


def bad_signature() -> Refusal:
    return Refusal(
        403,
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your "
        "AWS Secret Access Key and signing method.",
    )


def malformed(why: str) -> Refusal:
    return Refusal(400, "IncompleteSignatureException", "AuthorizationHeaderMalformed", why)


def too_skewed(stamp: str, now: datetime) -> Refusal:
    return Refusal(
        403,
        "InvalidSignatureException",
        "RequestTimeTooSkewed",
        f"Signature expired: {stamp} is more than 15 minutes away from the server time "
        f"{now.strftime(AMZ_DATE)}.",
        s3_message=f"The difference between the request time ({stamp}) and the current time "
        f"({now.strftime(AMZ_DATE)}) is too large.",
    )


# -- verifying a signature --------------------------------------------------------------------------
@dataclass(frozen=True)
class Signed:
    """What a request claims about its signature."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # X-Amz-Date form (SigV2: the Expires epoch seconds)
    presigned: bool
    version: int = 4  # 2: a SigV2 presigned S3 URL (boto3's default for S3 in us-east-1)


def _environ_header(environ: Mapping[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = f"HTTP_{key}"
    value = environ.get(key)
    return None if value is None else str(value)


def _query_pairs(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    raw = str(environ.get("QUERY_STRING") or "")
    pairs = []
    for item in raw.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def _timestamp(stamp: str) -> datetime:
    return datetime.strptime(stamp, AMZ_DATE).replace(tzinfo=timezone.utc)


@functools.cache
def _signer_class(s3: bool, presigned: bool) -> Any:
    """botocore's signer for the request's kind, signing exactly the headers the client listed."""
    from botocore import auth
    from botocore.compat import HTTPHeaders

    base = {
        (False, False): auth.SigV4Auth,
        (True, False): auth.S3SigV4Auth,
        (False, True): auth.SigV4QueryAuth,
        (True, True): auth.S3SigV4QueryAuth,
    }[(s3, presigned)]

    class Verifier(base):  # type: ignore[misc, valid-type]
        def headers_to_sign(self, request: Any) -> Any:
            headers = HTTPHeaders()
            for name in request.context["signed_headers"]:
                headers[name] = request.headers.get(name, "")
            return headers

    return Verifier


class SigV4Verifier:
    """Checks that a request was signed (SigV4, header or presigned URL) with the one configured key."""

    def __init__(self, credentials: Credentials, *, clock: Any = None) -> None:
        self.credentials = credentials
        self._now = clock or (lambda: datetime.now(timezone.utc))

    def parse(self, environ: Mapping[str, Any]) -> Signed:
        """The claimed signature; Refusal when there is none, it is malformed, stale or for another key."""
        header = str(environ.get("HTTP_AUTHORIZATION") or "")
        query = dict(_query_pairs(environ))
        if header:
            signed = self._from_header(header, environ)
        elif "X-Amz-Signature" in query or "X-Amz-Credential" in query:
            signed = self._from_query(query)
        elif "Signature" in query and "AWSAccessKeyId" in query:
            signed = self._from_v2_query(query)
        else:
            raise missing()
        if not hmac.compare_digest(signed.access_key.encode(), self.credentials.access_key_id.encode()):
            raise unknown_key(signed.access_key)
        return signed

    def _from_header(self, header: str, environ: Mapping[str, Any]) -> Signed:
        algorithm, _, rest = header.strip().partition(" ")
        if algorithm != ALGORITHM:
            raise (
                _sigv2()
                if algorithm == "AWS"
                else malformed(f"Unsupported authorization type {show(algorithm, 40)}; use {ALGORITHM}.")
            )
        parts: dict[str, str] = {}
        for item in rest.split(","):
            name, _, value = item.strip().partition("=")
            parts[name] = value
        try:
            credential, names, signature = parts["Credential"], parts["SignedHeaders"], parts["Signature"]
        except KeyError as err:
            raise malformed(f"Authorization header requires '{err.args[0]}' parameter.") from None
        stamp = _environ_header(environ, "x-amz-date")
        if stamp is None and _environ_header(environ, "date"):
            try:
                stamp = parsedate_to_datetime(str(_environ_header(environ, "date"))).strftime(AMZ_DATE)
            except (TypeError, ValueError):
                stamp = None
        if stamp is None:
            raise malformed(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
            )
        signed = self._signed(credential, names, signature, stamp, presigned=False)
        now = self._now()
        if abs(now - _timestamp(signed.timestamp)) > MAX_CLOCK_SKEW:
            raise too_skewed(signed.timestamp, now)
        return signed

    def _from_query(self, query: dict[str, str]) -> Signed:
        missing_params = [
            name
            for name in (
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature",
            )
            if name not in query
        ]
        if missing_params or query["X-Amz-Algorithm"] != ALGORITHM:
            raise _query_error(
                f"Query-string authentication version 4 requires the X-Amz-Algorithm ({ALGORITHM}), "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires "
                f"parameters; missing or wrong: {', '.join(missing_params) or 'X-Amz-Algorithm'}."
            )
        signed = self._signed(
            query["X-Amz-Credential"],
            query["X-Amz-SignedHeaders"],
            query["X-Amz-Signature"],
            query["X-Amz-Date"],
            presigned=True,
        )
        try:
            expires = int(query["X-Amz-Expires"])
        except ValueError:
            expires = -1
        if not 0 < expires <= MAX_PRESIGN_SECONDS:
            raise _query_error(f"X-Amz-Expires must be between 1 and {MAX_PRESIGN_SECONDS} seconds.")
        now, start = self._now(), _timestamp(signed.timestamp)
        if now > start + timedelta(seconds=expires):
            raise Refusal(403, "InvalidSignatureException", "AccessDenied", "Request has expired")
        if start - now > MAX_CLOCK_SKEW:
            raise Refusal(403, "InvalidSignatureException", "AccessDenied", "Request is not valid yet")
        return signed

    def _from_v2_query(self, query: dict[str, str]) -> Signed:
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            raise Refusal(
                403,
                "IncompleteSignatureException",
                "AccessDenied",
                "Query-string authentication requires Expires.",
            ) from None
        if self._now().timestamp() > expires:
            raise Refusal(403, "InvalidSignatureException", "AccessDenied", "Request has expired")
        return Signed(
            access_key=query["AWSAccessKeyId"],
            date="",
            region="",
            service="s3",
            signed_headers=(),
            signature=query["Signature"],
            timestamp=str(expires),
            presigned=True,
            version=2,
        )

    @staticmethod
    def _signed(credential: str, names: str, signature: str, stamp: str, *, presigned: bool) -> Signed:
        scope = credential.split("/")
        if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
            raise malformed(
                f"Credential {show(credential, 120)} is not of the form "
                "<access key>/<YYYYMMDD>/<region>/<service>/aws4_request."
            )
        try:
            _timestamp(stamp)
        except ValueError:
            raise malformed(f"X-Amz-Date {show(stamp, 40)} is not of the form YYYYMMDDTHHMMSSZ.") from None
        headers = tuple(name.strip().lower() for name in names.split(";") if name.strip())
        if "host" not in headers:
            raise malformed("SignedHeaders must include 'host'.")
        return Signed(
            access_key=scope[0],
            date=scope[1],
            region=scope[2],
            service=scope[3],
            signed_headers=headers,
            signature=signature.strip(),
            timestamp=stamp,
            presigned=presigned,
        )

    def verify(self, signed: Signed, environ: Mapping[str, Any], body: bytes | None) -> None:
        """Refusal unless the signature is the one the configured secret gives for this request.

        ``body`` is the request body when it was read (API calls); S3 requests are checked against
        their X-Amz-Content-SHA256 header (which covers UNSIGNED-PAYLOAD and aws-chunked uploads).
        """
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials as BotoCredentials

        if signed.version == 2:
            return self._verify_v2(signed, environ)
        s3 = signed.service == "s3"
        content_sha = _environ_header(environ, "x-amz-content-sha256")
        if content_sha is None and s3 and not signed.presigned:
            raise Refusal(
                400,
                "IncompleteSignatureException",
                "InvalidRequest",
                "Missing required header for this request: x-amz-content-sha256",
            )
        hashed = content_sha is not None and not content_sha.startswith(UNSIGNED_PAYLOADS)
        if hashed and body is not None and str(content_sha).lower() != hashlib.sha256(body).hexdigest():
            raise Refusal(
                400,
                "InvalidSignatureException",
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        raw_path = urlsplit(str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "/")).path or "/"
        if not raw_path.startswith("/"):
            raw_path = quote(str(environ.get("PATH_INFO") or "/"))
        host = _environ_header(environ, "host") or ""
        url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{raw_path}"
        headers = {name: _environ_header(environ, name) or "" for name in signed.signed_headers}
        if content_sha is not None:
            headers["X-Amz-Content-SHA256"] = content_sha
        params = [
            (k, v) for k, v in _query_pairs(environ) if not (signed.presigned and k == "X-Amz-Signature")
        ]
        request = AWSRequest(
            method=str(environ.get("REQUEST_METHOD", "GET")),
            url=url,
            headers=headers,
            data=body or b"",
            params=params,
        )
        request.context["timestamp"] = signed.timestamp
        request.context["signed_headers"] = signed.signed_headers
        signer = _signer_class(s3, signed.presigned)(
            BotoCredentials(self.credentials.access_key_id, self.credentials.secret_access_key),
            signed.service,
            signed.region,
        )
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected.encode(), signed.signature.encode()):
            raise bad_signature()

    def _verify_v2(self, signed: Signed, environ: Mapping[str, Any]) -> None:
        """A SigV2 presigned URL: HMAC-SHA1 over method, Content-MD5/-Type, Expires, x-amz-*, resource."""
        from botocore.auth import HmacV1QueryAuth
        from botocore.compat import HTTPHeaders
        from botocore.credentials import Credentials as BotoCredentials

        class Verifier(HmacV1QueryAuth):  # type: ignore[misc]
            def _get_date(self) -> str:
                return signed.timestamp  # the URL's Expires stands where a Date would

        headers = HTTPHeaders()
        for name in ("content-md5", "content-type"):
            value = _environ_header(environ, name)
            if value:
                headers[name] = value
        for key, value in _query_pairs(environ):
            if key.lower().startswith("x-amz-"):
                headers[key.lower()] = value
        raw = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "/")
        verifier = Verifier(
            BotoCredentials(self.credentials.access_key_id, self.credentials.secret_access_key)
        )
        expected = verifier.sign_string(
            verifier.canonical_string(str(environ.get("REQUEST_METHOD", "GET")), urlsplit(raw), headers)
        )
        if not hmac.compare_digest(expected.encode(), signed.signature.encode()):
            raise bad_signature()


def _sigv2() -> Refusal:
    return Refusal(
        400,
        "IncompleteSignatureException",
        "InvalidRequest",
        f"The authorization mechanism you have provided is not supported. Please use {ALGORITHM}.",
    )


def _query_error(message: str) -> Refusal:
    return Refusal(400, "IncompleteSignatureException", "AuthorizationQueryParametersError", message)
