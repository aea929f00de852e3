"""Other sources the site search (`/search/`) lists beside the matrices' cells.

Apps above matrices (action plans, ...) register a function here from their `ready()`, so that matrices
never imports them: `fn(text, state=None, region=None)` returns at most `MAX_RESULTS` published
documents containing `text`, of a State (ISO code) or a UN regional group (name) if given, each a dict
`{"title", "url", "state", "snippet"}`. Each function should run a constant number of queries.
"""

MAX_RESULTS = 10

_sources = []


def register_search_source(fn):
    """Add `fn` to the site search (once, however often the app is readied)."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def search_sources(text, *, state=None, region=None) -> list[dict]:
    """What every registered source finds, in the order they were registered."""
    found = []
    for fn in _sources:
        found.extend(list(fn(text, state=state, region=region))[:MAX_RESULTS])
    return found
