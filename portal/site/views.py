from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from portal.site import selectors_work
from states import selectors as states


@require_safe
def home(request):
    """The front page: what the portal is, and the figures behind it."""
    return render(request, "core/home.html", states.figures())


@login_required
@require_safe
def my_work(request):
    """Where a user lands after logging in: what waits for their action, by role (selectors_work)."""
    return render(request, "core/my_work.html", {"work": selectors_work.my_work(request.user)})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the portal's icon."""
    return redirect(static("favicon.svg"), permanent=True)
