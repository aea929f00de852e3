"""Every setting the code reads is declared in portal/settings.py (or is one of Django's), and every
environment variable the settings read is in the README's table."""

import re
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parents[3]
APPS = ["portal", "states", "matrices", "assistance", "bench"]
READ = re.compile(r"settings\.([A-Z][A-Z0-9_]+)|getattr\(settings, \"([A-Z][A-Z0-9_]+)\"")


def source_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def test_every_setting_the_code_reads_is_declared():
    declared = set(re.findall(r"^([A-Z][A-Z0-9_]+)\s*=", (ROOT / "portal/settings.py").read_text(), re.M))
    django_defaults = {name for name in dir(global_settings) if name.isupper()}
    # Keys of the REST_FRAMEWORK dictionary, read through DRF's api_settings.
    rest_framework = {"DEFAULT_PAGINATION_CLASS", "DEFAULT_PARSER_CLASSES"}
    read = {
        (path.relative_to(ROOT), name)
        for path in source_files()
        for match in READ.finditer(path.read_text())
        for name in match.groups()
        if name
    }
    undeclared = sorted(
        (str(path), name) for path, name in read if name not in declared | django_defaults | rest_framework
    )
    assert undeclared == []


def test_every_environment_variable_is_in_the_readme():
    settings_source = (ROOT / "portal/settings.py").read_text()
    variables = set(re.findall(r"\"((?:PORTAL|DJANGO)_[A-Z0-9_]+)\"", settings_source))
    readme = (ROOT / "README.md").read_text()
    assert variables, "the settings read no environment variable?"
    assert sorted(v for v in variables if f"`{v}" not in readme and f"{v}`" not in readme) == []
