"""Domain errors raised by services, with a stable code; pages and the API answer them the same way."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 409
    code = "conflict"
    default_message = _("This cannot be done now.")

    def __init__(self, message=None, *, code=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        super().__init__(self.message)


class NotAllowed(DomainError):
    status = 403
    code = "permission-denied"
    default_message = _("You may not do this.")


class NotFound(DomainError):
    status = 404
    code = "not-found"
    default_message = _("Not found.")


class NotVisible(NotFound):
    """Answered as 404 so that nobody learns that another State's unpublished object exists."""


class InvalidTransition(DomainError):
    code = "invalid-transition"


class PublishedImmutable(DomainError):
    code = "published-immutable"
    default_message = _("A published version cannot be changed; start a new draft from it.")


class InvalidInput(DomainError):
    """Bad input, with the errors per field (or per item of a list) in `errors`."""

    status = 400
    code = "invalid"

    def __init__(self, message=None, *, errors=None, code=None):
        super().__init__(message, code=code)
        self.errors = errors or {}
