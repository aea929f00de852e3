"""The REST API, version 1: `/api/v1/`."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assistance.api.messages import RequestMessagesView
from assistance.api.views import OfferViewSet, ProviderViewSet, RequestViewSet, TurnaroundView
from matrices.api.views import GapsView, MatrixViewSet, RegimeViewSet, StateReportsView
from plans.api.views import PlanViewSet
from portal.accounts.api.views import MeView
from states.api.contacts import ContactConfirmView, ContactView, StateContactsView
from states.api.views import StateViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("states", StateViewSet, basename="state")
router.register("assistance/providers", ProviderViewSet, basename="provider")
router.register("assistance/requests", RequestViewSet, basename="assistance-request")
router.register("assistance/offers", OfferViewSet, basename="assistance-offer")
router.register("regimes", RegimeViewSet, basename="regime")
router.register("matrices", MatrixViewSet, basename="matrix")
router.register("plans", PlanViewSet, basename="plan")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("gaps/", GapsView.as_view(), name="gaps"),
    path("states/<str:iso3>/reports/", StateReportsView.as_view(), name="state-reports"),
    path("assistance/turnaround/", TurnaroundView.as_view(), name="turnaround"),
    path("assistance/requests/<str:pk>/messages/", RequestMessagesView.as_view(), name="assistance-request-messages"),
    path("states/<str:iso3>/contacts/", StateContactsView.as_view(), name="state-contacts"),
    path("contacts/<str:pk>/", ContactView.as_view(), name="contact"),
    path("contacts/<str:pk>/confirm/", ContactConfirmView.as_view(), name="contact-confirm"),
    *router.urls,
]
