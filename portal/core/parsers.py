"""The API's one parser: JSON bodies bounded in size and depth, with no control character anywhere.

Kept apart from portal/core/api.py: DRF reads its parser setting while `rest_framework.views` is
being imported, so this module must not import that (nor anything that does).
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from portal.core.text import has_forbidden_characters

MAX_NESTING = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload-too-large"
    default_detail = gettext_lazy("The request body is too large.")


class InvalidBody(exceptions.ParseError):
    default_code = "parse-error"


def _check_structure(data) -> None:
    """Refuse nesting deeper than MAX_NESTING and forbidden characters in any key or string."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if has_forbidden_characters(value):
                raise InvalidBody(
                    _("%(where)s contains a control character (only line breaks and tab are allowed in text).")
                    % {"where": path or _("The body")},
                    code="invalid-character",
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_NESTING:
            raise InvalidBody(_("The body is nested more than %(n)s levels deep.") % {"n": MAX_NESTING})
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_forbidden_characters(key):
                raise InvalidBody(_("A field name contains a control character."), code="invalid-character")
            stack.append((item, depth + 1, where))


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON value")


class StrictJSONParser(JSONParser):
    """JSON bodies only, bounded in size and depth, with no control character in any string."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        meta = request.META if request is not None else {}
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(_("The request body is larger than %(n)s bytes.") % {"n": limit})
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(n)s bytes.") % {"n": limit})
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise InvalidBody(_("The body is nested more than %(n)s levels deep.") % {"n": MAX_NESTING}) from None
        except (UnicodeDecodeError, LookupError):
            raise InvalidBody(_("The body is not valid %(encoding)s text.") % {"encoding": encoding}) from None
        except ValueError as exc:
            raise InvalidBody(_("The body is not valid JSON: %(error)s.") % {"error": exc}) from None
        _check_structure(data)
        return data
