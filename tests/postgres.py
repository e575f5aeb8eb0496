"""A real PostgreSQL server for tests, from the system package (initdb + pg_ctl).

PostgreSQL refuses to run as root; as root, the server runs as the unprivileged
`postgres` system user (runuser), in a folder that user owns. It listens on
127.0.0.1 only, on a free port, with password authentication.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.ports import free_port

SERVICE_USER = "postgres"
START_TIMEOUT = 60


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl, newest version first; None when not installed."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    return Path(found[0]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parts[-3])
    except ValueError:
        return 0.0


@dataclass
class PostgresServer:
    """A running server: connect with `url(db)`; `stop()` ends it and removes its files."""

    host: str
    port: int
    user: str
    password: str
    folder: Path
    _command_prefix: list[str] = field(default_factory=list, repr=False)
    _bin: Path = field(default=Path(), repr=False)

    def url(self, db: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{db}"

    def dagster_env(self, db: str) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads to reach database `db` of this server."""
        return {
            "DAGSTER_POSTGRES_HOST": self.host,
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": self.user,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_DB": db,
        }

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Run SQL through psql (as the test user); return its output."""
        psql = self._bin / "psql"
        command = [str(psql if psql.exists() else "psql"), "-v", "ON_ERROR_STOP=1", "-qAt"]
        command += ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", db, "-c", sql]
        env = {**os.environ, "PGPASSWORD": self.password}
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode:
            msg = f"psql failed: {result.stderr.strip()}"
            raise RuntimeError(msg)
        return result.stdout

    def stop(self) -> None:
        data = self.folder / "data"
        subprocess.run(
            [
                *self._command_prefix,
                str(self._bin / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(folder: Path) -> PostgresServer:
    """Initialize and start a server with its files under `folder` (created here).

    As root, the files go to a fresh folder the `postgres` user owns instead (a root-owned
    test folder is not reachable for it); `folder` then only names its parent's prefix.
    """
    binaries = postgres_bin()
    if binaries is None:
        msg = "PostgreSQL is not installed (apt-get install -y postgresql)"
        raise RuntimeError(msg)
    prefix: list[str] = []
    if os.geteuid() == 0:
        folder = Path(tempfile.mkdtemp(prefix="polster-postgres-"))
        shutil.chown(folder, SERVICE_USER, SERVICE_USER)
        prefix = ["runuser", "-u", SERVICE_USER, "--"]
    else:
        folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    password_file = folder / "password"
    password_file.write_text(password)
    if prefix:
        shutil.chown(password_file, SERVICE_USER, SERVICE_USER)
    server = PostgresServer("127.0.0.1", free_port(), "polster", password, folder, prefix, binaries)
    data, log = folder / "data", folder / "server.log"
    subprocess.run(
        [
            *prefix,
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            server.user,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    options = f"-h {server.host} -p {server.port} -k {folder}"
    started = subprocess.run(
        [
            *prefix,
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT),
            "start",
        ],
        capture_output=True,
        check=False,
        text=True,
    )
    if started.returncode:
        text = log.read_text() if log.exists() else started.stderr
        shutil.rmtree(folder, ignore_errors=True)
        msg = f"PostgreSQL did not start: {text[-2000:]}"
        raise RuntimeError(msg)
    return server
