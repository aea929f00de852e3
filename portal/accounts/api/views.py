from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from portal.accounts import services
from portal.accounts.api.serializers import MeSerializer
from portal.core.api import StrictQueryMixin


class MeView(StrictQueryMixin, generics.RetrieveUpdateAPIView):
    """The user the token or session belongs to; PATCH changes its name and e-mail address."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.update_profile(self.request.user, acting_user=self.request.user, **serializer.validated_data)
