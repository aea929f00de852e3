#!/usr/bin/env python
"""Pages at full scale against small data: the scale budget of DESIGN.md section 7.

"193 States x 4 regimes x 10 versions of full matrices; pages stay within 2x of their small-data
latency." Builds two PostgreSQL databases, a small one (60 States x 4 regimes x 2 versions) and a
full one (193 x 4 x 10), both with every cell of every version decided, and times the same pages on
each, in-process through Django's test client (one request at a time: latency, not throughput).
Prints each page's median latency on both and their ratio. See bench/README.md.

    .venv/bin/python bench/scale.py                    # both datasets (~6 minutes)
    .venv/bin/python bench/scale.py --requests 30      # a quicker look

Exit status: 0 every page within 2x, 2 a page above it, 1 a page answered something else than 200.
"""

import argparse
import datetime
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from common import ROOT, create_database, decided_cell, drop_database

BUDGET = 2.0
MARKER = "Chemical Weapons (Prohibition) Act, benchmark marker"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL, no database")
    parser.add_argument("--small", default="60x2", help="States x versions of the small dataset (full list pages)")
    parser.add_argument("--full", default="193x10", help="States x versions of the full dataset")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the databases at the end")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    # Internal: measure one dataset in a process of its own (Django is set up once per process).
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    return parser.parse_args()


def log(message):
    print(f"[scale] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# One dataset, in a process of its own


def generate(states_count, versions):
    """Every regime's current template, `versions` published versions per State, every cell decided,
    and a draft of the next version for every third State (never served). Bulk inserts, then ANALYZE."""
    from django.db import connection
    from django.utils import timezone

    from matrices.models import Cell, Matrix, Regime
    from matrices.services import layout
    from states.models import State

    rng = random.Random(1540)
    now = timezone.now()
    templates = [(r, r.templates.order_by("-version").first()) for r in Regime.objects.order_by("order")]
    specs = {r.pk: layout(t) for r, t in templates}
    states = list(State.objects.order_by("name")[:states_count])
    matrices_count = cells_count = 0
    for index, state in enumerate(states):
        matrices = []
        for regime, template in templates:
            for version in range(1, versions + 1):
                published = now - datetime.timedelta(days=60 * (versions - version) + rng.randint(1, 20))
                matrices.append(
                    Matrix(
                        state=state, regime=regime, template=template, version=version,
                        status=Matrix.Status.PUBLISHED, report_date=(published - datetime.timedelta(days=90)).date(),
                        submitted_at=published - datetime.timedelta(days=60),
                        review_started_at=published - datetime.timedelta(days=50),
                        approved_at=published - datetime.timedelta(days=10), consent_given_at=published,
                        published_at=published,
                    )
                )  # fmt: skip
            if index % 3 == 0:
                matrices.append(Matrix(state=state, regime=regime, template=template, version=versions + 1))
        Matrix.objects.bulk_create(matrices)
        cells = []
        for matrix in matrices:
            for number, spec in enumerate(specs[matrix.regime_id]):
                decided = decided_cell(rng, number)
                if decided is None:
                    continue
                mark, source, remarks = decided
                if index == 0 and number == 0 and matrix.version == versions and matrix.status == "published":
                    source = MARKER  # one cell per regime in both datasets: a search whose answer does not grow
                cells.append(
                    Cell(matrix=matrix, row=spec.row, column=spec.column, aspect=spec.aspect, mark=mark,
                         source=source, remarks=remarks)
                )  # fmt: skip
        Cell.objects.bulk_create(cells, batch_size=5000)
        matrices_count += len(matrices)
        cells_count += len(cells)
    with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
        cursor.execute("ANALYZE")
    return [s.iso3 for s in states], matrices_count, cells_count


def review_rounds(rng):
    """The drafts of the 1540 matrix as the experts review them: a round of changes requested (the
    cells as they were then, two of them since changed by the State) and a few comment threads, one of
    them resolved. Bulk inserts. The ids of the versions, for the review page."""
    from django.utils import timezone

    from matrices.models import Comment, Matrix, ReviewRound
    from portal.accounts.models import Role, User

    expert = User.objects.create_user("bench-reviewer", role=Role.EXPERT, password=None)
    versions = list(Matrix.objects.filter(regime__code="1540", status=Matrix.Status.DRAFT).order_by("pk"))
    rounds, comments = [], []
    for matrix in versions:
        cells = list(matrix.cells.select_related("row"))
        then = {f"{c.row.code}|{c.column}|{c.aspect}": [c.mark, c.source, c.remarks] for c in cells}
        for changed in rng.sample(cells, 2):
            then[f"{changed.row.code}|{changed.column}|{changed.aspect}"][1] += " (before)"
        rounds.append(ReviewRound(matrix=matrix, requested_by=expert, requested_at=timezone.now(), cells=then))
        for number, c in enumerate(rng.sample(cells, 6)):
            comments.append(
                Comment(matrix=matrix, row_code=c.row.code, column=c.column, aspect=c.aspect, author=expert,
                        body="Which article?", resolved_at=timezone.now() if number == 0 else None,
                        resolved_by=expert if number == 0 else None)
            )  # fmt: skip
    ReviewRound.objects.bulk_create(rounds)
    Comment.objects.bulk_create(comments)
    return [matrix.pk for matrix in versions]


def pages(isos, review_pks=()):
    """(name, path for the k-th request, clear the cache before each request?, user role or None)."""
    a, b = isos[0], isos[1]

    def each(pattern):
        return lambda k: pattern.format(iso=isos[k % len(isos)])

    def review(query=""):
        return lambda k: f"/review/{review_pks[k % len(review_pks)]}/{query}"

    return [
        ("matrix page 1540, cached", each("/states/{iso}/1540/"), False, None),
        ("matrix page 1540, not cached", each("/states/{iso}/1540/"), True, None),
        ("checklist page CWC, not cached", each("/states/{iso}/cwc/"), True, None),
        ("older version v1, not cached", each("/states/{iso}/1540/v1/"), True, None),
        ("version diff 1540", each("/states/{iso}/1540/diff/"), False, None),
        ("State page", each("/states/{iso}/"), False, None),
        ("browse /matrices/?regime=1540", lambda k: "/matrices/?regime=1540", False, None),
        ("browse /matrices/ page 2", lambda k: "/matrices/?page=2", False, None),
        ("compare two States", lambda k: f"/compare/?regime=1540&a={a}&b={b}", False, None),
        ("search, one cell found", lambda k: "/search/?" + urllib.parse.urlencode({"q": MARKER}), False, None),
        ("API list, public", lambda k: "/api/v1/matrices/?regime=1540&status=published", True, None),
        ("API list, expert", lambda k: "/api/v1/matrices/?regime=1540&status=published", False, "expert"),
        ("review queue, expert", lambda k: "/review/", False, "expert"),
        # One version under review, one section (the first with a change since the last round).
        ("review page, one section, expert", review(), False, "expert"),
    ]


def measure(states_count, versions, requests):
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from matrices.cache import local_pages
    from portal.accounts.models import Role, User

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0, stdout=io.StringIO())
    started = time.perf_counter()
    isos, matrices_count, cells_count = generate(states_count, versions)
    log(f"{states_count} States x {versions} versions: {matrices_count} versions, {cells_count} cells "
        f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    expert = User.objects.create_user("bench-expert", role=Role.EXPERT, password=None)
    review_pks = review_rounds(random.Random(1541))
    results = {}
    for name, path_of, uncached, role in pages(isos, review_pks):
        client = Client()
        if role == "expert":
            client.force_login(expert)
        for k in range(1 if uncached else min(requests, len(isos))):  # every path once: cached ones are warm
            warm = client.get(path_of(k))
            if warm.status_code != 200:
                raise SystemExit(f"{name}: {path_of(k)} answered {warm.status_code}")
        timings = []
        for k in range(requests):
            if uncached:
                cache.clear()
                local_pages.clear()
            start = time.perf_counter()
            response = client.get(path_of(k))
            timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {path_of(k)} answered {response.status_code}")
        timings.sort()
        results[name] = {
            "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))],
            "bytes": len(warm.content),
        }
        log(f"{states_count}x{versions} {name}: p50 {results[name]['p50_ms']:.1f} ms")
    return {"states": states_count, "versions": versions, "matrices": matrices_count, "cells": cells_count,
            "pages": results}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Both datasets, and the comparison


def run_dataset(args, label, shape):
    states, versions = (int(x) for x in shape.split("x"))
    name = f"bench_scale_{label}"
    url = f"{args.server}/{name}"
    create_database(url)
    out = Path(tempfile.mkdtemp(prefix="bench-scale-")) / "result.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-scale",
        "PORTAL_ALLOWED_HOSTS": "testserver",
        "PORTAL_DEBUG": "0",
        "PORTAL_MANIFEST_STATIC": "0",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)  # one process: its local-memory cache is the shared cache
    command = [sys.executable, __file__, "--measure", f"{states}x{versions}", "--requests", str(args.requests),
               "--json", str(out)]  # fmt: skip
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
        if not args.keep_db:
            drop_database(url)


