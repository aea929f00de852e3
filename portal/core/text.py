"""What text the portal stores: no control character but line breaks and tab, no lone surrogate.

The API refuses such text at its boundary (portal/core/api.py), the services again as a second line.
"""

import re

# Control characters other than tab, line feed and carriage return, DEL, the C1 range and lone
# surrogates (which no database can store as text). Written so that the OpenAPI schema can carry it.
FORBIDDEN_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
TEXT_PATTERN = rf"^[^{FORBIDDEN_TEXT[1:-1]}]*$"
_FORBIDDEN = re.compile(FORBIDDEN_TEXT)


def has_forbidden_characters(value: str) -> bool:
    return bool(_FORBIDDEN.search(value))


# An HTML tag, comment or declaration: `<b>`, `</p>`, `<!--`, `<?xml`. A lone `<` (`a < b`) is text.
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def text_errors(value, *, max_length: int, required: bool = False) -> tuple[str, list[str]]:
    """The one rule for text a person writes into the portal: (the text stripped, what is wrong with it).

    Plain text only, no control character but line breaks and tab, at most `max_length` characters.
    Services check every text field with it, whichever page, form or API call it came from."""
    from django.utils.translation import gettext as _

    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", [_("Must be text.")]
    if has_forbidden_characters(value):
        return "", [_("Control characters are not allowed (line breaks and tab are).")]
    value = value.strip()
    if required and not value:
        return value, [_("This field is required.")]
    if len(value) > max_length:
        return value, [_("At most %(max)s characters (this has %(n)s).") % {"max": max_length, "n": len(value)}]
    if HTML_TAG.search(value):
        return value, [_("Plain text only: HTML tags are not allowed.")]
    return value, []


def date_errors(value) -> tuple:
    """The one rule for a date a person gives (a form's text, JSON's ISO string, or a date already):
    (the date or None when empty, what is wrong with it)."""
    import datetime

    from django.utils.translation import gettext as _

    if value in (None, ""):
        return None, []
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value, []
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value), []
        except ValueError:
            pass
    return None, [_("Give a date as YYYY-MM-DD.")]
