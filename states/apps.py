from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatesConfig(AppConfig):
    name = "states"
    verbose_name = _("States")

    def ready(self):
        from states.contacts import contacts_section
        from states.pages import STATE_PAGE, register_page_section

        # The State page says which kinds of contact the State has designated; those who may see the
        # contacts see them there too (states/contacts.py).
        register_page_section(STATE_PAGE, contacts_section)