def main():
    args = parse_args()
    if args.measure:
        states, versions = (int(x) for x in args.measure.split("x"))
        sys.path.insert(0, str(ROOT))
        args.json.write_text(json.dumps(measure(states, versions, args.requests)))
        return 0
    small = run_dataset(args, "small", args.small)
    full = run_dataset(args, "full", args.full)
    over = False
    print(f"\nScale benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"small: {small['states']} States x 4 regimes x {small['versions']} versions, {small['cells']:,} cells")
    print(f"full:  {full['states']} States x 4 regimes x {full['versions']} versions, {full['cells']:,} cells\n")
    print(f"{'page':38} {'small p50':>10} {'full p50':>10} {'ratio':>6}  budget <= {BUDGET:g}x")
    for name, figures in small["pages"].items():
        big = full["pages"][name]
        ratio = big["p50_ms"] / figures["p50_ms"]
        over |= ratio > BUDGET
        verdict = "met" if ratio <= BUDGET else "MISSED"
        print(f"{name:38} {figures['p50_ms']:8.1f} ms {big['p50_ms']:7.1f} ms {ratio:6.2f}  {verdict}")
    if args.json:
        args.json.write_text(json.dumps({"small": small, "full": full}, indent=1))
    return 2 if over else 0


if __name__ == "__main__":
    sys.exit(main())
