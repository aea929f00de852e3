"""What other apps add to the states app's public pages: a State's page (`states.views.state_detail`)
and a regional organisation's (`states.views.organization_detail`).

The states app imports no app above it; an app that shows something on one of these pages (the
matrices app: a State's matrices, an organisation's members' coverage) registers a function from its
`AppConfig.ready`. Each function returns context for the page's template:

- State page: `section(request, state) -> dict` (`states/state_detail.html`);
- organisation page: `section(request, organization, memberships) -> dict`, the memberships with
  their States (`states/organization_detail.html`).
"""

STATE_PAGE = "state"
ORGANIZATION_PAGE = "organization"
_sections = {STATE_PAGE: [], ORGANIZATION_PAGE: []}


def register_page_section(page, section):
    """Add `section` to the context of every page of the kind `page` (STATE_PAGE, ORGANIZATION_PAGE)."""
    if section not in _sections[page]:
        _sections[page].append(section)
    return section


def page_context(page, request, *args) -> dict:
    """The context every registered section adds to a page of the kind `page`."""
    context = {}
    for section in _sections[page]:
        context.update(section(request, *args))
    return context
