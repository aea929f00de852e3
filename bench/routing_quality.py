#!/usr/bin/env python
"""Routing quality: the evaluation set routed against the reference offers.

Routes every case of assistance/evaluation/routing_cases.json (requests as an experienced 1540
expert would route them, with the providers that must and must not be among the matches) and
prints each case's matches, the recall, the precision and every must-not violation. With
`--ablation`, routes the set again with each weight of assistance/routing.py set to 0 in turn, to
show what each weight is needed for. See bench/README.md.

    .venv/bin/python bench/routing_quality.py                 # PostgreSQL database bench_routing_quality
    .venv/bin/python bench/routing_quality.py --ablation      # and the set without each weight
    .venv/bin/python bench/routing_quality.py --sqlite        # a temporary SQLite file instead

Exit status: 0 recall, precision and first choices at 95% or better and no must-not matched,
2 otherwise.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, create_database, drop_database, machine, manage

TARGET = 0.95


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_routing_quality")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database instead of PostgreSQL")
    parser.add_argument("--ablation", action="store_true", help="also route the set without each weight in turn")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args()


def log(message):
    print(f"[routing-quality] {message}", file=sys.stderr, flush=True)


def setup(args, workdir):
    """A database with the reference data (States, memberships, areas, providers and their offers)."""
    url = f"sqlite:///{workdir}/routing_quality.sqlite3" if args.sqlite else args.database_url
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-routing-quality",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    os.environ.clear()
    os.environ.update(env)
    if not args.sqlite:
        create_database(url)
        log(f"created database {url.rsplit('/', 1)[-1]}")
    log("migrate, load_reference")
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


def figures(evaluation, seconds=None):
    out = {
        "cases": len(evaluation.results),
        "passed": len(evaluation.results) - len(evaluation.failed),
        "recall": round(evaluation.recall, 4),
        "must_found": evaluation.must_found,
        "must_total": evaluation.must_total,
        "precision": round(evaluation.precision, 4),
        "strict_precision": round(evaluation.strict_precision, 4),
        "first": round(evaluation.first, 4),
        "first_right": evaluation.first_right,
        "first_total": evaluation.first_total,
        "matches": evaluation.matches,
        "violations": [list(v) for v in evaluation.violations],
        "failed": [r.case["id"] for r in evaluation.failed],
    }
    if seconds is not None:
        out["ms_per_case"] = round(1000 * seconds / max(len(evaluation.results), 1), 2)
    return out


def coverage(cases):
    from assistance.models import AssistanceArea, Column, Provider
    from states.models import RegionalGroup, State

    regions = dict(State.objects.values_list("iso3", "region__name"))
    programmes = sorted(Provider.objects.filter(kind=Provider.Kind.REGIONAL).values_list("slug", flat=True))
    return {
        "areas": _count(c["area"] for c in cases),
        "areas_missing": sorted(
            set(AssistanceArea.objects.values_list("code", flat=True)) - {c["area"] for c in cases}
        ),
        "columns": _count(col for c in cases for col in c["columns"]),
        "columns_missing": sorted(set(Column.values) - {col for c in cases for col in c["columns"]}),
        "regions": _count(regions[c["state"]] for c in cases),
        "regions_missing": sorted(
            set(RegionalGroup.objects.values_list("name", flat=True)) - {regions[c["state"]] for c in cases}
        ),
        "states": len({c["state"] for c in cases}),
        "programmes": {
            slug: {"must": sum(slug in c["must"] for c in cases), "must_not": sum(slug in c["must_not"] for c in cases)}
            for slug in programmes
        },
        "widened": sum(bool(c.get("widen")) for c in cases),
        "without_must": sum(not c["must"] for c in cases),
    }


def _count(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def ablation(cases, profiles):
    """The set routed with each weight set to 0 in turn (the others as they are)."""
    from assistance import routing
    from assistance.evaluation import evaluate_cases

    rows = {}
    for name in sorted(n for n in vars(routing) if n.startswith("W_")):
        value = getattr(routing, name)
        setattr(routing, name, 0)
        try:
            rows[name] = {"weight": value, **figures(evaluate_cases(cases, profiles=profiles))}
        finally:
            setattr(routing, name, value)
    return rows


def summary(report):
    f = report["figures"]
    cov = report["coverage"]
    lines = [
        "",
        f"Routing quality, {report['date']}, {report['machine']}, {report['database']}",
        "",
        report["table"],
        "",
        f"cases {f['cases']} ({cov['states']} States, {cov['widened']} widened, {cov['without_must']} without a must), "
        f"passed {f['passed']}",
        f"recall     {f['recall']:.3f}  ({f['must_found']} of {f['must_total']} must-include providers matched; "
        f"target >= {TARGET})",
        f"precision  {f['precision']:.3f}  (matches that are not must-not, over {f['matches']} matches; "
        f"target >= {TARGET})",
        f"strict     {f['strict_precision']:.3f}  (over the labelled matches only: must / (must + must-not))",
        f"first      {f['first']:.3f}  ({f['first_right']} of the {f['first_total']} cases naming the provider "
        "that plainly leads have it first)",
        f"must-not violations {len(f['violations'])}" + (f": {f['violations']}" if f["violations"] else ""),
        f"{f['ms_per_case']} ms per case (in-process, offers read once)",
        "",
        "coverage: areas " + ", ".join(f"{k} {v}" for k, v in cov["areas"].items()),
        "          columns " + ", ".join(f"{k} {v}" for k, v in cov["columns"].items()),
        "          regions " + ", ".join(f"{k} {v}" for k, v in cov["regions"].items()),
        "          programmes (must / must-not) "
        + ", ".join(f"{k} {v['must']}/{v['must_not']}" for k, v in cov["programmes"].items()),
    ]
    missing = [f"{k}: {', '.join(cov[k])}" for k in ("areas_missing", "columns_missing", "regions_missing") if cov[k]]
    if missing:
        lines.append("          NOT COVERED " + "; ".join(missing))
    if report.get("ablation"):
        lines += ["", "without each weight (set to 0):", ""]
        lines.append(
            f"{'weight':<22} {'value':>5}  {'recall':>6}  {'precision':>9}  {'first':>5}  {'must-not':>8}  failed cases"
        )
        for name, row in report["ablation"].items():
            lines.append(
                f"{name:<22} {row['weight']:>5}  {row['recall']:>6.3f}  {row['precision']:>9.3f}  "
                f"{row['first']:>5.2f}  {len(row['violations']):>8}  {', '.join(row['failed']) or '-'}"
            )
    return "\n".join(lines)


def met(f):
    return f["recall"] >= TARGET and f["precision"] >= TARGET and f["first"] >= TARGET and not f["violations"]


def main():
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-routing-quality-"))
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "python": platform.python_version(),
        "command": " ".join([".venv/bin/python", Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
    }
    url = None
    try:
        url = setup(args, workdir)
        from django.db import connection

        from assistance import services
        from assistance.evaluation import evaluate_cases, load_cases

        report["database"] = (
            f"{connection.vendor} {connection.cursor().connection.server_version}" if not args.sqlite else "sqlite"
        )
        cases = load_cases()
        profiles = services.offer_profiles()
        started = time.perf_counter()
        evaluation = evaluate_cases(cases)
        report["figures"] = figures(evaluation, time.perf_counter() - started)
        report["table"] = evaluation.table()
        report["cases"] = [
            {
                "id": r.case["id"],
                "matched": r.matched,
                "scores": r.scores,
                "missed": r.missed,
                "violations": r.violations,
            }
            for r in evaluation.results
        ]
        report["coverage"] = coverage(cases)
        if args.ablation:
            report["ablation"] = ablation(cases, profiles)
        connection.close()
    finally:
        if url and not args.sqlite and not args.keep_db:
            try:
                drop_database(url)
            except Exception as exc:  # noqa: BLE001 - cleaning up: say so, do not hide the first error
                log(f"could not drop the benchmark database: {exc}")
        if not args.keep_db:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    print(summary(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    return 0 if met(report["figures"]) else 2


if __name__ == "__main__":
    sys.exit(main())
