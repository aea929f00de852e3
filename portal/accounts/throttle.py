"""Login throttling: too many failed attempts for one username, or from one address, lock it out."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    user_key = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-failures:user:{user_key}", f"login-failures:addr:{address}"]


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# One office behind one address may hold many users: an address gets more tries than a username.
ADDRESS_FACTOR = 4


def is_locked_out(username: str, address: str) -> bool:
    user_key, address_key = _keys(username, address)
    counts = cache.get_many([user_key, address_key])
    return (
        counts.get(user_key, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(address_key, 0) >= settings.LOGIN_FAILURE_LIMIT * ADDRESS_FACTOR
    )


def note_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        if cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear_failures(username: str, address: str) -> None:
    cache.delete_many(_keys(username, address))
