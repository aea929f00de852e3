from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatricesConfig(AppConfig):
    name = "matrices"
    verbose_name = _("Implementation matrices")

    def ready(self):
        from matrices.coverage import organization_section
        from matrices.reports import state_page_section
        from matrices.state_page import matrix_regimes
        from states.pages import ORGANIZATION_PAGE, STATE_PAGE, register_page_section

        # The State page lists the State's matrices; an organisation's page shows its members'
        # coverage (states/pages.py).
        register_page_section(STATE_PAGE, matrix_regimes)
        # ... and its national reports (`matrices/_national_reports.html`).
        register_page_section(STATE_PAGE, state_page_section)
        register_page_section(ORGANIZATION_PAGE, organization_section)
