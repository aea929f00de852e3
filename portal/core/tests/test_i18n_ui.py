"""The interface in the six UN languages: the switcher, ?lang=, the alternate links, the footer's
notice of an unreviewed translation, the right-to-left stylesheet and dates and numbers per language.

settings.LANGUAGES holds the served (complete) languages; these tests serve all six."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import translation

from portal.core import i18n
from portal.core.templatetags.portal_tags import day, moment, number, percent

pytestmark = pytest.mark.django_db

ALL = list(i18n.UN_LANGUAGES)
MOMENT = datetime.datetime(2024, 7, 4, 13, 5, tzinfo=datetime.UTC)


@pytest.fixture
def all_languages(settings):
    settings.LANGUAGES = ALL


@pytest.fixture
def english_only(settings):
    settings.LANGUAGES = [("en", "English")]


def page(client, url="/", **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response, unescape(response.content.decode())


def html_tag(content):
    return re.search(r"<html[^>]*>", content).group(0)


# The switcher


def test_with_one_language_there_is_no_switcher_and_no_alternate_link(client, reference, english_only):
    _response, content = page(client)

    assert 'id="language-switcher"' not in content
    assert "hreflang" not in content
    assert "language_switcher.js" not in content


def test_the_switcher_lists_each_served_language_in_its_own_name(client, reference, all_languages):
    _response, content = page(client, "/states/?q=jam&lang=fr")

    switcher = content[content.index('id="language-switcher"') : content.index("</details>")]
    for code, native in i18n.NATIVE_NAMES.items():
        assert re.search(rf'value="{code}" lang="{code}"[^>]*>{native}</button>', switcher), code
    # It posts to set_language and comes back to this page, less ?lang=.
    assert 'action="/i18n/setlang/"' in switcher
    assert 'name="next" value="/states/?q=jam"' in switcher
    assert "csrfmiddlewaretoken" in switcher
    assert re.search(r'class="dropdown-item active" aria-current="true">Français<', switcher)


def test_choosing_a_language_sets_the_cookie_and_returns_to_the_page(client, reference, all_languages):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/states/"})

    assert response.status_code == 302
    assert response["Location"] == "/states/"
    assert response.cookies["django_language"].value == "fr"
    _response, content = page(client, "/states/")
    assert 'lang="fr"' in html_tag(content)


def test_a_language_not_served_is_ignored(client, reference, english_only):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/states/"})

    assert response.status_code == 302
    assert response["Location"] == "/states/"
    assert "django_language" not in response.cookies


def test_set_language_never_returns_to_another_site(client, reference, all_languages):
    response = client.post("/i18n/setlang/", {"language": "zz", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_the_switcher_costs_no_query(rf, all_languages, django_assert_num_queries):
    request = rf.get("/states/")
    request.user = AnonymousUser()
    with translation.override("ar"), django_assert_num_queries(0):
        content = render_to_string("base.html", request=request)

    assert 'id="language-switcher"' in content


# ?lang=


def test_lang_in_the_query_wins_for_one_request_without_a_cookie(client, reference, all_languages):
    client.cookies["django_language"] = "es"

    response, content = page(client, "/states/?lang=ru")

    assert 'lang="ru"' in html_tag(content)
    assert response["Content-Language"] == "ru"
    assert "django_language" not in response.cookies
    _response, content = page(client, "/states/")
    assert 'lang="es"' in html_tag(content)


@pytest.mark.parametrize("value", ["de", "xx", "", "ar-EG<script>"])
def test_an_unknown_lang_is_ignored(client, reference, all_languages, value):
    _response, content = page(client, "/states/", QUERY_STRING=f"lang={value}")

    assert html_tag(content) == '<html lang="en">'


def test_lang_of_a_language_not_served_is_ignored(client, reference, english_only):
    _response, content = page(client, "/?lang=fr")

    assert html_tag(content) == '<html lang="en">'


def test_each_page_links_its_other_languages(client, reference, all_languages):
    _response, content = page(client, "/states/?q=jam&lang=fr")

    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', content)
    assert links == [
        *[(code, f"http://testserver/states/?q=jam&lang={code}") for code, _name in ALL],
        ("x-default", "http://testserver/states/?q=jam"),
    ]


# The footer's notice, the right-to-left stylesheet


@pytest.mark.parametrize("code", ["ar", "zh-hans", "fr", "ru", "es"])
def test_an_unreviewed_translation_says_so_in_the_footer(client, reference, all_languages, code):
    _response, content = page(client, f"/?lang={code}")

    assert 'id="translation-notice"' in content
    footer = content[content.index('<footer class="portal-footer') :]
    with translation.override(code):
        notice = translation.gettext("Machine-assisted translation, not yet reviewed by a professional translator.")
    assert notice != "Machine-assisted translation, not yet reviewed by a professional translator."
    assert notice in footer


def test_english_has_no_notice(client, reference, all_languages):
    _response, content = page(client, "/?lang=en")

    assert 'id="translation-notice"' not in content


def test_only_arabic_gets_the_right_to_left_stylesheet(client, reference, all_languages):
    for code in ("en", "fr", "zh-hans", "ru", "es"):
        _response, content = page(client, f"/?lang={code}")
        assert "bootstrap.rtl.min.css" not in content, code
        assert "bootstrap.min.css" in content
        assert "dir=" not in html_tag(content)

    _response, content = page(client, "/?lang=ar")

    assert "bootstrap.rtl.min.css" in content
    assert "vendor/bootstrap/bootstrap.min.css" not in content
    assert html_tag(content) == '<html lang="ar" dir="rtl">'


def test_the_right_to_left_stylesheet_is_bootstraps_own_of_the_same_version():
    from django.conf import settings

    folder = settings.BASE_DIR / "static" / "vendor" / "bootstrap"
    ltr = (folder / "bootstrap.min.css").read_text()[:200]
    rtl = (folder / "bootstrap.rtl.min.css").read_text()
    assert re.search(r"Bootstrap +v(\S+)", ltr).group(1) == re.search(r"Bootstrap +v(\S+)", rtl).group(1)
    assert "sourceMappingURL" not in rtl  # the map is not vendored: collectstatic would look for it


# Dates and numbers


@pytest.mark.parametrize(
    ("code", "shown_day", "shown_moment"),
    [
        ("en", "4 Jul 2024", "4 Jul 2024 13:05"),
        ("fr", "4 juil. 2024", "4 juil. 2024, 13:05"),
        ("es", "4 jul 2024", "4 jul 2024, 13:05"),
        ("ru", "4 июл. 2024\u202fг.", "4 июл. 2024\u202fг., 13:05"),
        ("zh-hans", "2024年7月4日", "2024年7月4日 13:05"),
        ("ar", "4 يوليو 2024", "4 يوليو 2024، 13:05"),
    ],
)
def test_dates_read_in_the_pages_language(code, shown_day, shown_moment):
    with translation.override(code):
        assert day(MOMENT) == shown_day
        assert day(MOMENT.date()) == shown_day
        assert moment(MOMENT) == shown_moment


def test_moments_are_shown_in_utc():
    paris = datetime.timezone(datetime.timedelta(hours=2))
    with translation.override("en"):
        assert moment(datetime.datetime(2024, 7, 4, 15, 5, tzinfo=paris)) == "4 Jul 2024 13:05"
        assert day(datetime.datetime(2024, 7, 5, 1, 0, tzinfo=paris)) == "4 Jul 2024"


def test_a_missing_date_shows_nothing():
    assert day(None) == day("") == moment(None) == ""


@pytest.mark.parametrize(
    ("code", "big", "one_decimal", "share"),
    [
        ("en", "12,345.678", "2.3", "42.5%"),
        ("fr", "12\u202f345,678", "2,3", "42,5\xa0%"),
        ("es", "12.345,678", "2,3", "42,5\xa0%"),
        ("zh-hans", "12,345.678", "2.3", "42.5%"),
    ],
)
def test_numbers_read_in_the_pages_language(code, big, one_decimal, share):
    with translation.override(code):
        assert number(12345.678) == big
        assert number("2.25", 1) == one_decimal  # rounded half up, as floatformat
        assert percent(42.5, 1) == share


def test_arabic_numbers_keep_western_digits_isolated_left_to_right():
    with translation.override("ar"):
        assert number(12345.678) == "\u206612,345.678\u2069"
        assert percent(42) == "\u206642%\u2069"
        assert "\u2066" not in day(MOMENT)  # Arabic script: in the text's own direction


def test_an_unknown_number_is_a_dash():
    assert number(None) == number("") == number("n/a") == percent(None) == "—"


def test_user_language_is_the_saved_one_when_served(settings):
    settings.LANGUAGES = ALL
    user = AnonymousUser()
    assert i18n.user_language(user) == "en"
    user.language = "fr"
    assert i18n.user_language(user) == "fr"
    settings.LANGUAGES = [("en", "English")]
    assert i18n.user_language(user) == "en"


def test_every_un_language_is_marked_reviewed_or_not():
    assert i18n.REVIEWED == {"ar": False, "zh-hans": False, "en": True, "fr": False, "ru": False, "es": False}


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/states/",
        "/states/JAM/",
        "/matrices/",
        "/compare/",
        "/compare/?regime=1540&a=JAM&b=KEN",
        "/search/",
        "/search/?q=Act",
        "/states/JAM/1540/diff/?from=1&to=1",
        "/organizations/",
        "/assistance/",
        "/assistance/offers/",
    ],
)
def test_every_public_page_takes_lang(client, reference, all_languages, url):
    """The alternate links of every page add `?lang=`: no page refuses it as an unknown parameter."""
    plain = client.get(url)
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}lang=fr")
    assert response.status_code == plain.status_code
    assert response.status_code < 500
    assert response.headers.get("Content-Language", "fr") == "fr"
