"""E-mail goes out in each recipient's language: one copy per language, composed in it."""

import pytest
from django.core import mail as outbox
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext as _

from portal.core import mail
from portal.core.i18n import UN_LANGUAGES

SIX = override_settings(LANGUAGES=UN_LANGUAGES)


@SIX
def test_each_language_gets_its_own_copy_composed_in_it():
    languages_seen = []

    def compose():
        languages_seen.append(translation.get_language())
        return _("Spanish"), "body"

    sent = mail.send(
        [
            mail.Recipient("a@example.org", "fr"),
            mail.Recipient("b@example.org", "en"),
            mail.Recipient("c@example.org", "fr"),
            mail.Recipient("a@example.org", "ru"),  # the same address twice: once, in its first language
        ],
        compose,
    )
    assert sent == 3
    assert languages_seen == ["fr", "en"]
    assert [message.to for message in outbox.outbox] == [["a@example.org", "c@example.org"], ["b@example.org"]]


def test_nobody_means_no_message():
    assert mail.send([], lambda: ("s", "b")) == 0
    assert outbox.outbox == []


@SIX
@pytest.mark.parametrize(
    ("codes", "language"),
    [(["ar"], "ar"), (["pt", "fr"], "fr"), (["zh"], "zh-hans"), (["pt", "nl"], "en"), ([], "en"), ([""], "en")],
)
def test_the_first_served_working_language_is_used(codes, language):
    assert mail.served_language(*codes) == language


@override_settings(LANGUAGES=[("en", "English"), ("fr", "French")])
def test_a_language_not_served_falls_back_to_english():
    assert mail.served_language("ar") == "en"


@SIX
@pytest.mark.django_db
def test_users_are_reached_in_their_saved_language(django_user_model):
    django_user_model.objects.create(username="amal", email="amal@example.org", role="expert", language="ar")
    django_user_model.objects.create(username="jo", email="jo@example.org", role="expert", language="")
    django_user_model.objects.create(username="noaddress", email="", role="expert", language="fr")
    recipients = mail.user_recipients(django_user_model.objects.order_by("username"))
    assert recipients == [mail.Recipient("amal@example.org", "ar"), mail.Recipient("jo@example.org", "en")]
