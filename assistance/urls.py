"""The assistance pages' URLs, by audience (the API's are in assistance/api)."""

from django.urls import path

from assistance.views import confirm, conversation, expert, offers, official, provider, public

app_name = "assistance"

urlpatterns = [
    # The State's officials
    path("requests/", official.my_requests, name="my_requests"),
    path("requests/new/", official.new_request, name="new_request"),
    path("requests/<int:pk>/", official.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", official.edit_request, name="edit_request"),
    path("requests/<int:pk>/submit/", official.submit, name="submit_request"),
    path("requests/<int:pk>/withdraw/", official.withdraw, name="withdraw_request"),
    path("requests/<int:pk>/withdraw/confirm/", confirm.confirm_withdraw, name="confirm_withdraw"),
    path("requests/<int:pk>/feedback/", official.feedback, name="feedback"),
    # The conversation between the State and one provider (officials, the provider's staff, experts)
    path("requests/<int:pk>/conversation/<slug:provider_slug>/", conversation.thread, name="conversation"),
    path(
        "requests/<int:pk>/conversation/<slug:provider_slug>/documents/<int:message_pk>/",
        conversation.message_document,
        name="message_document",
    ),
    # Providers' staff
    path("provider/", provider.inbox, name="provider_inbox"),
    path("provider/<int:pk>/", provider.request_detail, name="provider_request"),
    path("provider/<int:pk>/claim/", provider.claim, name="provider_claim"),
    path("provider/<int:pk>/release/", provider.release, name="provider_release"),
    path("provider/<int:pk>/join/", provider.join, name="provider_join"),
    path("provider/<int:pk>/progress/", provider.progress, name="provider_progress"),
    path("provider/<int:pk>/deliver/", provider.deliver, name="provider_deliver"),
    path("provider/<int:pk>/deliver/confirm/", confirm.confirm_deliver, name="confirm_deliver"),
    # The Committee's experts
    path("expert/", expert.request_list, name="expert_requests"),
    path("expert/turnaround/", expert.turnaround, name="turnaround"),
    path("expert/<int:pk>/", expert.request_detail, name="expert_request"),
    path("expert/<int:pk>/reroute/", expert.reroute, name="expert_reroute"),
    path("expert/<int:pk>/assign/", expert.assign, name="expert_assign"),
    path("expert/<int:pk>/why-not/", expert.why_not, name="expert_why_not"),
    # The public
    path("", public.public_index, name="public_index"),
    path("published/<int:pk>/", public.public_request, name="public_request"),
    # Assistance offers: the public's, the provider's staff's, the Committee's on a provider's behalf
    path("offers/", offers.offer_list, name="offers"),
    path("offers/<int:pk>/", offers.offer_detail, name="offer"),
    path("providers/<slug:slug>/", offers.provider_page, name="provider"),
    path("provider/offers/", offers.provider_offers, name="provider_offers"),
    path("provider/offers/new/", offers.provider_offer_new, name="provider_offer_new"),
    path("provider/offers/<int:pk>/edit/", offers.provider_offer_edit, name="provider_offer_edit"),
    path("provider/offers/<int:pk>/withdraw/", offers.provider_offer_withdraw, name="provider_offer_withdraw"),
    path("provider/offers/<int:pk>/confirm/", offers.confirm_offer, name="provider_offer_confirm"),
    path("expert/offers/", offers.expert_offers, name="expert_offers"),
    path("expert/offers/new/", offers.expert_offer_new, name="expert_offer_new"),
    path("expert/offers/<int:pk>/edit/", offers.expert_offer_edit, name="expert_offer_edit"),
    path("expert/offers/<int:pk>/withdraw/", offers.expert_offer_withdraw, name="expert_offer_withdraw"),
]
