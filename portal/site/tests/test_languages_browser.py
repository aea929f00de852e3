"""Each of the six UN languages, walked in Debian's Chromium as its readers would: the public journey
(home, States, a State, a published matrix, the comparison, the search, the offers, a provider) and an
official's editor (the workspace, the section grid, a new assistance request). On every page no English
is left outside the text people entered themselves (marked with its own `lang`), codes and a short list of
proper names.

English is recognised three ways, each cheap and with few false alarms:
- a text that is exactly one of the portal's English source strings (when the language translates it
  differently);
- an English function word ("the", "with", "your"...), which French and Spanish text never contains;
- in Arabic, Chinese and Russian, any Latin-script word found in the English source strings.
"""

import re

import polib
import pytest
from django.conf import settings

from assistance.models import Provider
from matrices.models import Matrix
from matrices.tests.helpers import draft
from matrices.tests.test_public import filled_cells, publish
from portal.core.i18n import UN_LANGUAGES, locale_name
from portal.testing.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [code for code, _ in UN_LANGUAGES if code != "en"]
NON_LATIN = {"ar", "zh-hans", "ru"}
FUNCTION_WORDS = {
    "the", "and", "with", "your", "you", "this", "that", "these", "those", "of", "to", "for", "from", "by",
    "has", "have", "not", "are", "is", "was", "were", "which", "will", "been", "their", "there", "what", "when",
    "who", "how", "than", "into", "only", "yet", "any", "each", "its", "it", "or", "at", "be", "can", "all",
}  # fmt: skip
# Proper names, key names and terms of art written in Latin letters in every language.
ALLOWED = {"vertic", "unicri", "unodc", "opcw", "iaea", "caricom", "ecowas", "cica", "osce", "interpol", "osoi"}
ALLOWED |= {"enter", "esc", "home", "end", "page", "up", "down", "delete", "backspace", "ctrl", "shift", "tab", "mac"}
ALLOWED_TERMS = ["catch-all"]  # export control's term, kept in brackets after the translation
# The text of every element, attribute people read, and message the scripts show, outside text in another
# language (the entries people wrote, marked lang), code and the scripts themselves.
READ_TEXT = """
() => {
  const pageLang = document.documentElement.lang.toLowerCase();
  const skip = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const tag = e.tagName;
      if (["SCRIPT", "STYLE", "CODE", "KBD", "SAMP", "TEMPLATE", "NOSCRIPT"].includes(tag)) return true;
      if (e.getAttribute("translate") === "no") return true;
      const lang = e.getAttribute("lang");
      if (lang !== null && lang.toLowerCase().split("-")[0] !== pageLang.split("-")[0]) return true;
    }
    return false;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.textContent.trim() && !skip(node.parentElement)) found.push(node.textContent);
  }
  for (const el of document.querySelectorAll("*")) {
    if (skip(el)) continue;
    for (const attr of el.attributes) {
      const name = attr.name;
      const read = ["title", "aria-label", "placeholder", "alt", "aria-description"].includes(name);
      if (read || name.startsWith("data-msg")) {
        found.push(attr.value);
      } else if (name === "value" && el.tagName === "INPUT" && ["submit", "button"].includes(el.type)) {
        found.push(attr.value);
      }
    }
  }
  found.push(document.title);
  return found;
}
"""


def english_source():
    """The English source strings that the language translates differently, and their words."""
    strings, words = {}, set()
    for entry in polib.pofile(str(settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po")):
        strings[entry.msgid] = entry
        words |= {
            word.lower() for word in re.findall(r"[A-Za-z]{3,}", re.sub(r"%\([a-z_]+\)[sd]|<[^>]+>", "", entry.msgid))
        }
    return strings, words


def translations(code):
    path = settings.BASE_DIR / "locale" / locale_name(code) / "LC_MESSAGES" / "django.po"
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))}


def english_in(texts, code, source, vocabulary, translated):
    found = []
    for raw in texts:
        text = " ".join(raw.split())
        for term in ALLOWED_TERMS:
            text = text.replace(term, "")
        if not re.search(r"[A-Za-z]", text):
            continue
        if text in source and translated.get(text, text) != text:
            found.append(text)
            continue
        words = [
            word
            for word in re.findall(r"(?<![@/.\w])[A-Za-z][A-Za-z']+(?![@/\w])", text)
            if not word.isupper() and word.lower() not in ALLOWED
        ]
        function_word = any(word.lower() in FUNCTION_WORDS for word in words)
        english_word = code in NON_LATIN and any(word.lower() in vocabulary for word in words if len(word) > 2)
        if function_word or english_word:
            found.append(text)
    return found


