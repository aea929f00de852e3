"""Names sort as a reader of each UN language expects (`portal.core.collation`)."""

import pytest
from django.utils import translation

from portal.core.collation import collated_choices, sort_key, sorted_by


def test_french_accented_capitals_sort_among_their_letter():
    names = ["Zambie", "Émirats arabes unis", "Espagne", "Égypte", "Afrique du Sud", "Équateur"]
    ordered = sorted(names, key=lambda name: sort_key(name, "fr"))
    assert ordered == ["Afrique du Sud", "Égypte", "Émirats arabes unis", "Équateur", "Espagne", "Zambie"]


def test_chinese_sorts_by_pinyin():
    # Ā fù hàn, Bā xī, Dé guó, Měi guó, Rì běn, Zhōng guó.
    names = ["中国", "日本", "阿富汗", "美国", "德国", "巴西"]
    ordered = sorted(names, key=lambda name: sort_key(name, "zh-hans"))
    assert ordered == ["阿富汗", "巴西", "德国", "美国", "日本", "中国"]


def test_russian_sorts_alphabetically():
    names = ["Япония", "Эстония", "Австрия", "Ёмен", "Египет", "Россия", "Зимбабве", "Чили"]
    ordered = sorted(names, key=lambda name: sort_key(name, "ru"))
    assert ordered == ["Австрия", "Египет", "Ёмен", "Зимбабве", "Россия", "Чили", "Эстония", "Япония"]


def test_spanish_and_english_ignore_case_and_accents_first():
    assert sorted(["zeta", "Perú", "Panamá", "país"], key=lambda t: sort_key(t, "es")) == [
        "país",
        "Panamá",
        "Perú",
        "zeta",
    ]


def test_arabic_sorts_by_its_alphabet():
    # alif, bāʾ, lām, mīm
    names = ["مصر", "ليبيا", "الأردن", "بوتان"]
    assert sorted(names, key=lambda name: sort_key(name, "ar")) == ["الأردن", "بوتان", "ليبيا", "مصر"]


def test_the_active_language_is_the_default():
    names = ["Zambie", "Émirats arabes unis", "Égypte"]
    with translation.override("fr"):
        assert sorted_by(names) == ["Égypte", "Émirats arabes unis", "Zambie"]
        assert collated_choices(names, value=str) == [(n, n) for n in ["Égypte", "Émirats arabes unis", "Zambie"]]


@pytest.mark.django_db
def test_a_collated_state_picker_lists_states_in_the_readers_order(reference):
    from portal.core.collation import CollatedModelChoiceField
    from states.models import State

    field = CollatedModelChoiceField(queryset=State.objects.order_by("name"), to_field_name="iso3", empty_label="—")
    with translation.override("fr"):
        labels = [label for _value, label in field.choices]
    assert labels[0] == "—"
    assert (
        labels.index("Égypte") < labels.index("Émirats arabes unis") < labels.index("Espagne") < labels.index("Zambie")
    )
    with translation.override("fr"):
        assert {str(value): label for value, label in field.choices}["ARE"] == "Émirats arabes unis"
