"""How a matrix version's status looks, the same on every page that shows it."""

from django import template

from matrices import forms
from matrices.models import Matrix
from portal.core.templatetags.portal_tags import status_badge

register = template.Library()
S = Matrix.Status

# One colour per status: the State's turn (secondary, warning), the experts' (info: waiting for
# them; dark: an expert is at it), done (primary), public (success).
TONES = {
    S.DRAFT: "secondary",
    S.SUBMITTED: "info",
    S.IN_REVIEW: "dark",
    S.CHANGES_REQUESTED: "warning",
    S.APPROVED: "primary",
    S.PUBLISHED: "success",
}
# A shape beside the text, so that the statuses differ at a glance without colour too (decorative:
# the text says the status). Submitted: waiting (empty circle); in review: under way (half circle).
ICONS = {
    S.SUBMITTED: "○",
    S.IN_REVIEW: "◐",
    S.CHANGES_REQUESTED: "↩",
    S.APPROVED: "✓",
}


@register.inclusion_tag("includes/status_badge.html")
def matrix_status(status, label=None):
    """`{% matrix_status matrix.status %}`: the status badge of a matrix version."""
    return {**status_badge(status, label, statuses=S, tones=TONES), "icon": ICONS.get(status, "")}


@register.simple_tag
def cell_anchor(row, column, aspect):
    """`{% cell_anchor row column aspect %}`: the HTML id of a cell, the same on every page (matrices.forms)."""
    return forms.cell_anchor((row, column, aspect))
