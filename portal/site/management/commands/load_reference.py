from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from assistance import reference as assistance_reference
from matrices import reference as matrices_reference
from portal.audit.services import record
from portal.core.reference import LoadReport
from states import reference as states_reference


class Command(BaseCommand):
    help = (
        "Load or refresh the reference data (States, organisations, treaties, assistance) and its names in "
        "the six UN languages. Idempotent."
    )

    def handle(self, *args, **options):
        report = LoadReport()
        # English is the source: names are read and written in English, translations in their own columns.
        with translation.override("en"), transaction.atomic():
            states_reference.load(report)
            assistance_reference.load(report)
            matrices_reference.load(report)
            if report.changed:
                record(
                    "reference.load",
                    None,
                    actor=None,
                    object_type="reference",
                    after={
                        "created": report.created,
                        "updated": report.updated,
                        "deleted": report.deleted,
                        "translated": report.translated,
                        "stale_translations": report.stale,
                    },
                )
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Reference data loaded." if report.changed else "Reference data up to date.")
        )
