#!/usr/bin/env python
"""Assistance routing and claims, measured: commit-to-routed latency, routing throughput, claim contention.

Not a test: a script that builds its own PostgreSQL database, starts its own redis-server, one Celery
worker and gunicorn on 127.0.0.1, drives them through `assistance.services` and the REST API, checks
that nothing was lost or done twice, prints a summary table and stops everything it started.
See bench/README.md.

    .venv/bin/python bench/assistance.py                                   # everything, both workers
    .venv/bin/python bench/assistance.py --phases latency,throughput,profile   # routing only
    .venv/bin/python bench/assistance.py --phases claims                   # claim contention only
    .venv/bin/python bench/assistance.py --workers default --phases latency,throughput
    .venv/bin/python bench/assistance.py --throughput 200 --claim-requests 20   # a quick look

Exit status: 0 all targets met, 1 a check failed (a request lost, routed twice, a wrong claim answer),
2 a target missed.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, create_database, drop_database, free_port, machine, manage

PYTHON = sys.executable
TARGET_P95_MS = 250
TARGET_THROUGHPUT_S = 10.0
PHASES = ["latency", "throughput", "profile", "claims"]
SOLO = ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
# How a worker is started: as the reliability tests run it (solo pool), and as a plain
# `celery -A portal worker` (prefork, one process per CPU). Both consume the routing and the notification queues.
WORKERS = {
    "solo": SOLO,
    "default": [],
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_assistance")
    parser.add_argument(
        "--redis-url", default="", help="use this Redis database (flushed!) instead of a redis-server of our own"
    )
    parser.add_argument(
        "--workers",
        default="solo,default",
        help=f"worker configurations to measure, in order, among {', '.join(WORKERS)}",
    )
    parser.add_argument("--phases", default=",".join(PHASES), help=f"what to measure, among {', '.join(PHASES)}")
    parser.add_argument(
        "--email-backend",
        default="locmem",
        choices=["locmem", "console"],
        help="how the worker 'sends' e-mail (console: through the worker's log, line by line)",
    )
    parser.add_argument("--latency-requests", type=int, default=100, help="requests submitted one at a time")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between two latency submissions")
    parser.add_argument("--throughput", type=int, default=1000, help="templates submitted in a burst")
    parser.add_argument("--claim-requests", type=int, default=200, help="requests claimed under contention")
    parser.add_argument("--claimers", type=int, default=32, help="concurrent provider clients per request")
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="gunicorn workers (the Procfile runs 3)")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per gunicorn worker (1 = sync)")
    parser.add_argument(
        "--history", type=int, default=2000, help="past claimed/delivered/closed requests that routing reads"
    )
    parser.add_argument("--no-email", action="store_true", help="providers without contact e-mail (no mail sent)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (printed path)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args()


STARTED = time.monotonic()


def log(message):
    print(f"[bench {time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


# ---------------------------------------------------------------------------------------------
# Database and processes


class Processes:
    """Every process the benchmark starts, each in its own session; stopped in reverse order."""

    def __init__(self):
        self.running = []

    def start(self, name, command, env, log_path):
        log_file = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process, log_file))
        return process

    def stop(self, process, timeout=20):
        for entry in list(self.running):
            if entry[1] is process:
                self.running.remove(entry)
                _terminate(process, timeout)
                entry[2].close()

    def stop_all(self):
        while self.running:
            self.stop(self.running[-1][1])


def _terminate(process, timeout):
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class CpuMeter:
    """CPU seconds of the worker's processes (from /proc), and what PostgreSQL counts for the database:
    sessions opened and time spent running statements (pg_stat_database, PostgreSQL 14+)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, worker_pgid):
        self.worker_pgid = worker_pgid
        self.first, self.last = {}, {}
        self.database_before = self._database()
        self.sample()

    @classmethod
    def _stat(cls, pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return int(fields[2]), (int(fields[11]) + int(fields[12])) / cls.TICK  # pgrp, utime + stime

    @staticmethod
    def _database():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT sessions, active_time FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()

    def sample(self):
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = self._stat(entry.name)
                if stat and stat[0] == self.worker_pgid:
                    self.first.setdefault(entry.name, stat[1])
                    self.last[entry.name] = stat[1]

    def totals(self):
        time.sleep(1.2)  # backends report their statistics at most every second
        after = self._database()
        return {
            "worker_cpu_s": sum(value - self.first[pid] for pid, value in self.last.items()),
            "sessions": after[0] - self.database_before[0],
            "statement_s": (after[1] - self.database_before[1]) / 1000,
        }


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def start_redis(processes, workdir):
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: install it or pass --redis-url")
    port = free_port()
    processes.start(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        os.environ.copy(),
        workdir / "redis.log",
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def up():
        try:
            return client.ping()
        except redis.RedisError:
            return False

    if not wait_for(up, 10):
        raise SystemExit("redis-server did not start")
    return f"redis://127.0.0.1:{port}/0"


def start_worker(processes, env, kind, workdir):
    command = [PYTHON, "-m", "celery", "-A", "portal", "worker", *WORKERS[kind], "--loglevel", "WARNING"]
    command += ["--hostname", f"bench-{kind}-{os.getpid()}@%h"]
    log(f"worker: {' '.join(command[2:])}")
    return processes.start(f"worker-{kind}", command, env, workdir / f"worker-{kind}.log")


def start_gunicorn(processes, env, args, port, workdir):
    command = [str(Path(PYTHON).with_name("gunicorn")), "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(args.gunicorn_workers), "--timeout", "30", "--log-level", "warning"]
    if args.gunicorn_threads > 1:
        command += ["--threads", str(args.gunicorn_threads)]
    log(f"gunicorn: {' '.join(command[1:])}")
    process = processes.start("gunicorn", command, env, workdir / "gunicorn.log")

    def up():
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}; see {workdir / 'gunicorn.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    if not wait_for(up, 30, 0.2):
        raise SystemExit("gunicorn did not answer /healthz within 30 s")
    return process


# ---------------------------------------------------------------------------------------------
# Data: officials, templates that some provider fits, requests through the services


class Fixture:
    def __init__(self, rng, with_email):
        from assistance.models import Offer, Provider
        from portal.accounts.models import User
        from states.models import State

        self.rng = rng
        providers = list(Provider.objects.filter(active=True).prefetch_related("areas"))
        if with_email:
            for provider in providers:
                if not provider.contact_email:
                    provider.contact_email = f"assistance@{provider.slug}.example.org"
                    provider.save(update_fields=["contact_email"])
        # Requests are matched to offers: a template is drawn among the (area, column) pairs that an
        # offer open to every State covers, so each request fits at least one provider.
        self.fits = {}  # (area code, column) -> providers with an unrestricted offer there
        offers = Offer.objects.current().select_related("provider")
        offers = offers.prefetch_related("areas", "eligible_regions", "eligible_organizations", "eligible_states")
        for offer in offers:
            if offer.eligible_regions.all() or offer.eligible_organizations.all() or offer.eligible_states.all():
                continue
            for area in offer.areas.all():
                for column in offer.columns:
                    self.fits.setdefault((area.code, column), set()).add(offer.provider.slug)
        self.combos = sorted(self.fits)
        self.slugs = sorted(p.slug for p in providers)
        states = list(State.objects.order_by("name"))
        chosen = rng.sample(states, min(24, len(states)))
        self.officials = [
            (
                state,
                User.objects.create(
                    username=f"bench-official-{state.iso3.lower()}", role="state_official", state=state
                ),
            )
            for state in chosen
        ]

    def template(self, number):
        from assistance.models import AssistanceType, Column

        rng = self.rng
        area, column = rng.choice(self.combos)
        columns = {column}
        if rng.random() < 0.3:
            columns.add(rng.choice(Column.values))
        data = {
            "area": area,
            "columns": sorted(columns),
            "assistance_type": rng.choice(AssistanceType.values),
            "title": f"Benchmark request {number}: {area.lower().replace('_', ' ')} for {'/'.join(sorted(columns))}",
            "needs": [
                {"description": f"Specific need {n + 1} of request {number}", "cells": []}
                for n in range(rng.randint(1, 3))
            ],
            "language": rng.choice(["en", "en", "fr", "es", "ar", "ru"]),
            "contact_person": "Benchmark Contact, Ministry of Foreign Affairs",
            "timeline": "within the year",
            "consent_to_publish": rng.random() < 0.5,
        }
        if rng.random() < 0.2:
            data["preferred_providers"] = [rng.choice(self.slugs)]
        return data

    @staticmethod
    def expected_matches(request):
        """How many providers routing will match: eligibility and fit do not change before it runs."""
        from assistance import services

        return len(services.candidates_for(request))

    def draft(self, number):
        from assistance import services

        state, official = self.officials[number % len(self.officials)]
        data = self.template(number)
        request = services.create(state, data, acting_user=official)
        return request, official, self.expected_matches(request)


def seed_history(count, rng):
    """Past requests (claimed, delivered, closed over 2.5 years) that routing reads for load and turnaround.

    Bulk-inserted as seed_demo would: history, not the path being measured."""
    from django.utils import timezone

    from assistance.models import AssistanceArea, AssistanceRequest, Provider
    from states.models import State

    if not count:
        return {}
    now = timezone.now()
    providers = list(Provider.objects.filter(active=True).prefetch_related("areas"))
    states = list(State.objects.all())
    areas = {area.pk: area for area in AssistanceArea.objects.all()}
    rows = []
    for number in range(count):
        provider = rng.choice(providers)
        area_ids = [area.pk for area in provider.areas.all()] or list(areas)
        submitted = now - datetime.timedelta(days=rng.uniform(1, 900))
        routed = submitted + datetime.timedelta(seconds=rng.uniform(0.05, 2))
        claimed = routed + datetime.timedelta(hours=rng.lognormvariate(3, 1.2))
        draw = rng.random()
        status = "claimed" if draw < 0.08 or claimed > now else ("delivered" if draw < 0.35 else "closed")
        delivered = claimed + datetime.timedelta(days=rng.uniform(10, 200)) if status != "claimed" else None
        if delivered and delivered > now:
            status, delivered = "claimed", None
        closed = delivered + datetime.timedelta(days=rng.uniform(1, 30)) if status == "closed" else None
        if closed and closed > now:
            status, closed = "delivered", None
        rows.append(
            AssistanceRequest(
                state=rng.choice(states),
                status=status,
                area_id=rng.choice(area_ids),
                columns=[rng.choice(provider.columns)],
                assistance_type="training",
                title=f"Past request {number}",
                claimed_by=provider,
                submitted_at=submitted,
                routed_at=routed,
                claimed_at=min(claimed, now),
                delivered_at=delivered,
                closed_at=closed,
                feedback_rating=rng.randint(3, 5) if closed else None,
            )
        )
    AssistanceRequest.objects.bulk_create(rows, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
        cursor.execute("ANALYZE")
    statuses = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    return statuses


def submit_marking_commit(request, official):
    """Submit through the services; returns time.time() at the commit (before the task is published)."""
    from django.db import transaction

    from assistance import services

    committed = []
    with transaction.atomic():
        # Registered before services.submit's own callback (the publish): runs first after the commit.
        transaction.on_commit(lambda: committed.append(time.time()))
        services.submit(request, acting_user=official)
    return committed[0]


def outcome_counts(ids):
    """{request id: number of request.routed / request.unmatched audit events}."""
    from django.db.models import Count

    from portal.audit.models import AuditEvent

    counts = {str(pk): 0 for pk in ids}
    for object_id, n in (
        AuditEvent.objects.filter(
            verb__in=["request.routed", "request.unmatched"], object_type="assistance.assistancerequest"
        )
        .filter(object_id__in=list(counts))
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    ):
        counts[object_id] = n
    return counts


def verify_routed(ids, expected):
    """Each request routed by exactly one run, its job done, the expected number of matches."""
    from django.db.models import Count, Max

    from assistance.models import AssistanceRequest, Match, RoutingJob

    problems = []
    statuses = dict(AssistanceRequest.objects.filter(pk__in=ids).values_list("pk", "status"))
    not_routed = [pk for pk in ids if statuses.get(pk) != "routed"]
    if not_routed:
        problems.append(f"{len(not_routed)} not routed (e.g. {not_routed[:5]})")
    events = outcome_counts(ids)
    twice = [pk for pk, n in events.items() if n > 1]
    never = [pk for pk, n in events.items() if n == 0]
    if twice:
        problems.append(f"{len(twice)} routed more than once (e.g. {twice[:5]})")
    if never:
        problems.append(f"{len(never)} without a routing audit event")
    jobs = RoutingJob.objects.filter(request_id__in=ids)
    job_stats = jobs.aggregate(n=Count("id"), pending=Count("id", filter=~models_q_done()), attempts=Max("attempts"))
    if job_stats["n"] != len(ids) or job_stats["pending"]:
        problems.append(f"routing jobs: {job_stats['n']} for {len(ids)} requests, {job_stats['pending']} not done")
    if job_stats["attempts"] != 1:
        problems.append(f"a routing job was run {job_stats['attempts']} times")
    matches = dict(
        Match.objects.filter(request_id__in=ids)
        .values("request_id")
        .annotate(n=Count("id"))
        .values_list("request_id", "n")
    )
    wrong = [pk for pk in ids if matches.get(pk, 0) != expected[pk]]
    if wrong:
        problems.append(
            f"{len(wrong)} with an unexpected match count (e.g. #{wrong[0]}: {matches.get(wrong[0], 0)}, "
            f"expected {expected[wrong[0]]})"
        )
    return {
        "requests": len(ids),
        "routed": len(ids) - len(not_routed),
        "routing_audit_events": sum(events.values()),
        "jobs_done": job_stats["n"] - job_stats["pending"],
        "max_attempts": job_stats["attempts"],
        "matches": sum(matches.values()),
        "problems": problems,
    }


def models_q_done():
    from django.db.models import Q

    return Q(status="done")


def wait_routed(ids, timeout, meter=None):
    """Poll until every request has left `submitted`; returns whether they all did."""
    from assistance.models import AssistanceRequest

    def done():
        if meter is not None:
            meter.sample()
        return not AssistanceRequest.objects.filter(pk__in=ids, status="submitted").exists()

    return wait_for(done, timeout, 0.1)


def wait_notified(ids, timeout, meter=None):
    from assistance.models import Match

    def done():
        if meter is not None:
            meter.sample()
        return not Match.objects.filter(request_id__in=ids, notified_at__isnull=True).exists()

    return wait_for(done, timeout, 0.1)


def drain(redis_url):
    """After a worker stops: drop what it left in the queue, so that the next worker starts idle."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=3)
    queues = [key for key in client.scan_iter("celery*") if client.type(key) == b"list"]
    left = sum(client.llen(key) for key in queues)
    if left:
        log(f"{left} messages left in the queue (notifications not yet sent): dropped")
        client.delete(*queues)  # the queue's binding stays, for the next worker and this process


# ---------------------------------------------------------------------------------------------
# Phases


def warm_up(fixture, count=5):
    """The first requests pay for imports and connections in the worker; they are not measured."""
    ids = []
    for number in range(count):
        request, official, _expected = fixture.draft(900_000 + number)
        submit_marking_commit(request, official)
        ids.append(request.pk)
    if not wait_routed(ids, 60):
        raise SystemExit("the worker did not route the warm-up requests within 60 s (see its log)")
    wait_notified(ids, 30)


def measure_latency(fixture, count, pause):
    """Submit one request at a time with an idle worker: commit -> routed_at (stored by the worker)."""
    from assistance.models import AssistanceRequest, Match

    log(f"latency: {count} requests, one at a time, {pause:g} s apart")
    latencies, ids, expected = [], [], {}
    for number in range(count):
        request, official, matches = fixture.draft(number)
        committed = submit_marking_commit(request, official)
        ids.append(request.pk)
        expected[request.pk] = matches
        routed = []

        def seen(pk=request.pk, out=routed):
            value = AssistanceRequest.objects.filter(pk=pk).exclude(status="submitted").values_list("routed_at")
            row = value.first()
            if row is not None:
                out.append(row[0])
                return True
            return False

        if not wait_for(seen, 30, 0.005):
            raise SystemExit(f"request #{request.pk} was not routed within 30 s")
        if routed[0] is not None:
            latencies.append((routed[0].timestamp() - committed) * 1000)
        # Idle again: the notifications of this request are sent before the next submission.
        wait_for(lambda pk=request.pk: not Match.objects.filter(request_id=pk, notified_at__isnull=True).exists(), 10)
        time.sleep(pause)
    check = verify_routed(ids, expected)
    return {
        "requests": count,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
        "check": check,
    }


def measure_throughput(fixture, count, offset, worker):
    """Drafts first, then every submission as fast as one process can; time until all are routed."""
    from django.db.models import Count, Max, Min, Q

    from assistance.models import AssistanceRequest, Match

    log(f"throughput: creating {count} drafts")
    began = time.monotonic()
    drafts, expected = [], {}
    for number in range(count):
        request, official, matches = fixture.draft(offset + number)
        drafts.append((request, official))
        expected[request.pk] = matches
    create_seconds = time.monotonic() - began
    ids = [request.pk for request, _official in drafts]
    log(f"throughput: submitting {count} requests")
    meter = CpuMeter(worker.pid)
    commits = [submit_marking_commit(request, official) for request, official in drafts]
    first_commit, last_commit = commits[0], commits[-1]
    all_routed = wait_routed(ids, 180, meter)
    notified_all = wait_notified(ids, 60, meter)
    meter.sample()
    usage = meter.totals()
    stamps = AssistanceRequest.objects.filter(pk__in=ids).aggregate(
        first=Min("routed_at"), last=Max("routed_at"), submitted=Min("submitted_at")
    )
    notified = Match.objects.filter(request_id__in=ids).aggregate(
        last=Max("notified_at"), sent=Count("id", filter=Q(notified_at__isnull=False)), matches=Count("id")
    )
    check = verify_routed(ids, expected)
    if not all_routed:
        check["problems"].append("not all routed within 180 s of the last commit")
    last_routed = stamps["last"].timestamp() if stamps["last"] else float("nan")
    return {
        "requests": count,
        "create_seconds": create_seconds,
        "submit_seconds": last_commit - first_commit,
        "submit_per_second": count / max(last_commit - first_commit, 1e-9),
        "routed_after_last_commit_s": last_routed - last_commit,
        "routed_after_first_commit_s": last_routed - first_commit,
        "routing_per_second": count / max(last_routed - first_commit, 1e-9),
        "notified_after_last_commit_s": (notified["last"].timestamp() - last_commit) if notified_all else None,
        "notifications_sent": notified["sent"],
        "notifications_due": notified["matches"],
        # Tasks run: one routing per request, one notification per match that was notified.
        "worker_cpu_ms_per_task": usage["worker_cpu_s"] * 1000 / (count + notified["sent"]),
        "worker_cpu_ms_per_request": usage["worker_cpu_s"] * 1000 / count if notified_all else None,
        "db_sessions_per_request": usage["sessions"] / count,
        "db_statement_ms_per_request": usage["statement_s"] * 1000 / count,
        "check": check,
    }


def profile_route(fixture, count=20):
    """Queries, time and CPU of route() and of one provider notification, run in this process.

    No worker runs at this point: nobody else takes the jobs (their messages stay in Redis, unread)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistance import services
    from assistance.models import Match, RoutingJob
    from assistance.tasks import notify_provider_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    timings, cpu, queries, submit_queries, create_queries, ids = [], [], [], [], [], []
    for number in range(count):
        with CaptureQueriesContext(connection) as created:
            request, official, _expected = fixture.draft(800_000 + number)
        with CaptureQueriesContext(connection) as submitted:
            services.submit(request, acting_user=official)
        job = RoutingJob.objects.get(request=request)
        with CaptureQueriesContext(connection) as routed:
            began, began_cpu = time.perf_counter(), time.process_time()
            outcome = services.route(job.pk)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        if outcome != "routed":
            raise SystemExit(f"profiling: route() answered {outcome!r}")
        queries.append(len(routed.captured_queries))
        submit_queries.append(len(submitted.captured_queries))
        create_queries.append(len(created.captured_queries))
        ids.append(request.pk)
    notify_cpu, notify_queries = [], []
    for match_id in Match.objects.filter(request_id__in=ids).values_list("pk", flat=True):
        with CaptureQueriesContext(connection) as notified:
            began_cpu = time.process_time()
            notify_provider_task(match_id)
            notify_cpu.append((time.process_time() - began_cpu) * 1000)
        notify_queries.append(len(notified.captured_queries))
    return {
        "route_queries": statistics.median(queries),
        "route_ms_p50": percentile(timings, 0.5),
        "route_cpu_ms_p50": percentile(cpu, 0.5),
        "submit_queries": statistics.median(submit_queries),
        "create_queries": statistics.median(create_queries),
        "notify_queries": statistics.median(notify_queries) if notify_queries else 0,
        "notify_cpu_ms_p50": percentile(notify_cpu, 0.5),
        "sql": [q["sql"][:160] for q in routed.captured_queries],
    }


def prepare_claims(fixture, count, claimers):
    """`count` routed requests, `claimers` provider organisations matched to every one of them, a token each."""
    from assistance.models import AssistanceRequest, Match, Provider
    from portal.accounts.models import User
    from portal.accounts.services import issue_token

    log(f"claims: {count} routed requests, {claimers} providers with tokens")
    ids = []
    for number in range(count):
        request, official, _expected = fixture.draft(700_000 + number)
        submit_marking_commit(request, official)
        ids.append(request.pk)
    if not wait_routed(ids, 120):
        raise SystemExit("the claim requests were not routed within 120 s")
    if AssistanceRequest.objects.filter(pk__in=ids).exclude(status="routed").exists():
        raise SystemExit("some claim requests were not routed")
    providers = Provider.objects.bulk_create(
        Provider(slug=f"bench-donor-{n:02d}", name=f"Benchmark donor {n:02d}", kind="state", columns=["CW"])
        for n in range(claimers)
    )
    # Matched by hand (as an expert would assign them): every provider may claim every request.
    Match.objects.bulk_create(
        (Match(request_id=pk, provider=p, score=1, reasons=["benchmark"]) for pk in ids for p in providers),
        batch_size=2000,
    )
    tokens = []
    for provider in providers:
        user = User.objects.create(username=f"bench-staff-{provider.slug}", role="provider", provider=provider)
        tokens.append((provider.pk, issue_token(user, name="benchmark")[1]))
    return ids, tokens


def claim_load(port, ids, tokens):
    """Every client claims every request in turn; a barrier starts each request's contest together."""
    barrier = threading.Barrier(len(tokens))
    results = [[] for _ in tokens]  # per client: (request id, status, code, latency s, start, end)
    failures = []

    def client(index):
        provider_id, token = tokens[index]
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1", "Content-Length": "0"}
        try:
            for pk in ids:
                barrier.wait(timeout=60)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                began = time.perf_counter()
                connection.request("POST", f"/api/v1/assistance/requests/{pk}/claim/", headers=headers)
                response = connection.getresponse()
                body = response.read()
                ended = time.perf_counter()
                connection.close()
                try:
                    code = json.loads(body).get("code") if response.status != 200 else None
                except ValueError:
                    code = body[:80]
                results[index].append((pk, provider_id, response.status, code, ended - began, began, ended))
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:  # noqa: BLE001 - reported, and the other clients are released
            failures.append(f"client {index}: {exc!r}")
            barrier.abort()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    if failures:
        raise SystemExit("claim clients failed: " + "; ".join(failures[:3]))
    return [row for rows in results for row in rows]


def measure_claims(port, ids, tokens):
    from django.db.models import Count

    from assistance.models import AssistanceRequest
    from portal.audit.models import AuditEvent

    # Warm every gunicorn worker and token (the first use of a token also writes its last_used_at).
    for _provider_id, token in tokens:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "GET", f"/api/v1/assistance/requests/{ids[0]}/", headers={"Authorization": f"Bearer {token}"}
        )
        if connection.getresponse().status != 200:
            raise SystemExit("a provider cannot read its matched request")
        connection.close()
    log(f"claims: {len(ids)} requests x {len(tokens)} concurrent providers")
    rows = claim_load(port, ids, tokens)
    began = min(row[5] for row in rows)
    ended = max(row[6] for row in rows)
    elapsed = ended - began
    latencies = [row[4] * 1000 for row in rows]
    wins = [row[4] * 1000 for row in rows if row[2] == 200]
    by_request = {}
    for pk, provider_id, status_code, code, *_rest in rows:
        by_request.setdefault(pk, []).append((status_code, code, provider_id))
    problems = []
    winners = {}
    for pk in ids:
        answers = by_request.get(pk, [])
        ok = [a for a in answers if a[0] == 200]
        refused = [a for a in answers if a[0] == 409 and a[1] == "already-claimed"]
        if len(ok) != 1 or len(refused) != len(tokens) - 1:
            statuses = sorted({(a[0], a[1]) for a in answers if a[0] != 200})
            problems.append(f"#{pk}: {len(ok)} x 200, {len(refused)} x 409 already-claimed, others {statuses}")
        elif ok:
            winners[pk] = ok[0][2]
    claimed = dict(AssistanceRequest.objects.filter(pk__in=ids, status="claimed").values_list("pk", "claimed_by_id"))
    wrong = [pk for pk, provider_id in winners.items() if claimed.get(pk) != provider_id]
    if wrong:
        problems.append(f"{len(wrong)} requests claimed in the database by another provider than the 200")
    audits = dict(
        AuditEvent.objects.filter(verb="request.claim", object_id__in=[str(pk) for pk in ids])
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    if len(audits) != len(ids) or any(n != 1 for n in audits.values()):
        problems.append(f"request.claim audit events: {sum(audits.values())} for {len(ids)} requests")
    return {
        "requests": len(ids),
        "clients": len(tokens),
        "posts": len(rows),
        "seconds": elapsed,
        "posts_per_second": len(rows) / elapsed,
        "claims_per_second": len(ids) / elapsed,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "winner_p50_ms": percentile(wins, 0.5),
        "winner_p95_ms": percentile(wins, 0.95),
        "ok": sum(1 for row in rows if row[2] == 200),
        "conflicts": sum(1 for row in rows if row[2] == 409),
        "other": sum(1 for row in rows if row[2] not in (200, 409)),
        "claimed_in_db": len(claimed),
        "problems": problems,
    }


# ---------------------------------------------------------------------------------------------


def summary(report):
    lines = []
    add = lines.append
    add("")
    add(f"Assistance benchmark, {report['date']}")
    add(f"machine: {report['machine']}; Python {report['python']}, PostgreSQL {report['postgresql']}")
    add(f"command: {report['command']}")
    loads = report["load_average"]
    add(
        f"load average (1/5/15 min) at start {'/'.join(f'{x:.1f}' for x in loads['start'])}, "
        f"at end {'/'.join(f'{x:.1f}' for x in loads['end'])} (other processes share the CPUs)"
    )
    add(
        f"history: {report['settings'].get('history')} past requests; notifications: "
        f"{report['settings']['notifications']}"
    )
    add("")
    add(f"{'measure':<58} {'value':>14}  target / check")
    add("-" * 100)
    for kind, phase in report["workers"].items():
        lat, thr = phase.get("latency"), phase.get("throughput")
        title = f"worker {kind!r} ({phase['command']})"
        add(title)
        if lat:
            ok = "OK" if lat["p95_ms"] < TARGET_P95_MS else "MISSED"
            add(f"  {'routing latency commit->routed_at p50':<56} {lat['p50_ms']:>11.1f} ms")
            add(f"  {'routing latency commit->routed_at p95':<56} {lat['p95_ms']:>11.1f} ms  < {TARGET_P95_MS} ms {ok}")
            add(f"  {'routing latency p99 / max':<56} {lat['p99_ms']:>6.0f}/{lat['max_ms']:.0f} ms")
            add(f"  {'latency requests routed exactly once':<56} {_check(lat['check'])}")
        if thr:
            ok = (
                "OK"
                if thr["routed_after_last_commit_s"] < TARGET_THROUGHPUT_S and not thr["check"]["problems"]
                else "MISSED"
            )
            add(f"  {'drafts created (services.create loop)':<56} {thr['create_seconds']:>12.2f} s")
            add(
                f"  {'submissions (services.submit loop)':<56} {thr['submit_seconds']:>12.2f} s  "
                f"({thr['submit_per_second']:.0f}/s)"
            )
            add(
                f"  {'all routed, after the last commit':<56} {thr['routed_after_last_commit_s']:>12.2f} s  "
                f"< {TARGET_THROUGHPUT_S:g} s {ok}"
            )
            add(
                f"  {'all routed, after the first commit':<56} {thr['routed_after_first_commit_s']:>12.2f} s  "
                f"({thr['routing_per_second']:.0f} routed/s)"
            )
            if thr["notified_after_last_commit_s"] is not None:
                add(
                    f"  {'all providers notified, after the last commit':<56} "
                    f"{thr['notified_after_last_commit_s']:>12.2f} s"
                )
            else:
                add(
                    f"  {'providers notified 60 s after all were routed':<56} "
                    f"{thr['notifications_sent']:>6} of {thr['notifications_due']}"
                )
            add(f"  {'worker CPU per task (routing or notification)':<56} {thr['worker_cpu_ms_per_task']:>11.1f} ms")
            if thr["worker_cpu_ms_per_request"] is not None:
                add(
                    f"  {'worker CPU per request (route + its notifications)':<56} "
                    f"{thr['worker_cpu_ms_per_request']:>11.1f} ms"
                )
            add(
                f"  {'PostgreSQL sessions opened / SQL time, per request':<56} "
                f"{thr['db_sessions_per_request']:>6.1f}/{thr['db_statement_ms_per_request']:.1f} ms"
            )
            label = f"{thr['requests']} requests routed exactly once"
            add(f"  {label:<56} {_check(thr['check'])}")
    prof = report.get("profile")
    if prof:
        add("route() in-process (no worker)")
        add(
            f"  {'SQL queries per route() / per submit / per create':<56} "
            f"{prof['route_queries']:>5.0f}/{prof['submit_queries']:.0f}/{prof['create_queries']:.0f}"
        )
        add(
            f"  {'route() time p50 (wall / CPU of this process)':<56} "
            f"{prof['route_ms_p50']:>6.1f}/{prof['route_cpu_ms_p50']:.1f} ms"
        )
        add(
            f"  {'one provider notification: SQL queries / CPU p50':<56} "
            f"{prof['notify_queries']:>5.0f}/{prof['notify_cpu_ms_p50']:.1f} ms"
        )
    claims = report.get("claims")
    if claims:
        add(
            f"claims: gunicorn {report['settings']['gunicorn']}, "
            f"{claims['clients']} providers x {claims['requests']} requests"
        )
        add(f"  {'claim POSTs per second (200 + 409)':<56} {claims['posts_per_second']:>12.0f}/s")
        add(f"  {'contested requests decided per second':<56} {claims['claims_per_second']:>12.1f}/s")
        add(
            f"  {'claim POST latency p50 / p95 / p99':<56} "
            f"{claims['p50_ms']:>5.0f}/{claims['p95_ms']:.0f}/{claims['p99_ms']:.0f} ms"
        )
        add(
            f"  {'winning POST latency p50 / p95':<56} {claims['winner_p50_ms']:>8.0f}/{claims['winner_p95_ms']:.0f} ms"
        )
        add(
            f"  {'exactly one 200, the rest 409 already-claimed':<56} "
            f"{claims['ok']:>5} x 200, {claims['conflicts']} x 409, {claims['other']} other  "
            f"{'OK' if not claims['problems'] else 'FAILED: ' + '; '.join(claims['problems'][:3])}"
        )
    return "\n".join(lines)


def _check(check):
    if check["problems"]:
        return "FAILED: " + "; ".join(check["problems"])
    return (
        f"OK ({check['routed']} routed, {check['routing_audit_events']} routing events, "
        f"{check['jobs_done']} jobs done, {check['matches']} matches)"
    )


def main():
    args = parse_args()
    kinds = [k.strip() for k in args.workers.split(",") if k.strip()]
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    unknown = (set(kinds) - set(WORKERS)) | (phases - set(PHASES))
    if unknown or not kinds:
        raise SystemExit(f"unknown or missing worker configuration(s) or phase(s): {', '.join(sorted(unknown))}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-assistance-"))
    processes = Processes()
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "python": platform.python_version(),
        "command": " ".join([".venv/bin/python", Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "settings": {
            "gunicorn": f"{args.gunicorn_workers} workers"
            + (f" x {args.gunicorn_threads} threads" if args.gunicorn_threads > 1 else " (sync)"),
            "notifications": "no e-mail (providers without address)"
            if args.no_email
            else f"e-mail to every matched provider ({args.email_backend} backend)",
        },
        "workers": {},
        "load_average": {"start": os.getloadavg()},
    }
    try:
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url, socket_timeout=3).flushdb()
            redis_url = args.redis_url
        else:
            redis_url = start_redis(processes, workdir)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": redis_url,
            "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
            "PORTAL_ALLOWED_HOSTS": "127.0.0.1",
            "PORTAL_DEBUG": "0",
            "PORTAL_LOG_LEVEL": "WARNING",
            "PORTAL_EMAIL_BACKEND": f"django.core.mail.backends.{args.email_backend}.EmailBackend",
        }
        env.pop("PORTAL_ASSISTANCE_ROUTING_PAUSE_SECONDS", None)
        os.environ.update(env)
        create_database(args.database_url)
        log(f"created database {args.database_url.rsplit('/', 1)[-1]}")
        log("migrate, load_reference")
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference")

        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection

        report["postgresql"] = connection.cursor().connection.server_version
        rng = random.Random(1540)
        report["settings"]["history"] = seed_history(args.history, rng)
        fixture = Fixture(rng, with_email=not args.no_email)
        claim_ids = tokens = None
        for index, kind in enumerate(kinds):
            worker = start_worker(processes, env, kind, workdir)
            phase = {"command": " ".join(["celery -A portal worker", *WORKERS[kind]])}
            report["workers"][kind] = phase
            warm_up(fixture)
            if "latency" in phases:
                phase["latency"] = measure_latency(fixture, args.latency_requests, args.pause)
                log(f"latency {kind}: p50 {phase['latency']['p50_ms']:.1f} ms, p95 {phase['latency']['p95_ms']:.1f} ms")
            if "throughput" in phases:
                phase["throughput"] = measure_throughput(fixture, args.throughput, 100_000 * (index + 1), worker)
                log(
                    f"throughput {kind}: all routed {phase['throughput']['routed_after_last_commit_s']:.2f} s "
                    "after the last commit"
                )
            if index == len(kinds) - 1 and "claims" in phases:
                claim_ids, tokens = prepare_claims(fixture, args.claim_requests, args.claimers)
            processes.stop(worker)
            drain(redis_url)
        if "profile" in phases:
            report["profile"] = profile_route(fixture)
        if claim_ids:
            port = free_port()
            server = start_gunicorn(processes, env, args, port, workdir)
            report["claims"] = measure_claims(port, claim_ids, tokens)
            processes.stop(server)
        connection.close()
    except BaseException:
        log(f"failed: the processes' logs are in {workdir}")
        raise
    finally:
        processes.stop_all()
        if not args.keep_db:
            try:
                drop_database(args.database_url)
            except Exception as exc:  # noqa: BLE001 - cleaning up: say so, do not hide the first error
                log(f"could not drop the benchmark database: {exc}")
    report["load_average"]["end"] = os.getloadavg()
    if args.keep_logs:
        log(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    text = summary(report)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    phases = [
        phase[name] for phase in report["workers"].values() for name in ("latency", "throughput") if name in phase
    ]
    if any(phase["check"]["problems"] for phase in phases) or report.get("claims", {}).get("problems"):
        return 1  # something was lost, done twice or answered wrongly
    missed = any(phase.get("p95_ms", 0) >= TARGET_P95_MS for phase in phases) or any(
        phase.get("routed_after_last_commit_s", 0) >= TARGET_THROUGHPUT_S for phase in phases
    )
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
