"""A throwaway PostgreSQL cluster for the system tests: initdb in a temporary directory, a free
loopback port, stopped and deleted when the test ends.

PostgreSQL refuses to run as root, so under root the cluster directory belongs to the ``postgres``
user and every server command runs through ``runuser``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from automl_local.process import free_port

DATABASE = "airflow"
USER = "airflow"


def find_bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: PATH first, then Debian's versioned layout."""
    initdb = shutil.which("initdb")
    candidates = [Path(initdb).resolve().parent] if initdb else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def _server_user() -> str | None:
    """The account that runs the server: ``postgres`` under root, else the current user (None)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


class PostgresCluster:
    """``initdb`` + ``pg_ctl start`` on 127.0.0.1; ``url`` is the SQLAlchemy URL for Airflow."""

    def __init__(self, *, bin_dir: Path, max_connections: int = 300) -> None:
        self.bin_dir = bin_dir
        self.max_connections = max_connections
        self.user = _server_user()
        if os.geteuid() == 0 and self.user is None:
            raise RuntimeError("running as root but there is no 'postgres' user to run the server as")
        self.root = Path(tempfile.mkdtemp(prefix="automl-system-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.port = free_port()
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={DATABASE} user={USER}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        # cwd: the server user may not be able to read the test's working directory.
        result = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )
        return result

    def start(self) -> PostgresCluster:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        # trust on loopback only: a throwaway cluster that lives as long as one test.
        self._run("initdb", "-D", str(self.data_dir), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            f"-c max_connections={self.max_connections} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "start")
        self.started = True
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        return self

    @property
    def pid(self) -> int:
        """The postmaster's pid (first line of postmaster.pid)."""
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", timeout=60)
                self.started = False
        finally:
            if not self.started:
                shutil.rmtree(self.root, ignore_errors=True)
