"""The portal's interface languages, and which of them it may serve.

The six official languages of the United Nations are the target. A language is served (offered to
``set_language``, negotiated from ``Accept-Language``, listed in the switcher) only when its compiled
catalogue translates every source string: a half-translated page is never shown. The English catalogue
(``locale/en/LC_MESSAGES``) is the list of source strings, compiled with each string as its own
translation, so completeness is a set comparison of two compiled catalogues, read once at start-up.

``make messages`` extracts the strings and compiles the catalogues (``manage.py compile_catalogues``);
``portal/core/tests/test_catalogues.py`` checks that the committed catalogues match the source code.

A visitor chooses a language with the switcher (``set_language`` at /i18n/setlang/, which also
saves a logged-in user's choice) or for one page with ``?lang=xx`` (``QueryLanguageMiddleware``); a
logged-in user's saved language is set again at each login. ``user_language`` is the language to
write to a user in.
"""

import gettext
from pathlib import Path

from django.utils.translation import gettext_noop

# The six official languages of the United Nations, in the order of the UN's own sites.
UN_LANGUAGES = [
    ("ar", gettext_noop("Arabic")),
    ("zh-hans", gettext_noop("Chinese")),
    ("en", gettext_noop("English")),
    ("fr", gettext_noop("French")),
    ("ru", gettext_noop("Russian")),
    ("es", gettext_noop("Spanish")),
]
SOURCE_LANGUAGE = "en"
# Each language's name in itself, for the switcher (a reader looks for their own language's name).
NATIVE_NAMES = {
    "ar": "العربية",
    "zh-hans": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
RTL_LANGUAGES = {"ar"}
DOMAINS = ("django", "djangojs")


def locale_name(code):
    """The catalogue folder of a language code: zh-hans → zh_Hans, as Django's to_locale does."""
    language, _, region = code.partition("-")
    if not region:
        return language
    return f"{language}_{region.title() if len(region) > 2 else region.upper()}"


def catalogue_keys(locale_dir, code, domain):
    """The msgids a compiled catalogue translates (empty when the catalogue is missing)."""
    path = Path(locale_dir) / locale_name(code) / "LC_MESSAGES" / f"{domain}.mo"
    try:
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
    except OSError:
        return set()
    # A plural entry is stored once per form, as (msgid, n): a language has as many forms as it needs.
    return {key[0] if isinstance(key, tuple) else key for key in catalogue._catalog} - {""}


def missing_strings(locale_dir, code):
    """How many source strings the language's catalogues do not translate."""
    missing = 0
    for domain in DOMAINS:
        source = catalogue_keys(locale_dir, SOURCE_LANGUAGE, domain)
        missing += len(source - catalogue_keys(locale_dir, code, domain))
    return missing


def complete_languages(locale_dir, languages=UN_LANGUAGES):
    """The languages to serve: English (the source), and every language whose catalogues are complete.

    Without a source catalogue nothing can be checked, so only English is served.
    """
    if not catalogue_keys(locale_dir, SOURCE_LANGUAGE, "django"):
        return [(code, name) for code, name in languages if code == SOURCE_LANGUAGE]
    return [
        (code, name) for code, name in languages if code == SOURCE_LANGUAGE or missing_strings(locale_dir, code) == 0
    ]


# Whether a professional translator has reviewed a language's catalogue. An unreviewed language is
# served once complete, and its pages say so in the footer (`templates/base.html`).
REVIEWED = {code: code == SOURCE_LANGUAGE for code, _name in UN_LANGUAGES}


def served_languages():
    """The codes of the languages the portal serves now (settings.LANGUAGES)."""
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES]


def is_served(code) -> bool:
    return bool(code) and code in served_languages()


def user_language(user):
    """The language to write to `user` in (e-mails...): their saved choice if served, else the default."""
    from django.conf import settings

    language = getattr(user, "language", "") or ""
    return language if is_served(language) else settings.LANGUAGE_CODE


def babel_locale(code):
    """The Babel (CLDR) locale of a language code: zh-hans → zh_Hans."""
    return locale_name(code)
