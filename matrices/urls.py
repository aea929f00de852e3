from django.urls import register_converter

from matrices.views import public, review, workspace


class RegimeConverter:
    """A regime as written in URLs: 1540, cwc, npt or bwc."""

    regex = "1540|cwc|npt|bwc|CWC|NPT|BWC"

    def to_python(self, value):
        return value.lower()

    def to_url(self, value):
        return str(value).lower()


register_converter(RegimeConverter, "regime")

app_name = "matrices"

urlpatterns = [*public.urlpatterns, *workspace.urlpatterns, *review.urlpatterns]
