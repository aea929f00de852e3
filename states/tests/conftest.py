"""Fixtures of the states app's tests."""

from states.tests.contacts_fixtures import jam_contacts  # noqa: F401 - a fixture
