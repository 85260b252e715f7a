"""The backend's artifact signing key: 32 random bytes in ``<data-dir>/signing.key``, owner-only.

Every model.tar.gz the backend writes carries an HMAC-SHA256 made with this key, and nothing is
unpickled unless its HMAC checks out: S3 accepts uploads from any client, the key never leaves the
data dir, so a client cannot make the backend (or ``automl-local predict``) run bytes it wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_FILE = "signing.key"
KEY_BYTES = 32
_DOMAIN = b"automl-local artifact v1\x00"  # a signature made for something else never verifies here
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class SigningKeyError(Exception):
    """The key file is missing (when it must exist), unreadable, too open or not a key we wrote."""


class SigningKey:
    """Signs and verifies byte strings; its secret never appears in a repr or a log line."""

    __slots__ = ("_secret", "path")

    def __init__(self, secret: bytes, path: Path) -> None:
        if len(secret) != KEY_BYTES:
            raise SigningKeyError(f"a signing key has {KEY_BYTES} bytes, not {len(secret)}")
        self._secret = secret
        self.path = path

    def __repr__(self) -> str:
        return f"SigningKey(path={str(self.path)!r})"

    def sign(self, *parts: bytes) -> str:
        mac = hmac.new(self._secret, _DOMAIN, hashlib.sha256)
        for part in parts:  # length-prefixed, so moving bytes from one part to the next changes the MAC
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.hexdigest()

    def verify(self, signature: object, *parts: bytes) -> bool:
        return isinstance(signature, str) and hmac.compare_digest(signature, self.sign(*parts))


def _check(path: Path, fd: int) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise SigningKeyError(f"{path} is not a regular file; remove it so the backend can create its key")
    if os.name == "posix" and info.st_mode & 0o077:
        raise SigningKeyError(
            f"{path} has mode {stat.S_IMODE(info.st_mode):04o}; the signing key must be readable and "
            f"writable by its owner only (run: chmod 600 {path})"
        )
    if info.st_size != KEY_BYTES:
        raise SigningKeyError(
            f"{path} holds {info.st_size} bytes, not {KEY_BYTES}: it is not a key this backend wrote. "
            "Remove it to create a new key (artifacts signed with the old key will then be refused)."
        )
    secret = os.read(fd, KEY_BYTES + 1)
    if len(secret) != KEY_BYTES:
        raise SigningKeyError(f"{path} could not be read whole")
    return secret


def load_key(data_dir: Path) -> SigningKey:
    """The key of the backend whose data dir is ``data_dir``; it must exist already."""
    path = Path(data_dir) / KEY_FILE
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        raise SigningKeyError(
            f"no signing key at {path}: --data-dir must be the data dir of the backend that trained "
            "the job (it creates the key when it starts)"
        ) from None
    except OSError as err:
        raise SigningKeyError(f"cannot open the signing key {path}: {err.strerror}") from None
    try:
        return SigningKey(_check(path, fd), path)
    finally:
        os.close(fd)


def load_or_create_key(data_dir: Path) -> SigningKey:
    """The data dir's key, created on first start (owner-only from the first byte, never half-written)."""
    path = Path(data_dir) / KEY_FILE
    if os.path.lexists(path):
        return load_key(data_dir)
    # Written under a unique name, then linked into place: link() fails if another process won the race,
    # and nobody ever reads a key file that is still being written.
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_new(tmp)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process created it first: use theirs
    except OSError:  # a file system without hard links: create it in place, still exclusively
        with contextlib.suppress(FileExistsError):
            _write_new(path)
    finally:
        os.unlink(tmp)
    return load_key(data_dir)


def _write_new(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
