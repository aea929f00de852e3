"""The translation catalogues are complete, current and consistent, and only complete languages are served.

- The English catalogue lists exactly the strings the code marks for translation (a fresh extraction,
  as `make messages` does, finds the same ones).
- Every other UN language translates every one of them (nothing untranslated or fuzzy), keeps each
  placeholder and HTML tag of the source, and its compiled .mo is the compilation of its .po.
- settings.LANGUAGES serves the six UN languages, and portal.core.i18n leaves out a language whose
  catalogue misses a single string.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from portal.core.i18n import UN_LANGUAGES, complete_languages, locale_name
from portal.core.management.commands.compile_catalogues import compile_catalogue

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
TRANSLATED = [code for code, _ in UN_LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([A-Za-z_0-9]+\)[sdfr]|\{[A-Za-z_0-9.]*\}")
POSITIONAL = re.compile(r"%[sdfr]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# What `make messages` leaves out (keep in step with MESSAGE_IGNORE in the Makefile).
IGNORED = {".venv", "bench", "staticfiles", "docs", "tests", "testing", "locale", ".git", "node_modules"}


def po(code, domain="django"):
    return polib.pofile(str(LOCALE / locale_name(code) / "LC_MESSAGES" / f"{domain}.po"))


def key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids a fresh extraction finds in a copy of the code (xgettext, as `make messages`)."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext's xgettext is not installed (apt-get install gettext); .ci/run installs it")
    copy = tmp_path_factory.mktemp("source")

    def ignore(folder, names):
        ignored = {name for name in names if name in IGNORED or name == "conftest.py"}
        if Path(folder) == ROOT / "static":
            ignored.add("vendor")
        return ignored

    for name in ("manage.py", "portal", "states", "matrices", "assistance", "plans", "templates", "static"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy(source, copy / name)
    (copy / "locale").mkdir()
    found = {}
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "en", "-d", domain, "--no-location"],
            cwd=copy,
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(copy)},
        )
        path = copy / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        found[domain] = {key(entry) for entry in polib.pofile(str(path))} if path.exists() else set()
    return found


def test_the_english_catalogue_lists_exactly_the_strings_the_code_marks(extracted):
    committed = {key(entry) for entry in po("en")}
    assert extracted["django"], "the extraction found no strings at all"
    missing = sorted(extracted["django"] - committed)[:10]
    stale = sorted(committed - extracted["django"])[:10]
    assert not missing and not stale, f"run `make messages`: new strings {missing}, gone strings {stale}"


def test_scripts_carry_no_text_of_their_own(extracted):
    # The scripts show only strings the page gives them (data-msg-* attributes rendered with
    # {% translate %}), so the Django catalogue covers them and no JavaScript catalogue can fall behind.
    assert extracted["djangojs"] == set()
    sentence = re.compile(r"""(["'`])[A-Z][a-z]+(?: [a-z]+){2,}[^"'`]*\1""")
    for script in (ROOT / "static" / "js").glob("*.js"):
        code = "\n".join(
            line for line in script.read_text().splitlines() if not line.lstrip().startswith(("//", "*", "/*"))
        )
        assert not sentence.findall(code), f"{script.name} has English text: pass it from the template instead"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_language_translates_every_string_and_keeps_placeholders(code):
    source = {key(entry) for entry in po("en")}
    catalogue = po(code)
    entries = {key(entry): entry for entry in catalogue if not entry.obsolete}
    assert set(entries) == source, "run `make messages`: the catalogue does not list the source strings"
    problems = []
    for entry in entries.values():
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(form.strip() for form in forms):
            problems.append(f"not translated: {entry.msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        tags = sorted(re.sub(r"\s+", " ", tag) for tag in TAG.findall(entry.msgid))
        for form in forms:
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} → {form!r}")
            if not entry.msgid_plural and len(POSITIONAL.findall(form)) != len(POSITIONAL.findall(entry.msgid)):
                problems.append(f"%s placeholders differ: {entry.msgid!r} → {form!r}")
            if sorted(re.sub(r"\s+", " ", tag) for tag in TAG.findall(form)) != tags:
                problems.append(f"HTML tags differ: {entry.msgid!r} → {form!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("code", [code for code, _ in UN_LANGUAGES])
def test_the_compiled_catalogue_is_the_compilation_of_the_po(code, tmp_path):
    folder = LOCALE / locale_name(code) / "LC_MESSAGES"
    copy = tmp_path / locale_name(code) / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(folder / "django.po", copy / "django.po")
    compile_catalogue(copy / "django.po")
    assert (copy / "django.mo").read_bytes() == (folder / "django.mo").read_bytes(), "run `make compile-messages`"


def test_the_six_un_languages_are_served():
    assert [code for code, _ in settings.LANGUAGES] == [code for code, _ in UN_LANGUAGES]


def test_a_language_missing_one_string_is_not_served(tmp_path):
    def catalogue(code, entries):
        folder = tmp_path / locale_name(code) / "LC_MESSAGES"
        folder.mkdir(parents=True)
        catalogue = polib.POFile()
        catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        for msgid, msgstr in entries.items():
            catalogue.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        catalogue.save(str(folder / "django.po"))
        compile_catalogue(folder / "django.po")

    catalogue("en", {"Save": "", "Matrix": ""})
    catalogue("fr", {"Save": "Enregistrer", "Matrix": "Matrice"})
    catalogue("es", {"Save": "Guardar", "Matrix": ""})  # one string left to translate
    catalogue("ru", {"Save": "Сохранить"})  # a string added since
    served = [code for code, _ in complete_languages(tmp_path)]
    assert served == ["en", "fr"]


def test_without_a_source_catalogue_only_english_is_served(tmp_path):
    assert [code for code, _ in complete_languages(tmp_path)] == ["en"]
