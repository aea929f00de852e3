"""The reasons of a match, stored language-neutral and shown in the reader's language.

Routing runs in a worker, in English; officials, providers and experts read its reasons in their own
language. So a reason is stored as its English message id and its parameters, and translated when it
is read (`reason_texts`): `{"text": "offers %(area)s", "params": {"area": "export-control"}}`. Numbers
and codes are parameters; a few codes are shown as their label in the reader's language (`area`: the
area of assistance, `type`: the type of help, `period`: the capacity period). A reason with a number
in it that decides its grammar also keeps its plural message id and that number (`ngettext`). Message
ids are marked with `gettext_noop` where the reasons are made, so that `makemessages` finds them.

Matches routed before this stored plain English strings: they are shown as they are (translated when
the whole string is a message id, "preferred by the State").
"""

from django.utils.translation import gettext, ngettext

from assistance.models import AssistanceArea, AssistanceType, Offer
from portal.core.languages import language_name


def reason(text: str, **params) -> dict:
    """A reason: `text` is an English message id marked with gettext_noop, `params` its values."""
    return {"text": text, "params": params} if params else {"text": text}


def plural_reason(singular: str, plural: str, n: int, **params) -> dict:
    """A reason whose grammar follows the number `n` (rendered with ngettext; `n` is a parameter too)."""
    return {"text": singular, "plural": plural, "n": n, "params": {"n": n, **params}}


def reason_texts(reasons, area=None) -> list[str]:
    """The reasons in the active language. `area` is the request's area of assistance when the page
    has it loaded (its label is then read without a query)."""
    labels = _AreaLabels(area)
    return [render(entry, labels) for entry in reasons or []]


def render_parts(parts) -> str:
    """Parts of a phrase (reasons, or lists of codes) in the active language: "members of CARICOM; KEN, PER"."""
    return _value("parts", list(parts), _AreaLabels(None))


def render(entry, labels=None) -> str:
    """One reason in the active language (a plain string from an older match is shown as it is)."""
    if isinstance(entry, str):
        return gettext(entry) if entry else entry
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        return str(entry)
    labels = labels or _AreaLabels(None)
    if entry.get("plural"):
        message = ngettext(entry["text"], entry["plural"], _number(entry.get("n")))
    else:
        message = gettext(entry["text"]) if entry["text"] else ""
    params = entry.get("params") or {}
    if not params:
        return message
    values = {key: _value(key, value, labels) for key, value in params.items()}
    for template in (message, entry["text"]):  # the English one when a translation does not fit
        try:
            return template % values
        except (KeyError, TypeError, ValueError):
            continue
    return entry["text"]


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _value(key, value, labels):
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):  # parts: "members of CARICOM; KEN, PER"
            return "; ".join(
                render(item, labels) if isinstance(item, dict) else _value(key, item, labels) for item in value
            )
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return render(value, labels)
    if key == "area" and isinstance(value, str):
        return labels.label(value)
    if key == "type" and value in AssistanceType.values:
        return str(AssistanceType(value).label).lower()
    if key == "lang" and isinstance(value, str):
        return language_name(value)
    if key == "period" and value in Offer.Period.values:
        return str(Offer.Period(value).label)
    return value


class _AreaLabels:
    """Area codes to labels in the active language: the request's area first, else one query."""

    def __init__(self, area):
        self.area = area
        self.labels = {}

    def label(self, code):
        if self.area is not None and getattr(self.area, "code", None) == code:
            return str(self.area.label)
        if code not in self.labels:
            found = AssistanceArea.objects.filter(code=code).first()
            self.labels[code] = found.label if found else code
        return self.labels[code]
