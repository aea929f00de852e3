from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top of the portal: the home page and the commands that load reference data and seed demo
    data across the domain apps. The one app that may import all of them (docs/architecture.md, "Layers")."""

    name = "portal.site"
    label = "site"
    verbose_name = _("Site")
