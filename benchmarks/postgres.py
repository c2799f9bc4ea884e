"""A real PostgreSQL server for the tests and the benchmarks: Debian's `postgresql`
binaries, a cluster in a temporary folder, run as a non-root user (the `postgres` user
Debian makes, when this runs as root), on a free port of 127.0.0.1, trust
authentication. The tests make a fresh database for each test."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.server import free_port

USER = "policybot"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl (the newest PostgreSQL installed), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))  # fmt: skip
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Server:
    port: int
    folder: Path
    bin_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1"
                   f" -c unix_socket_directories={self.folder}"
                   " -c fsync=off -c full_page_writes=off -c max_connections=300")  # fmt: skip
        subprocess.run(_as_owner([
            str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"),
            "-l", str(self.folder / "log"), "-o", options, "-w", "-t", "60", "start",
        ]), check=True, capture_output=True, timeout=120)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_owner([
            str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", mode,
            "-w", "stop",
        ]), capture_output=True, timeout=60)  # fmt: skip


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def running(bin_dir: Path) -> Iterator[Server]:
    """A cluster started for the tests and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="policybot-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = free_port()
    subprocess.run(_as_owner([
        str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
        "--no-locale", "--no-sync",
    ]), check=True, capture_output=True, timeout=120)  # fmt: skip
    server = Server(port, folder, bin_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
