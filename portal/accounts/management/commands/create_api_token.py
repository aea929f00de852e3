from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.accounts import services
from portal.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="the token may only read")
        parser.add_argument("--expires-days", type=int, default=None, help="days until the token expires")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username, read_only, expires_days, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username}.")
        try:
            token, raw = services.issue_token(user, read_only=read_only, expires_days=expires_days, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        scope = "read-only" if token.read_only else "read-write"
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "does not expire"
        self.stderr.write(f"Token for {user.username} ({scope}, {expiry}). It is shown only this once:")
        self.stdout.write(raw)
