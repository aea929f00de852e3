from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("National implementation action plans")

    def ready(self):
        from plans.queries import state_page_section
        from states.pages import STATE_PAGE, register_page_section

        # The State page shows the State's latest published plan and its progress (states/pages.py).
        register_page_section(STATE_PAGE, state_page_section)
