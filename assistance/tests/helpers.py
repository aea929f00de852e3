"""Building assistance requests in tests, through the services as the real users would."""

from assistance import services
from assistance.models import AssistanceRequest, RoutingJob


def template(**overrides):
    data = {
        "area": "LEGISLATION",
        "columns": ["CW"],
        "assistance_type": "legislative_drafting",
        "title": "Penal provisions for chemical weapons offences",
        "needs": [{"description": "Review of the draft Chemical Weapons Bill against CWC Art. VII", "cells": []}],
        "language": "en",
        "contact_person": "Ms A. Example, Ministry of Foreign Affairs",
        "consent_to_publish": True,
    }
    data.update(overrides)
    return data


def draft_request(state, official, **overrides) -> AssistanceRequest:
    return services.create(state, template(**overrides), acting_user=official)


def submit(request, official) -> AssistanceRequest:
    return services.submit(request, acting_user=official)


def routed_request(state, official, **overrides) -> AssistanceRequest:
    """A submitted request routed by running its job here (as the worker would)."""
    request = submit(draft_request(state, official, **overrides), official)
    for job in RoutingJob.objects.filter(request=request, status=RoutingJob.Status.PENDING):
        services.route(job.pk)
    request.refresh_from_db()
    return request


def persona(request, name):
    """The user fixture called `name`, or None for the public."""
    return None if name == "public" else request.getfixturevalue(name)
