from django.urls import register_converter


class RegimeConverter:
    """A regime as written in URLs: 1540, cwc, npt or bwc."""

    regex = "1540|cwc|npt|bwc|CWC|NPT|BWC"

    def to_python(self, value):
        return value.lower()

    def to_url(self, value):
        return str(value).lower()


# Registered before the view modules are imported: their `path()` calls check the converter at once.
register_converter(RegimeConverter, "regime")

from matrices.views import public, review, workspace  # noqa: E402

app_name = "matrices"

urlpatterns = [*public.urlpatterns, *workspace.urlpatterns, *review.urlpatterns]
