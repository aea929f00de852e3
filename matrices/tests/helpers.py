"""Building matrix versions in tests, through the services as the real users would."""

from matrices import services
from matrices.models import Regime


def regime(code):
    return Regime.objects.get(code=code)


def full_cells(matrix, mark="X", source="Act 1, s. 2"):
    """A value for every cell of the version's template."""
    return [
        {"row": spec.row.code, "column": spec.column, "aspect": spec.aspect, "mark": mark, "source": source}
        for spec in services.layout(matrix.template)
    ]


def draft(state, official, code="1540", cells=None):
    matrix = services.start_draft(state, regime(code), acting_user=official)
    if cells:
        services.update_cells(matrix, cells, acting_user=official)
    matrix.refresh_from_db()
    return matrix


def submitted(state, official, code="1540", cells=None):
    matrix = draft(state, official, code, cells)
    return services.submit(matrix, acting_user=official)


def approved(state, official, expert, code="1540", cells=None):
    return services.approve(submitted(state, official, code, cells), acting_user=expert)


def published(state, official, expert, code="1540", cells=None):
    matrix = approved(state, official, expert, code, cells)
    return services.set_consent(matrix, consent=True, acting_user=official)


CELL = {"row": "OP2.MANUFACTURE", "column": "CW", "aspect": "framework", "mark": "X", "source": "Chemical Act, s. 3"}
