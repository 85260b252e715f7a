"""HTTPS: ``--tls-cert`` / ``--tls-key`` serve the backend over TLS (1.2 or newer).

Beyond loopback (``--allow-remote``) signatures stop forged requests, but without TLS the training
data, models and predictions cross the network in the clear. With a certificate the server answers
HTTPS only; clients point ``endpoint_url`` at ``https://...`` and trust the certificate (boto3
``verify=<ca bundle>``, ``AWS_CA_BUNDLE``, or the Airflow connection's ``verify`` extra).

The handshake runs on the connection's own thread, under the socket timeout, never in the accept
loop: a client that connects and never says hello holds one connection slot for at most
``--request-timeout``, and blocks nobody else.
"""

from __future__ import annotations

import argparse
import os
import ssl
from collections.abc import Mapping
from pathlib import Path

CERT_ENV = "AUTOML_LOCAL_TLS_CERT"
KEY_ENV = "AUTOML_LOCAL_TLS_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TLS (HTTPS)")
    group.add_argument(
        "--tls-cert",
        type=Path,
        default=None,
        metavar="PEM",
        help=f"certificate chain to serve HTTPS with (env {CERT_ENV}); needs --tls-key",
    )
    group.add_argument(
        "--tls-key", type=Path, default=None, metavar="PEM", help=f"its private key (env {KEY_ENV})"
    )


def context_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> ssl.SSLContext | None:
    """The server's TLS context from the flags (else the environment); None for plain HTTP.

    ValueError names the flag and says what is wrong: one of the two missing, a file that cannot be
    read, a key that does not match the certificate.
    """
    env = os.environ if environ is None else environ
    cert = args.tls_cert or (Path(env[CERT_ENV]) if env.get(CERT_ENV) else None)
    key = args.tls_key or (Path(env[KEY_ENV]) if env.get(KEY_ENV) else None)
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ValueError(
            f"give both --tls-cert and --tls-key (or {CERT_ENV} and {KEY_ENV}) to serve HTTPS, or neither"
        )
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise ValueError(f"{flag} {path}: no such file")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (ssl.SSLError, OSError) as err:
        raise ValueError(
            f"--tls-cert {cert} / --tls-key {key}: not a PEM certificate chain and its matching "
            f"private key ({err})"
        ) from None
    return context


__all__ = ["CERT_ENV", "KEY_ENV", "add_arguments", "context_from"]
