"""What other apps add to a State's public page (`states.views.state_detail`).

The states app imports no app above it; an app that shows something on the State page (the matrices app,
its matrices) registers a function from its `AppConfig.ready`. Each function takes the request and the
State and returns context for `states/state_detail.html`.
"""

_state_page_sections = []


def register_state_page_section(section):
    """Add `section(request, state) -> dict` to the context of every State page."""
    if section not in _state_page_sections:
        _state_page_sections.append(section)
    return section


def state_page_context(request, state) -> dict:
    context = {}
    for section in _state_page_sections:
        context.update(section(request, state))
    return context
