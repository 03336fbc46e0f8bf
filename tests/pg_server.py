"""A throwaway PostgreSQL server for the tests, the one place both CI (``.ci/run``) and developers start it.

    python -m tests.pg_server start DIR    initdb + start in DIR (created if missing); prints the URL
    python -m tests.pg_server stop DIR     stop the server in DIR (if any) and remove DIR
    python -m tests.pg_server run -- CMD…  start one in a temp dir, run CMD with AIRETRO_TEST_POSTGRES set, stop it

The server listens on 127.0.0.1 only, on a free port, trusts every local connection (user ``postgres``, no
password) and trades durability for speed (fsync off): it holds nothing worth keeping. Debian's binaries
(``/usr/lib/postgresql/<version>/bin``, the newest) refuse to run as root, so as root they run as the
``postgres`` user in a directory it owns. Without binaries, as root under ``CI=true``, ``apt-get install
postgresql`` fetches them. Standard library only: it runs before (and without) the project's dependencies.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ENV = "AIRETRO_TEST_POSTGRES"
USER = "postgres"
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",  # a throwaway server: nothing survives it, so nothing needs to reach the disk
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",  # every test engine pools a few; scheduler and web subprocesses add theirs
}


class Unavailable(Exception):
    """No PostgreSQL server could be started; the message says why, in one line."""


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin directory, else ``pg_config --bindir``, else ``initdb`` on PATH."""
    debian = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if Path(d, "initdb").exists()]
    if debian:
        return Path(max(debian, key=_version_key))
    if shutil.which("pg_config"):
        try:
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout
            if Path(bindir.strip(), "initdb").exists():
                return Path(bindir.strip())
        except (OSError, subprocess.CalledProcessError):
            pass
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _install() -> None:
    """As root under CI: Debian's postgresql package (update the package lists first)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def bindir_or_install() -> Path:
    bindir = find_bindir()
    if bindir is None and _as_root() and os.environ.get("CI") == "true" and shutil.which("apt-get"):
        try:
            _install()
        except (OSError, subprocess.CalledProcessError) as exc:
            raise Unavailable(f"apt-get install postgresql failed: {exc}") from None
        bindir = find_bindir()
    if bindir is None:
        raise Unavailable("no PostgreSQL binaries (initdb, pg_ctl) found: install Debian's postgresql package")
    return bindir


def _run_pg(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A PostgreSQL binary, as the ``postgres`` user when we are root (the binaries refuse root)."""
    if _as_root():
        argv = ["runuser", "-u", USER, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_for(port: int, database: str = "postgres") -> str:
    return f"postgresql+psycopg://{USER}@127.0.0.1:{port}/{database}"


def start(directory: Path) -> str:
    """Initialise a cluster in ``directory`` and start it; returns its URL. Raises ``Unavailable``."""
    bindir = bindir_or_install()
    directory.mkdir(parents=True, exist_ok=True)
    if _as_root():
        shutil.chown(directory, USER, USER)
    data = directory / "data"
    made = _run_pg([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8",
                    "--locale=C", "--no-sync"])  # fmt: skip
    if made.returncode != 0:
        raise Unavailable(f"initdb failed: {_last_line(made)}")
    for _attempt in range(3):  # a free port can be taken between probing and listening: try another
        port = _free_port()
        options = " ".join([f"-p {port}", f"-k {directory}", *(f"-c {k}={v}" for k, v in SETTINGS.items())])
        started = _run_pg([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(directory / "log"),
                           "-w", "-t", "60", "start"])  # fmt: skip
        if started.returncode == 0:
            (directory / "port").write_text(str(port))
            return url_for(port)
    log = directory / "log"
    tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
    raise Unavailable(f"pg_ctl start failed: {tail[0] if tail else _last_line(started)}")


def stop(directory: Path) -> None:
    """Stop the server in ``directory`` if one runs there, and remove the directory (never fails)."""
    data = directory / "data"
    if (data / "postmaster.pid").exists():
        bindir = find_bindir()
        if bindir is not None:
            _run_pg([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop"])
    shutil.rmtree(directory, ignore_errors=True)


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = (result.stderr or result.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


def run(command: list[str]) -> int:
    """Run ``command`` with a throwaway server's URL in ``AIRETRO_TEST_POSTGRES``; stop it whatever happens."""
    directory = Path(tempfile.mkdtemp(prefix="airetro-pg-"))

    def _terminated(signum, _frame) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminated)
    try:
        url = start(directory)
        print(f"PostgreSQL for the tests: {url}", file=sys.stderr)
        return subprocess.call(command, env={**os.environ, ENV: url})
    except Unavailable as exc:
        print(f"PostgreSQL not available: {exc}", file=sys.stderr)
        return 2
    finally:
        stop(directory)


def main(argv: list[str]) -> int:
    usage = "usage: python -m tests.pg_server start DIR | stop DIR | run -- COMMAND [ARG…]"
    if len(argv) == 2 and argv[0] in ("start", "stop"):
        directory = Path(argv[1]).resolve()
        if argv[0] == "stop":
            stop(directory)
            return 0
        try:
            print(start(directory))
        except Unavailable as exc:
            print(f"PostgreSQL not available: {exc}", file=sys.stderr)
            return 2
        return 0
    if argv[:1] == ["run"]:
        command = argv[2:] if argv[1:2] == ["--"] else argv[1:]
        if command:
            return run(command)
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
