from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatricesConfig(AppConfig):
    name = "matrices"
    verbose_name = _("Implementation matrices")

    def ready(self):
        from matrices.coverage import organization_section
        from matrices.state_page import matrix_regimes
        from states.organization_page import register_organization_page_section
        from states.pages import register_state_page_section

        # The State page lists the State's matrices (states/pages.py); an organisation's page shows
        # its members' coverage (states/organization_page.py).
        register_state_page_section(matrix_regimes)
        register_organization_page_section(organization_section)
