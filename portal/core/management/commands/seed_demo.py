from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts.models import User
from portal.core import demo
from states.models import State


class Command(BaseCommand):
    help = "Create demo data (one login per role) and print the demo logins. Needs load_reference first."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing but print the logins when the database has users"
        )

    def handle(self, *args, if_empty, **options):
        if not State.objects.exists():
            raise CommandError("No reference data: run `python manage.py load_reference` first.")
        if if_empty and User.objects.exists():
            users = User.objects.filter(username__in=[u[0] for u in demo.DEMO_USERS]).select_related(
                "state", "provider"
            )
        else:
            with transaction.atomic():
                users = demo.seed_users()
        if not users:
            return
        self.stdout.write(f"Demo logins (password: {settings.DEMO_PASSWORD}):")
        for user in sorted(users, key=lambda u: u.username):
            binding = user.state.name if user.state else user.provider.name if user.provider else ""
            self.stdout.write(f"  {user.username:<15} {user.get_role_display()}{' — ' + binding if binding else ''}")
