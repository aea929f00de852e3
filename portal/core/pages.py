"""What every page view shares: pages of a list, and where a refused action is shown.

Access checks are in `portal.accounts.decorators`; the error page in `portal.core.errors`.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.utils.translation import gettext as _

from portal.core.exceptions import InvalidInput, NotFound


def paginate(request, items, per_page: int):
    """The page of `items` that `?page=` names (the first without one).

    A page number that is not a whole number is a 400, one past the end a 404: the same answers as
    the API's, never silently another page."""
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        raise InvalidInput(_("The page number must be a whole number."), code="invalid-parameter") from None
    except EmptyPage:
        raise NotFound(_("There is no such page of results.")) from None


def refusals_shown_on(url_name: str):
    """Mark a POST view whose refused action (409, 400 from a service) is shown as a message on the
    page `url_name` (reversed with the view's own URL arguments) rather than on the error page.

    `DomainErrorPagesMiddleware` reads the mark; 403 and 404 are always the error page."""

    def mark(view):
        view.refusals_shown_on = url_name
        return view

    return mark


def tabs(request, definitions: dict, counts: dict, active: str, *, param: str) -> tuple[list[dict], str]:
    """The tabs of a list page, each with its label, count and the query string that opens it with
    the page's other filters, and that query string for the active tab (for its pages' links).

    `definitions` maps each tab's key to a dict with at least its `label`; `param` is the query
    parameter that names the tab (`?status=`, `?tab=`)."""
    query = request.GET.copy()
    query.pop("page", None)
    listed = []
    for key, definition in definitions.items():
        query[param] = key
        listed.append(
            {
                "key": key,
                "label": definition["label"],
                "count": counts[key],
                "query": query.urlencode(),
                "active": key == active,
            }
        )
    query[param] = active
    return listed, query.urlencode()
