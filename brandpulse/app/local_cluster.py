"""A throwaway PostgreSQL cluster for tests and the bench: initdb into a temp dir, loopback.

PostgreSQL refuses to run as root, so as root the server commands run through
`runuser -u postgres --` in a directory owned by `postgres`. The port is asked from the
OS (port 0) and the server listens on 127.0.0.1 only; fsync is off (throwaway data).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin"))
PASSWORD = "bp-local-secret"


class PostgresNotInstalled(RuntimeError):
    """No PostgreSQL server binaries (Debian's `postgresql` package provides them)."""


def pg_bin() -> Path:
    for folder in PG_BIN_DIRS:
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresNotInstalled(
        "PostgreSQL server binaries not found: apt-get install -y postgresql (.ci/run does it)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalCluster:
    root: Path
    port: int
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *args], check=check, capture_output=True, text=True, cwd=self.root
        )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-m",
            mode,
            "-w",
            "stop",
            check=False,
        )

    def create_database(self, name: str) -> str:
        """Create database `name` (a code-chosen identifier) and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> LocalCluster:
    """initdb (password auth on 127.0.0.1) and start a fresh cluster in a new temp dir."""
    bin_dir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="bp-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    root.chmod(0o700)
    cluster = LocalCluster(root, _free_port(), bin_dir)
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    cluster._run(
        str(bin_dir / "initdb"),
        "-D",
        str(cluster.data_dir),
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={pwfile}",
    )
    cluster.start()
    return cluster
