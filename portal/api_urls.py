"""The REST API, version 1: `/api/v1/`."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assistance.api.messages import RequestMessagesView
from assistance.api.views import OfferViewSet, ProviderViewSet, RequestViewSet, TurnaroundView
from matrices.api.views import GapsView, MatrixViewSet, RegimeViewSet
from portal.accounts.api.views import MeView
from states.api.views import StateViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("states", StateViewSet, basename="state")
router.register("assistance/providers", ProviderViewSet, basename="provider")
router.register("assistance/requests", RequestViewSet, basename="assistance-request")
router.register("assistance/offers", OfferViewSet, basename="assistance-offer")
router.register("regimes", RegimeViewSet, basename="regime")
router.register("matrices", MatrixViewSet, basename="matrix")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("gaps/", GapsView.as_view(), name="gaps"),
    path("assistance/turnaround/", TurnaroundView.as_view(), name="turnaround"),
    path("assistance/requests/<str:pk>/messages/", RequestMessagesView.as_view(), name="assistance-request-messages"),
    *router.urls,
]
