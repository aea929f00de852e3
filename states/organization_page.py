"""What other apps add to a regional organisation's public page (`states.views.organization_detail`).

The same hook as the State page's (`states/pages.py`): the states app imports no app above it, so an
app that shows something on the page (the matrices app, its members' coverage) registers a function
from its `AppConfig.ready`. Each function takes the request, the organisation and its memberships
(with their States) and returns context for `states/organization_detail.html`.
"""

_organization_page_sections = []


def register_organization_page_section(section):
    """Add `section(request, organization, memberships) -> dict` to the context of every organisation page."""
    if section not in _organization_page_sections:
        _organization_page_sections.append(section)
    return section


def organization_page_context(request, organization, memberships) -> dict:
    context = {}
    for section in _organization_page_sections:
        context.update(section(request, organization, memberships))
    return context
