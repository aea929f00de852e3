from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatricesConfig(AppConfig):
    name = "matrices"
    verbose_name = _("Implementation matrices")

    def ready(self):
        from matrices.state_page import matrix_regimes
        from states.pages import register_state_page_section

        # The State page lists the State's matrices (states/pages.py).
        register_state_page_section(matrix_regimes)
