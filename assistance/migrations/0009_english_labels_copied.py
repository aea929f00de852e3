"""The English column of each translated field (`translation.py`) starts as the field's current value: English
is the source language, and the other languages' columns stay empty (read as English) until `load_reference`
fills them."""

from django.db import migrations
from django.db.models import F

FIELDS = [
    ("AssistanceArea", "label"),
    ("Provider", "name"),
]


def copy_english(apps, schema_editor):
    for model_name, field in FIELDS:
        apps.get_model("assistance", model_name).objects.update(**{f"{field}_en": F(field)})


class Migration(migrations.Migration):
    dependencies = [("assistance", "0008_translated_labels")]

    operations = [migrations.RunPython(copy_english, migrations.RunPython.noop)]
