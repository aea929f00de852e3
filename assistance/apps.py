from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = _("Assistance")

    def ready(self):
        from assistance.models import AssistanceRequest, Match
        from states.contacts import register_provider_access

        # A provider's staff see a State's points of contact while their organisation is matched to or
        # working on one of the State's requests: routed, claimed or delivered; no longer once it is
        # closed or withdrawn (states/contacts.py).
        working = [
            AssistanceRequest.Status.ROUTED,
            AssistanceRequest.Status.CLAIMED,
            AssistanceRequest.Status.DELIVERED,
        ]

        def matched_or_working(provider_id, state_id) -> bool:
            return Match.objects.filter(
                provider_id=provider_id, request__state_id=state_id, request__status__in=working
            ).exists()

        register_provider_access(matched_or_working)

        # The State page lists the State's published requests and the help delivered (states/pages.py).
        from assistance.state_page import state_requests
        from states.pages import STATE_PAGE, register_page_section

        register_page_section(STATE_PAGE, state_requests)
