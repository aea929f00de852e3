"""The one rule for documents people upload (national reports, documents on a request's conversation):
an accepted extension, not empty, at most `MAX_UPLOAD_MB`, and content that starts as its extension
says. The stored name is always the portal's, never the uploader's (each caller names the file)."""

import os

from django.conf import settings
from django.utils.translation import gettext as _

# What each accepted extension's file must start with: PDF, OLE2 compound file (.doc), ZIP (.docx, .odt).
SIGNATURES = {".pdf": b"%PDF-", ".doc": b"\xd0\xcf\x11\xe0", ".docx": b"PK\x03\x04", ".odt": b"PK\x03\x04"}


def document_errors(document, *, extensions, wrong_type: str) -> list[str]:
    """What is wrong with an uploaded `document` whose extension must be one of `extensions`; empty
    when it is fine. `wrong_type` is the message for any other extension."""
    extension = os.path.splitext(document.name or "")[1].lower()
    if extension not in extensions:
        return [wrong_type]
    if not document.size:
        return [_("The file is empty.")]
    if document.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        return [_("The file is larger than %(max)s MB.") % {"max": settings.MAX_UPLOAD_MB}]
    signature = SIGNATURES[extension]
    document.seek(0)
    head = document.read(len(signature))
    document.seek(0)
    if head != signature:
        return [_("The file's content is not a %(ext)s document.") % {"ext": extension}]
    return []


# What an accepted document is served as.
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def document_response(document, *, filename="", public=False, missing=""):
    """A stored document as an attachment, streamed from the storage (never a link to it), under
    `filename` (the name it was sent with) or its stored name. Only a published document may be kept
    by shared caches (`public`); a missing file is a 404 saying `missing`."""
    from django.http import FileResponse

    from portal.core.exceptions import NotFound

    try:
        handle = document.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(missing or _("The file of this document is missing.")) from None
    stored = os.path.basename(document.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename or stored,
        content_type=CONTENT_TYPES.get(os.path.splitext(stored)[1].lower(), "application/octet-stream"),
    )
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
