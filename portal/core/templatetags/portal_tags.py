"""The portal's presentation vocabulary for people (built into every template: settings.TEMPLATES).

Dates read one way on every page: "4 Jul 2024", with the time "4 Jul 2024 13:05" (UTC); machines
get ISO 8601 (`|date:'c'` in `<time datetime>`, the API and exports). Durations read in
minutes, hours or days, whichever fits.
"""

from django import template
from django.template.defaultfilters import date as format_date
from django.utils.translation import gettext as _

register = template.Library()

DAY = "j M Y"
MOMENT = "j M Y H:i"


@register.filter
def day(value):
    """A date (or the day of a moment) for people: 4 Jul 2024."""
    return format_date(value, DAY)


@register.filter
def moment(value):
    """A moment for people: 4 Jul 2024 13:05."""
    return format_date(value, MOMENT)


@register.filter
def duration(hours) -> str:
    """A duration given in hours, for people: `12 min`, `5.2 h`, `3.1 days`; a dash when unknown."""
    if hours is None or hours == "":
        return "—"
    hours = float(hours)
    if hours < 1:
        return _("%(n)s min") % {"n": round(hours * 60)}
    if hours < 48:
        return _("%(n).1f h") % {"n": hours}
    return _("%(n).1f days") % {"n": hours / 24}


def status_badge(status, label=None, *, statuses, tones) -> dict:
    """The context of `includes/status_badge.html`, for an app's own status tag: `statuses` are its
    choices (for the label when none is given), `tones` its colour per status."""
    return {"status": status, "label": label or statuses(status).label, "tone": tones.get(status, "secondary")}
