"""Real processes for the reliability tests: a Redis server of the test's own and Celery workers."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database, for a process outside this one."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout=30.0, interval=0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


class RedisServer:
    """A throw-away redis-server on a free port, which a test can stop and start again."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        assert wait_for(up, timeout=10), "redis-server did not start"

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Worker:
    """`celery -A portal worker` against the test database and a given broker."""

    def __init__(self, broker_url, *, queue="celery,notifications", env=None):
        self.broker_url, self.queue, self.extra_env = broker_url, queue, env or {}
        self.process = None

    def start(self):
        env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": self.broker_url, **self.extra_env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--queues", self.queue,
             "--hostname", f"{self.queue.replace(',', '-')}-{os.getpid()}-{time.monotonic_ns()}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def output(self) -> str:
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.communicate(timeout=15)[0].decode(errors="replace")

    def kill(self):
        """SIGKILL: the worker gets no chance to finish, acknowledge or roll back by itself."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def use_broker(app, url):
    """Point this process's Celery app at another broker (connection pools included)."""
    previous = app.conf.broker_url
    app.conf.broker_url = url
    app.conf.broker_write_url = url
    app.conf.broker_read_url = url
    # Drop (do not close) the pools: kombu keeps closed ones in a global registry, and a later
    # publish to the same broker would find "Acquire on closed pool".
    app._pool = None
    app.amqp._producer_pool = None
    return previous
