"""E-mail in each recipient's language.

A notification is composed once per language among its recipients (under `translation.override`),
and each group of recipients gets its own copy: an Arabic-speaking official reads Arabic, a French
provider desk French, with one message per language rather than one per person. A person's
language is the one saved in their profile; a provider's desk or a point of contact gets the first
of their working languages the portal serves, else English.
"""

from collections import namedtuple

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

Recipient = namedtuple("Recipient", "address language")


def served_language(*codes) -> str:
    """The first of the codes the portal serves (settings.LANGUAGES), else the default language."""
    served = {code for code, _ in settings.LANGUAGES}
    for code in codes:
        if code and code.lower() in served:
            return code.lower()
        if code and code.lower().startswith("zh") and "zh-hans" in served:
            return "zh-hans"
    return settings.LANGUAGE_CODE


def user_recipients(users) -> list[Recipient]:
    """The recipients among a queryset of users: those with an address, in their saved language."""
    return [
        Recipient(address, served_language(language))
        for address, language in users.exclude(email="").values_list("email", "language")
    ]


def unique(recipients) -> list[Recipient]:
    """Each address once, in the order given (the first language given for it wins)."""
    seen = {}
    for recipient in recipients:
        seen.setdefault(recipient.address, recipient)
    return list(seen.values())


def send(recipients, compose) -> int:
    """Send `compose()` → (subject, body), composed in each recipient's language; return how many got it."""
    by_language = {}
    for recipient in unique(recipients):
        by_language.setdefault(recipient.language, []).append(recipient.address)
    for language, addresses in by_language.items():
        with translation.override(language):
            subject, body = compose()
            send_mail(str(subject), str(body), settings.DEFAULT_FROM_EMAIL, addresses)
    return sum(len(addresses) for addresses in by_language.values())
