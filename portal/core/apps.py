from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _read_demo_flag(sender, **kwargs):
    from portal.core import demo_marking

    demo_marking.refresh_after_migrate(sender, **kwargs)


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Portal")

    def ready(self):
        # Whether the database holds demo data is read once a migration ends (portal/core/demo_marking.py).
        post_migrate.connect(_read_demo_flag, sender=self, dispatch_uid="portal.core.demo_flag")
