"""The URLs of the matrices pages: public, the State's workspace, the experts' review."""

from django.urls import path, register_converter

from matrices.views import confirm, public, review, threads, workspace


class RegimeConverter:
    """A regime as written in URLs: 1540, cwc, npt or bwc."""

    regex = "1540|cwc|npt|bwc|CWC|NPT|BWC"

    def to_python(self, value):
        return value.lower()

    def to_url(self, value):
        return str(value).lower()


# Registered before the patterns below: `path()` checks the converter at once.
register_converter(RegimeConverter, "regime")

app_name = "matrices"

urlpatterns = [
    # Public pages: published versions only
    path("matrices/", public.browse, name="browse"),
    path("matrices/export.<str:fmt>", public.browse_export, name="browse_export"),
    path("compare/", public.compare, name="compare"),
    path("search/", public.search, name="search"),
    path("states/<str:iso3>/<regime:regime>/", public.published_latest, name="published_latest"),
    path("states/<str:iso3>/<regime:regime>/v<int:version>/", public.published, name="published"),
    path("states/<str:iso3>/<regime:regime>/v<int:version>/export.<str:fmt>", public.export, name="export"),
    path("states/<str:iso3>/<regime:regime>/diff/", public.version_diff, name="version_diff"),
    # The State's workspace
    path("workspace/", workspace.dashboard, name="dashboard"),
    path("workspace/start/", workspace.start, name="start"),
    path("workspace/gaps/", workspace.gaps, name="gaps"),
    path("workspace/<int:pk>/", workspace.workspace, name="workspace"),
    path("workspace/<int:pk>/section/<str:section>/", workspace.edit_section, name="edit_section"),
    path("workspace/<int:pk>/section/<str:section>/cell/", workspace.save_cell, name="save_cell"),
    path("workspace/<int:pk>/document/", workspace.upload_document, name="upload_document"),
    path("workspace/<int:pk>/document/download/", workspace.download_document, name="download_document"),
    path("workspace/<int:pk>/report/", workspace.cite_report, name="cite_report"),
    path("workspace/<int:pk>/language/", workspace.entries_language, name="entries_language"),
    path("reports/<int:pk>/download/", workspace.download_report, name="download_report"),
    path("workspace/<int:pk>/submit/", workspace.submit, name="submit"),
    path("workspace/<int:pk>/consent/", workspace.consent, name="consent"),
    path("workspace/<int:pk>/comment/", workspace.comment, name="comment"),
    # The experts' review
    path("review/", review.review_queue, name="review_queue"),
    path("review/states/", review.unreported, name="unreported"),
    path("review/prepare/", review.prepare, name="prepare"),
    path("review/<int:pk>/", review.review, name="review"),
    path("review/<int:pk>/comment/", review.review_comment, name="review_comment"),
    path("review/<int:pk>/request-changes/", review.request_changes, name="request_changes"),
    path("review/<int:pk>/approve/", review.approve, name="approve"),
    path("review/<int:pk>/resolve/", threads.review_resolve, name="resolve_thread"),
    path("workspace/<int:pk>/resolve/", threads.workspace_resolve, name="workspace_resolve_thread"),
    # Confirmation pages before irreversible actions (their forms post to the actions above)
    path("workspace/<int:pk>/submit/confirm/", confirm.confirm_submit, name="confirm_submit"),
    path("workspace/<int:pk>/consent/confirm/", confirm.confirm_consent, name="confirm_consent"),
    path("review/<int:pk>/approve/confirm/", confirm.confirm_approve, name="confirm_approve"),
]
