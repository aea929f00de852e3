"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) into the .mo files Django reads.

Pure Python (polib), so that no gettext tools are needed to run or deploy the portal. Untranslated and
fuzzy entries are left out, as msgfmt does. The English catalogue lists the source strings: it is
compiled with every string as its own translation, so that portal.core.i18n can tell which languages
translate all of them.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

from portal.core.i18n import DOMAINS, SOURCE_LANGUAGE, locale_name


def compile_catalogue(po_path):
    """Write the .mo beside a .po; return how many strings it translates."""
    catalogue = polib.pofile(str(po_path), wrapwidth=0)
    if po_path.parent.parent.name == locale_name(SOURCE_LANGUAGE):
        for entry in catalogue:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    return len(catalogue.translated_entries())


class Command(BaseCommand):
    help = "Compile every translation catalogue into the .mo files Django reads."

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for domain in DOMAINS:
                for po_path in sorted(Path(locale_dir).glob(f"*/LC_MESSAGES/{domain}.po")):
                    count = compile_catalogue(po_path)
                    self.stdout.write(f"{po_path.relative_to(locale_dir)}: {count} strings")
