"""The languages the portal records for what people write and upload (requests, offers, plans,
contacts): the six UN languages, and Portuguese and Dutch, spoken by several Member States; and the one
way to name them, in the reader's language."""

from django.utils.translation import gettext_lazy as _

LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es", "pt", "nl"]
LANGUAGE_NAMES = {
    "ar": _("Arabic"),
    "zh": _("Chinese"),
    "en": _("English"),
    "fr": _("French"),
    "ru": _("Russian"),
    "es": _("Spanish"),
    "pt": _("Portuguese"),
    "nl": _("Dutch"),
}


def language_name(code: str) -> str:
    """A recorded language's name in the reader's language ("French", "français"); the code itself
    for a language the portal does not record."""
    return str(LANGUAGE_NAMES.get(code, code))
