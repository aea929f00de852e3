"""The English column of each translated field (`translation.py`) starts as the field's current value: English
is the source language, and the other languages' columns stay empty (read as English) until `load_reference`
fills them."""

from django.db import migrations
from django.db.models import F

FIELDS = [
    ("RegionalGroup", "name"),
    ("State", "name"),
    ("RegionalOrganization", "name"),
    ("Treaty", "name"),
]


def copy_english(apps, schema_editor):
    for model_name, field in FIELDS:
        apps.get_model("states", model_name).objects.update(**{f"{field}_en": F(field)})


class Migration(migrations.Migration):
    dependencies = [("states", "0003_translated_names")]

    operations = [migrations.RunPython(copy_english, migrations.RunPython.noop)]
