import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.accounts import services
from portal.accounts.models import Role


class Command(BaseCommand):
    help = "Create a portal user with a role. The password comes from PORTAL_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--state", help="ISO alpha-3 code of the official's State")
        parser.add_argument("--provider", help="slug of the staff member's provider organisation")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, state, provider, email, **options):
        try:
            state_obj, provider_obj = services.resolve_binding(role, state_code=state, provider_slug=provider)
            password = os.environ.get("PORTAL_PASSWORD") or self._prompt()
            user = services.create_portal_user(
                username, role=role, password=password, state=state_obj, provider=provider_obj, email=email
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        binding = f" for {user.state.iso3}" if user.state else f" for {user.provider.slug}" if user.provider else ""
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()}{binding})."))

    def _prompt(self):
        try:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("No password given: set PORTAL_PASSWORD or answer the prompt.") from None
        if first != second:
            raise CommandError("The passwords do not match.")
        if not first:
            raise CommandError("The password may not be empty.")
        return first
