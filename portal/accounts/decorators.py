"""Who may open a page: the one set of access checks for page views.

Anonymous visitors are sent to the login page; a logged-in user without the role gets the 403
page with the reason. The roles are the User model's (`is_reviewer`, `is_state_official`,
`is_provider_staff`); what a user may see of one object is the services' `get_visible`, whose
`NotVisible` becomes a 404 page (portal/core/errors.py).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


def role_required(has_role, refusal):
    """A decorator: the view runs for users for whom `has_role(user)` holds."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user):
                raise PermissionDenied(str(refusal))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# The Committee's experts and the administrators: the review queue, every matrix, every request.
reviewer_required = role_required(lambda user: user.is_reviewer, _("These pages are for the Committee's experts."))
# A State's officials: their State's workspace and assistance requests.
official_required = role_required(lambda user: user.is_state_official, _("These pages are for State officials."))
# A provider's staff: the requests routed to their organisation.
provider_required = role_required(
    lambda user: user.is_provider_staff and user.provider_id is not None,
    _("These pages are for the staff of assistance providers."),
)
# The matrix workspace: a State's officials and the experts who prepare drafts for States.
workspace_required = role_required(
    lambda user: user.is_state_official or user.is_reviewer,
    _("The workspace is for State officials and the Committee's experts."),
)
