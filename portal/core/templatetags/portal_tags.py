"""The portal's presentation vocabulary for people (built into every template: settings.TEMPLATES).

Dates, moments and numbers read in the page's language (Babel, CLDR data), with Western digits in
every language, Arabic included, as in UN documents. English keeps the UN's day-month-year: "4 Jul
2024", with the time "4 Jul 2024 13:05"; French "4 juil. 2024", Chinese "2024年7月4日", Arabic
"4 يوليو 2024" (CLDR's medium date elsewhere; the long one in Arabic, whose medium is all digits).
Times are UTC, on 24 hours. Machines get ISO 8601 (`|date:'c'` in `<time datetime>`, the API and
exports). Durations read in minutes, hours or days, whichever fits. In a right-to-left page, a date
or number without right-to-left letters is isolated left-to-right (U+2066...U+2069), so that it keeps
its order beside the text around it.

The language switcher's tags (`language_choices`, `language_url`, `language_reviewed`) read only
settings and the request: no query.
"""

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from portal.core import i18n

register = template.Library()

# The English date and moment as Django date formats, for code that still formats with Django's
# `date` filter (prefer `day` and `moment`, which follow the page's language).
DAY = "j M Y"
MOMENT = "j M Y H:i"
# Date patterns (CLDR syntax) where the language's medium date is not the one people expect.
DAY_PATTERNS = {"en": "d MMM y", "ar": "d MMMM y"}
TIME_PATTERN = "HH:mm"
MOMENT_PATTERNS = {"en": "{1} {0}"}  # how a date and a time join: CLDR's medium datetime elsewhere
LTR_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"
DASH = "—"


def _locale():
    return i18n.babel_locale(translation.get_language() or "en")


def _isolated(text: str) -> str:
    """`text` isolated left-to-right in a right-to-left page when it has no right-to-left letter."""
    if translation.get_language_bidi() and not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return f"{LTR_ISOLATE}{text}{POP_ISOLATE}"
    return text


def _utc(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC)
    return value


def _day(value, language) -> str:
    pattern = DAY_PATTERNS.get(language, "medium")
    return babel_dates.format_date(_utc(value), pattern, locale=i18n.babel_locale(language))


@register.filter
def day(value):
    """A date (or the day of a moment, UTC) for people: 4 Jul 2024, 4 juil. 2024."""
    if not isinstance(value, datetime.date):
        return ""  # as Django's date filter: nothing for a missing or odd value
    language = translation.get_language() or "en"
    return _isolated(_day(value, language))


@register.filter
def moment(value):
    """A moment for people, UTC: 4 Jul 2024 13:05, 4 juil. 2024, 13:05."""
    if not isinstance(value, datetime.date):
        return ""
    language = translation.get_language() or "en"
    value = _utc(value)
    time = babel_dates.format_time(value, TIME_PATTERN, locale=i18n.babel_locale(language))
    glue = MOMENT_PATTERNS.get(language) or babel_dates.get_datetime_format("medium", locale=_locale())
    return _isolated(glue.replace("{1}", _day(value, language)).replace("{0}", time))


def _decimal(value, places=None):
    """The value as a Decimal (None when it is not a number), rounded half up as floatformat does."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
        if places not in (None, ""):
            amount = amount.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _with_places(pattern: str, places) -> str:
    """The language's own number pattern with a fixed number of decimals (as floatformat:N)."""
    places = int(places)
    positive = pattern.split(";")[0]
    return re.sub(r"0(?:\.[0#]*)?", "0" + ("." + "0" * places if places > 0 else ""), positive, count=1)


@register.filter
def number(value, places=None):
    """A number for people in the page's language: 12,345.6 (en), 12 345,6 (fr); `|number:1`
    keeps one decimal, as floatformat:1 did. A dash when unknown."""
    amount = _decimal(value, places)
    if amount is None:
        return DASH
    locale = Locale.parse(_locale())
    pattern = None if places in (None, "") else _with_places(locale.decimal_formats[None].pattern, places)
    return _isolated(babel_numbers.format_decimal(amount, format=pattern, locale=locale, numbering_system="latn"))


@register.filter
def percent(value, places=None):
    """A percentage given in percent (42, not 0.42) in the page's language: 42% (en), 42 % (fr);
    `|percent:1` keeps one decimal. A dash when unknown."""
    amount = _decimal(value, places)
    if amount is None:
        return DASH
    locale = Locale.parse(_locale())
    pattern = None if places in (None, "") else _with_places(locale.percent_formats[None].pattern, places)
    text = babel_numbers.format_percent(amount / 100, format=pattern, locale=locale, numbering_system="latn")
    return _isolated(text)


# ---------------------------------------------------------------------------------------------
# The language switcher and the alternate links of base.html


@register.simple_tag
def language_choices():
    """The served languages, each by its own name: [{code, name, short, bidi, current}] in the UN's
    order (`short`: EN, ZH..., shown where the name does not fit)."""
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": i18n.NATIVE_NAMES.get(code, code),
            "short": code.split("-")[0].upper(),
            "bidi": code in i18n.RTL_LANGUAGES,
            "current": code == current,
        }
        for code in i18n.served_languages()
    ]


def _query_without_lang(request) -> dict:
    query = request.GET.copy()
    query.pop("lang", None)
    return query


@register.simple_tag
def path_without_lang(request):
    """The current path and query string, less `lang`: where the switcher returns to."""
    query = _query_without_lang(request)
    return f"{request.path}?{query.urlencode()}" if query else request.path


@register.simple_tag
def language_url(request, code=None):
    """The current page's absolute address in one language (`?lang=`), or without `lang` (None)."""
    query = _query_without_lang(request)
    if code:
        query["lang"] = code
    encoded = query.urlencode()
    return request.build_absolute_uri(f"{request.path}?{encoded}" if encoded else request.path)


@register.filter
def language_reviewed(code) -> bool:
    """Whether a professional translator has reviewed the language (portal.core.i18n.REVIEWED)."""
    return i18n.REVIEWED.get(code, False)


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
