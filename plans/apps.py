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

        from matrices.search_sources import register_search_source
        from plans.search import published_plans

        # The site search (/search/) lists the published plans containing the text searched for.
        register_search_source(published_plans)

        from matrices.annotations import register_cell_annotations
        from plans.markers import cache_token, cell_annotations

        # The public matrix page marks the cells the State's latest published plan covers.
        register_cell_annotations(cell_annotations, cache_token)
