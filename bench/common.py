"""What the benchmarks share: their databases, the machine they ran on, a free port, made-up cells."""

import os
import platform
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _admin(url):
    """A connection to the server of `url` (database `postgres`) and the database name, which must
    start with `bench`: the benchmarks drop and create it."""
    import psycopg2

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop or create {name!r}: a benchmark database's name starts with 'bench'")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    return admin, name


def create_database(url, *, reuse=False) -> bool:
    """Drop and create the database of `url`; with `reuse`, keep it if it exists. True if created."""
    admin, name = _admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if reuse and cursor.fetchone() is not None:
                return False
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        admin.close()


def drop_database(url):
    admin, name = _admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}"


def decided_cell(rng, number):
    """(mark, legal source, remarks) of a made-up cell, or None for a blank one: about 55% X with a
    law, 15% ? with a decree, 5% NA with a reason, 25% blank."""
    draw = rng.random()
    if draw < 0.55:
        return "X", f"Law No. {rng.randint(1, 99)} of {rng.randint(1990, 2024)}, art. {number}", ""
    if draw < 0.70:
        return "?", f"Decree {rng.randint(1, 500)}/{rng.randint(2000, 2024)}", "partial"
    if draw < 0.75:
        return "NA", "", "No such industry in the State"
    return None
