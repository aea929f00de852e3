#!/usr/bin/env python
"""Throughput of the published matrices under gunicorn on PostgreSQL, as ratios to /healthz.

Not a test: a script that builds a benchmark database, serves it with gunicorn and loads it from
127.0.0.1 with a bounded load generator (processes x threads of http.client). See bench/README.md.

    .venv/bin/python bench/matrices.py                # 193 States, 2 published 1540 versions each
    .venv/bin/python bench/matrices.py --states 50 --duration 3 --rounds 2
"""

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, create_database, decided_cell, drop_database, free_port, machine, manage

PYTHON = sys.executable
# What the public matrix page and the API list must reach, as a share of /healthz (DESIGN.md section 7).
TARGETS = {"matrix page": 0.5, "API list": 0.3}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_portal")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--states", type=int, default=193, help="States with published 1540 matrices (max 193)")
    parser.add_argument("--versions", type=int, default=2, help="published versions per State")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Procfile runs 3)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn on 127.0.0.1 (default: a free one)")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per load generator process")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the endpoints (interleaved)")
    parser.add_argument("--reuse-db", action="store_true", help="keep an existing benchmark database as it is")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args()


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Database


def generate(states_count, versions):
    """Published 1540 matrices with every cell decided, written with bulk inserts. Returns ids."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from matrices.models import Cell, Matrix, Regime
    from matrices.services import layout
    from states.models import State

    regime = Regime.objects.get(code="1540")
    template = regime.templates.order_by("-version").first()
    specs = layout(template)
    rng = random.Random(1540)
    now = timezone.now()
    states = list(State.objects.order_by("name")[:states_count])
    matrices = []
    for index, state in enumerate(states):
        for version in range(1, versions + 1):
            published = now - datetime.timedelta(days=30 * (versions - version) + rng.randint(1, 20))
            matrices.append(
                Matrix(
                    state=state,
                    regime=regime,
                    template=template,
                    version=version,
                    status=Matrix.Status.PUBLISHED,
                    report_date=(published - datetime.timedelta(days=90)).date(),
                    submitted_at=published - datetime.timedelta(days=60),
                    review_started_at=published - datetime.timedelta(days=50),
                    approved_at=published - datetime.timedelta(days=10),
                    consent_given_at=published,
                    published_at=published,
                )
            )
        # Every third State also has a draft of the next version, which must never be served.
        if index % 3 == 0:
            matrices.append(Matrix(state=state, regime=regime, template=template, version=versions + 1))
    Matrix.objects.bulk_create(matrices, batch_size=1000)
    cells = []
    for matrix in matrices:
        for number, spec in enumerate(specs):
            decided = decided_cell(rng, number)
            if decided is None:
                continue
            mark, source, remarks = decided
            cells.append(
                Cell(
                    matrix=matrix,
                    row=spec.row,
                    column=spec.column,
                    aspect=spec.aspect,
                    mark=mark,
                    source=source,
                    remarks=remarks,
                )
            )
    Cell.objects.bulk_create(cells, batch_size=5000)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: without statistics the planner picks plans
        # for empty tables, and the published pages' one query takes several times as long.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    published = [m for m in matrices if m.status == Matrix.Status.PUBLISHED and m.version == versions]
    log(f"generated {len(matrices)} matrix versions ({len(published)} latest published) and {len(cells)} cells")
    return [(m.state.iso3, m.pk) for m in published]


# ---------------------------------------------------------------------------------------------
# Server


def start_gunicorn(env, workers, port):
    process = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode} (is port {port} taken?)")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# Load


def fetch(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
    return body


def _thread_loop(port, paths, stop_at, start_index, results):
    count, errors, latencies = 0, 0, []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    index = start_index
    while time.monotonic() < stop_at:
        path = paths[index % len(paths)]
        index += 1
        began = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - began)
        count += 1
    connection.close()
    results.append((count, errors, latencies))


def _process_load(args):
    port, paths, duration, threads, seed = args
    results = []
    stop_at = time.monotonic() + duration
    workers = [
        threading.Thread(target=_thread_loop, args=(port, paths, stop_at, seed * 997 + i * 31, results))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def load(pool, port, paths, duration, processes, threads):
    """(successful requests, errors, latencies) of `duration` seconds of load on `paths` (round robin)."""
    began = time.monotonic()
    outcome = pool.map(_process_load, [(port, paths, duration, threads, p) for p in range(processes)])
    elapsed = time.monotonic() - began
    count = sum(c for result in outcome for c, _e, _l in result)
    errors = sum(e for result in outcome for _c, e, _l in result)
    latencies = [x for result in outcome for _c, _e, lat in result for x in lat]
    return count, errors, latencies, elapsed


def main():
    args = parse_args()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
        "PORTAL_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_DEBUG": "0",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    created = create_database(args.database_url, reuse=args.reuse_db)
    log(f"{'created' if created else 'reusing'} database {args.database_url.rsplit('/', 1)[-1]}")
    import redis

    redis.Redis.from_url(args.redis_url, socket_timeout=3).flushdb()  # the benchmark's own Redis database
    if created:
        log("migrate, load_reference, collectstatic")
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference")
        manage(env, "collectstatic", "--noinput")
        targets = generate(min(args.states, 193), args.versions)
    else:
        import django

        django.setup()
        from matrices.models import Matrix

        latest = {}
        for iso3, pk, version in (
            Matrix.objects.published().filter(regime__code="1540").values_list("state__iso3", "pk", "version")
        ):
            if version >= latest.get(iso3, (0, 0))[1]:
                latest[iso3] = (pk, version)
        targets = [(iso3, pk) for iso3, (pk, _v) in sorted(latest.items())]
    if not targets:
        raise SystemExit("no published 1540 matrix in the benchmark database")

    from django.db import connection

    pg_version = connection.cursor().connection.server_version if connection.vendor == "postgresql" else "?"
    connection.close()

    endpoints = {
        "/healthz": ["/healthz"],
        "matrix page": [f"/states/{iso3}/1540/" for iso3, _pk in targets],
        "matrix JSON": [f"/api/v1/matrices/{pk}/" for _iso3, pk in targets],
        "API list": ["/api/v1/matrices/?regime=1540&status=published"],
    }
    args.port = args.port or free_port()
    server = start_gunicorn(env, args.workers, args.port)
    results = {name: [0, 0, [], 0.0] for name in endpoints}
    try:
        with multiprocessing.get_context("fork").Pool(args.processes) as pool:
            log("warming up (every page once: fills the cache shared by the workers)")
            for paths in endpoints.values():
                for path in paths:
                    fetch(args.port, path)
            for name, paths in endpoints.items():
                count, errors, _lat, _elapsed = load(pool, args.port, paths, 1.0, args.processes, args.threads)
                if errors:
                    raise SystemExit(f"{name}: {errors} errors during warm-up ({paths[0]})")
            for round_number in range(1, args.rounds + 1):
                for name, paths in endpoints.items():
                    count, errors, latencies, elapsed = load(
                        pool, args.port, paths, args.duration, args.processes, args.threads
                    )
                    total = results[name]
                    total[0] += count
                    total[1] += errors
                    total[2].extend(latencies)
                    total[3] += elapsed
                    log(f"round {round_number} {name}: {count / elapsed:.0f} req/s, {errors} errors")
    finally:
        stop(server)
        if not args.keep_db:
            drop_database(args.database_url)

    healthz = results["/healthz"][0] / results["/healthz"][3]
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "settings": {
            "states": len(targets),
            "versions": args.versions,
            "gunicorn_workers": args.workers,
            "load": f"{args.processes} processes x {args.threads} threads",
            "duration": f"{args.rounds} rounds x {args.duration:g} s per endpoint",
        },
        "endpoints": {},
    }
    print(f"\n{report['date']} · {report['machine']}")
    print(
        f"{'endpoint':<14} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>6}  target"
    )
    failed = []
    for name, (count, errors, latencies, elapsed) in results.items():
        rate = count / elapsed
        ratio = rate / healthz
        latencies.sort()
        p50 = statistics.median(latencies) * 1000 if latencies else 0
        p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0
        target = TARGETS.get(name)
        verdict = "" if target is None else (f">= {target}: " + ("met" if ratio >= target else "MISSED"))
        if target is not None and ratio < target:
            failed.append(name)
        print(f"{name:<14} {count:>9} {errors:>7} {rate:>8.0f} {p50:>7.1f} {p95:>7.1f} {ratio:>6.2f}  {verdict}")
        report["endpoints"][name] = {
            "requests": count,
            "errors": errors,
            "requests_per_second": round(rate, 1),
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "ratio_to_healthz": round(ratio, 3),
            "target": target,
        }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed or any(r[1] for r in results.values()) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
