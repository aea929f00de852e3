"""The matrices part of a State's public page (`states/state_detail.html`), registered with the states
app's hook (`states/pages.py`) by `MatricesConfig.ready`."""

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from matrices import coverage
from matrices.models import Matrix


def matrix_regimes(request, state) -> dict:
    """The State's matrices: the published versions for everyone, and every version for the State's
    own officials and the Committee's experts (`Matrix.objects.visible_to`)."""
    visible = Matrix.objects.visible_to(request.user).filter(state=state)
    matrices = list(visible.select_related("regime", "template").order_by("regime__order", "-version"))
    # Coverage of the newest version of each regime only (older ones are listed with their dates and
    # links): the page costs the same however many versions a State has reported.
    newest_version = visible.filter(regime=OuterRef("regime")).order_by("-version").values("version")[:1]
    newest = {}
    for matrix in matrices:
        newest.setdefault(matrix.regime_id, matrix)
    sections = coverage.by_matrix(newest.values(), scope=visible.filter(version=Subquery(newest_version)).order_by())
    regimes = {}
    for matrix in matrices:
        matrix.state = state
        matrix.coverage = sections.get(matrix.pk)
        matrix.link = _matrix_link(matrix)
        regimes.setdefault(matrix.regime_id, {"regime": matrix.regime, "versions": []})["versions"].append(matrix)
    return {"matrix_regimes": list(regimes.values())}


def _matrix_link(matrix):
    """The public page of a published version; the workspace page of another one (shown only to those
    who may see it)."""
    if matrix.is_published:
        return matrix.get_absolute_url()
    return reverse("matrices:workspace", args=[matrix.pk])
