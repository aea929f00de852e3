import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from matrices import demo as matrices_demo
from matrices.models import Matrix
from portal.accounts.models import User
from portal.core import demo_marking
from portal.site import demo
from states.models import State


class Command(BaseCommand):
    help = (
        "Create demo data: one login per role and the matrices of a few dozen States in every stage of "
        "reporting and review (idempotent); or, with --scale N, full published matrices of all States for "
        "benchmarks. Prints the demo logins. Needs load_reference first. Refused on a production site "
        "(PORTAL_HTTPS=1) unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing but print the logins when the database has users"
        )
        parser.add_argument(
            "--states",
            type=int,
            default=demo.DEMO_STATES,
            metavar="N",
            help=f"how many States get demo matrices (default {demo.DEMO_STATES}; Jamaica and Kenya always)",
        )
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="instead of the demo matrices: all States x 4 regimes x N published versions, every cell "
            "filled (benchmark data; needs a database without matrices)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with PORTAL_HTTPS=1 (a production site): every page will then say it holds demo data",
        )

    def handle(self, *args, if_empty, states, scale, force, **options):
        if settings.HTTPS and not force:
            raise CommandError(
                "PORTAL_HTTPS=1: this looks like a production site. seed_demo writes invented legislation for "
                "real States and demo logins with a published password; run it with --force only if this "
                "site is meant to hold demo data."
            )
        missing = demo.reference_missing()
        if missing:
            raise CommandError(f"No reference data ({missing}): run `python manage.py load_reference` first.")
        if not 2 <= states <= State.objects.count():
            raise CommandError(f"--states must be between 2 and {State.objects.count()}.")
        if scale is not None and scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if if_empty and User.objects.exists():
            users = demo.demo_users()
            if users:  # a database seeded before demo data was recorded as such
                with transaction.atomic():
                    demo_marking.mark_seeded()
        else:
            if scale is not None and Matrix.objects.exists():
                raise CommandError("--scale writes versions 1..N: run it on a database without matrices.")
            started = time.monotonic()
            with transaction.atomic():
                users = demo.seed_users()
                demo_marking.mark_seeded()
            if scale is not None:
                with transaction.atomic():
                    summary = matrices_demo.seed_scale(scale)
                self.stdout.write(
                    f"Benchmark matrices: {summary['states']} States x {summary['regimes']} regimes x "
                    f"{summary['versions']} published version{'s' if summary['versions'] > 1 else ''} = "
                    f"{summary['matrices']} matrices, "
                    f"{summary['cells']} cells, in {time.monotonic() - started:.1f} s."
                )
            else:
                summary = demo.seed_matrices(states)
                if summary["matrices"]:
                    statuses = ", ".join(f"{n} {label}" for label, n in summary["statuses"].items())
                    self.stdout.write(
                        f"Demo matrices: {summary['matrices']} versions for {summary['states']} States "
                        f"({statuses}), in {time.monotonic() - started:.1f} s."
                    )
                requests = demo.seed_assistance()
                if requests:
                    statuses = ", ".join(f"{n} {status}" for status, n in sorted(requests.items()))
                    self.stdout.write(f"Demo assistance requests: {sum(requests.values())} ({statuses}).")
        if not users:
            return
        self.stdout.write(f"Demo logins (password: {settings.DEMO_PASSWORD}):")
        for user in sorted(users, key=lambda u: u.username):
            binding = user.state.name if user.state else user.provider.name if user.provider else ""
            self.stdout.write(f"  {user.username:<15} {user.get_role_display()}{' — ' + binding if binding else ''}")
