"""How a matrix version's status looks, the same on every page that shows it."""

from django import template

from matrices import forms
from matrices.models import Matrix
from portal.core.templatetags.portal_tags import status_badge

register = template.Library()
S = Matrix.Status

# One colour per status: the State's turn (secondary, warning), the experts' (info), done (primary),
# public (success).
TONES = {
    S.DRAFT: "secondary",
    S.SUBMITTED: "info",
    S.IN_REVIEW: "info",
    S.CHANGES_REQUESTED: "warning",
    S.APPROVED: "primary",
    S.PUBLISHED: "success",
}


@register.inclusion_tag("includes/status_badge.html")
def matrix_status(status, label=None):
    """`{% matrix_status matrix.status %}`: the status badge of a matrix version."""
    return status_badge(status, label, statuses=S, tones=TONES)


@register.simple_tag
def cell_anchor(row, column, aspect):
    """`{% cell_anchor row column aspect %}`: the HTML id of a cell, the same on every page (matrices.forms)."""
    return forms.cell_anchor((row, column, aspect))
