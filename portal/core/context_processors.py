"""Template context every page gets."""

from portal.core import demo_marking


def demo_data(request):
    """`demo_data`: whether the database holds demo data (the banner of base.html). No query."""
    return {"demo_data": demo_marking.present}  # called by the template only where it is used
