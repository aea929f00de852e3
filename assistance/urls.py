"""The assistance pages' URLs, by audience (the API's are in assistance/api)."""

from django.urls import path

from assistance.views import confirm, expert, official, provider, public

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
    # The public
    path("", public.public_index, name="public_index"),
    path("published/<int:pk>/", public.public_request, name="public_request"),
]
