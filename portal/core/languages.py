"""The languages the portal records for what people write and upload (requests, offers, plans,
contacts): the six UN languages, and Portuguese and Dutch, spoken by several Member States."""

LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es", "pt", "nl"]


def language_name(code: str) -> str:
    """A recorded language's name in the active interface language (CLDR, through Babel): "français"
    for "fr" on a French page, "French" on an English one; the code itself when CLDR does not know it."""
    from babel import Locale, UnknownLocaleError
    from django.utils.translation import get_language, to_locale

    try:
        return Locale.parse(to_locale(get_language() or "en")).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code
