"""The language of what people write (legal sources and remarks, comments, offers, messages, plans):
recorded with the text and kept as written, never translated.

A writer may say the language of their text (`language` on the form or in the API); otherwise it is
taken to be the language of the interface they wrote it in. Codes are those of
`portal.core.languages.LANGUAGES` ("zh" for Chinese, where the interface says "zh-hans").
Pages mark the text with `lang` and `dir="auto"` (`{% usertext %}` in `portal/core/templatetags/usertext.py`).
"""

from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.core.languages import LANGUAGES

DEFAULT = "en"


def text_language(interface_code: str | None) -> str:
    """The text-language code of an interface language: zh-hans → zh, fr → fr, pt-br → pt; unknown → en."""
    code = (interface_code or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def writer_language(given: str | None = None) -> str:
    """The language a text is written in: the one given, else the writer's active interface language."""
    return given or text_language(translation.get_language())


def language_error(code) -> str | None:
    """Why `code` is not a language a text can be recorded in, or None."""
    if code in LANGUAGES:
        return None
    return _unknown_language_message().format(input=code)


def check(given, errors: dict, field: str = "language") -> str:
    """The language of a text about to be written: the one given (checked, with an error in `errors`
    under `field` otherwise) or the writer's active interface language."""
    code = writer_language(given)
    problem = language_error(code)
    if problem:
        errors[field] = [problem]
    return code


def _unknown_language_message() -> str:
    # Read in the caller's language when the error is given; DRF fills {input}.
    return _("Unknown language {input}: choose one of %(known)s.") % {"known": ", ".join(LANGUAGES)}


@extend_schema_field({"$ref": "#/components/schemas/LanguageEnum"})
class LanguageField(serializers.ChoiceField):
    """The API's `language` of a text people write: one of `portal.core.languages.LANGUAGES`; optional on
    input (then the writer's interface language, from `Accept-Language`), a 400 that lists the codes
    otherwise."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "the language the text is written in (" + ", ".join(LANGUAGES) + ")")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": lazy(_unknown_language_message, str)()},
        )
        super().__init__(choices=LANGUAGES, **kwargs)
