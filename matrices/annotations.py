"""Notes other apps put on the cells of a published matrix's page (the action plans' measures, ...).

Apps above matrices register, from their `ready()`, `register_cell_annotations(annotate, token)`:
`annotate(matrix)` returns `{(row code, column, aspect): [{"label": short, "text": full}, ...]}` for a
published version; `token(iso3)` returns a short text that changes whenever those notes may change for
the State's matrices (one cheap query). The page is cached (matrices/cache.py): the tokens are part of
its key, so a new note is shown at once and a stale one never.
"""

_sources = []


def register_cell_annotations(annotate, token):
    """Add a source of notes (once, however often the app is readied)."""
    if (annotate, token) not in _sources:
        _sources.append((annotate, token))


def cache_token(iso3: str) -> str:
    """What the cached page of a State's matrix must vary with: one part per registered source."""
    return "|".join(str(token(iso3)) for _annotate, token in _sources)


def annotate(matrix, sections) -> None:
    """Give each cell of the page's `sections` (matrices.grid) its `annotations` from every source."""
    if not _sources:
        return
    notes = {}
    for fn, _token in _sources:
        for key, entries in fn(matrix).items():
            notes.setdefault(tuple(key), []).extend(entries)
    for section in sections:
        for row in section.rows:
            for cell in row.cells:
                cell.annotations = notes.get(cell.spec.key, [])
