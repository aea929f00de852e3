"""Idempotency-Key on POST endpoints: a retried request gets the first answer again, and acts once."""

import re
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.core.models import IdempotencyRecord

VALID_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def idempotent(view_method):
    """Wrap a DRF view method; answers with a stored response when the key was seen for this user and path."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if not VALID_KEY.match(key):
            raise ValidationError({"Idempotency-Key": [_("Use 1 to 100 letters, digits, '.', '_', ':' or '-'.")]})
        stored = IdempotencyRecord.objects.filter(user=request.user, key=key, path=request.path).first()
        if stored is not None:
            return Response(stored.body, status=stored.status_code, headers={"Idempotent-Replayed": "true"})
        response = view_method(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user=request.user, key=key, path=request.path,
                        status_code=response.status_code, body=response.data,
                    )  # fmt: skip
            except IntegrityError:
                pass  # a concurrent retry stored it first: same outcome
        return response

    return wrapper
