from django.shortcuts import render
from django.views.decorators.http import require_safe

from states import selectors as states


@require_safe
def home(request):
    """The front page: what the portal is, and the figures behind it."""
    return render(request, "core/home.html", states.figures())