def walk(page, code, urls):
    source, vocabulary = english_source()
    translated = translations(code)
    leaks = {}
    for url in urls:
        response = page.goto(url)
        assert response.status < 400, f"{url}: HTTP {response.status}"
        assert page.evaluate("document.documentElement.lang") == code
        direction = page.evaluate("getComputedStyle(document.documentElement).direction")
        assert direction == ("rtl" if code == "ar" else "ltr")
        found = english_in(page.evaluate(READ_TEXT), code, source, vocabulary, translated)
        if found:
            leaks[url] = sorted(set(found))[:15]
    return leaks


@pytest.fixture
def journey(state_a, state_b, state_a_official, state_b_official, expert):
    publish(state_a, state_a_official, expert, filled_cells(6, source="Jamaican Act {i}"))
    publish(state_b, state_b_official, expert, filled_cells(4, source="Kenyan Act {i}"))
    publish(
        state_a, state_a_official, expert, filled_cells(5, source="Jamaican CWC Act {i}", regime="CWC"), regime="CWC"
    )
    # Reporting for the CWC once also opened the 1540 draft (report once).
    own_draft = Matrix.objects.filter(state=state_a, regime__code="1540", status="draft").first() or draft(
        state_a, state_a_official
    )
    checklist_draft = draft(state_a, state_a_official, "CWC")
    checklist_section = checklist_draft.template.sections.order_by("order").first().code
    provider = Provider.objects.filter(offers__isnull=False).order_by("slug").first()
    public = [
        "/",
        "/states/",
        f"/states/{state_a.iso3}/",
        f"/states/{state_a.iso3}/1540/v1/",
        f"/states/{state_a.iso3}/cwc/v1/",
        f"/compare/?regime=1540&a={state_a.iso3}&b={state_b.iso3}",
        "/search/?q=Jamaican",
        "/matrices/",
        "/assistance/offers/",
        f"/assistance/providers/{provider.slug}/",
        "/organizations/",
    ]
    official = [
        "/workspace/",
        f"/workspace/{own_draft.pk}/section/OP2/",
        f"/workspace/{checklist_draft.pk}/section/{checklist_section}/",
        "/assistance/requests/new/",
        "/plans/",
    ]
    return public, official


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_public_journey_and_the_editor_have_no_english(page, journey, code, live_server):
    public, official = journey
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": live_server.url}])
    leaks = walk(page, code, public)

    leaks |= walk(page, code, ["/accounts/login/?next=/workspace/"])
    page.locator("#id_username").fill("official-a")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/workspace/")
    leaks |= walk(page, code, official)

    assert not leaks, "English left on the pages:\n" + "\n".join(f"{url}: {texts}" for url, texts in leaks.items())


def test_the_detector_finds_english_and_spares_codes_and_names():
    source, vocabulary = english_source()
    translated = translations("fr")
    some_string = next(msgid for msgid, text in translated.items() if text and text != msgid and len(msgid) > 12)
    assert english_in([some_string], "fr", source, vocabulary, translated) == [some_string]
    assert english_in(["Enregistré avec the autorité"], "fr", source, vocabulary, translated)
    assert english_in(["Сохранить changes"], "ru", source, vocabulary, translated)
    assert not english_in(
        ["JAM · OP2.MANUFACTURE · CW", "VERTIC", "x@example.org", "2024"], "ru", source, vocabulary, translated
    )
    assert not english_in(["Enregistrer la matrice de la Jamaïque"], "fr", source, vocabulary, translated)


SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", SCREENS)
def test_arabic_reads_right_to_left_on_the_main_pages(page, journey, live_server, screen, tmp_path):
    """Home, a published matrix, the official's grid and a request form in Arabic: right to left, nothing
    pushed sideways, the brand on the right, codes and numbers left to right inside. The screenshots go
    to PORTAL_SCREENSHOTS when it is set (to look at them), else to the test's temporary folder."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    public, official = journey
    page.set_viewport_size(SCREENS[screen])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}])

    def check(url, name):
        page.goto(url)
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{url} scrolls sideways"
        brand = page.locator(".navbar-brand").bounding_box()
        assert brand["x"] + brand["width"] / 2 > SCREENS[screen]["width"] / 2, "the brand starts on the right"
        for code in page.locator("code").all()[:5]:
            assert code.evaluate("el => getComputedStyle(el).direction") == "ltr"
        page.screenshot(path=str(folder / f"ar-{name}-{screen}.png"), full_page=False)

    check("/", "home")
    check(public[3], "matrix")
    page.goto("/accounts/login/?next=/workspace/")
    page.locator("#id_username").fill("official-a")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/workspace/")
    check(official[1], "grid")
    check(official[3], "request-form")
