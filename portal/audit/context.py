"""The correlation id ties together every audit event caused by one request, command or task."""

import uuid
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def get_correlation_id() -> str:
    """The current correlation id; outside any request or task, a fresh one is bound."""
    value = _correlation_id.get()
    if value is None:
        value = new_correlation_id()
        _correlation_id.set(value)
    return value


def set_correlation_id(value: str | None):
    """Bind a correlation id; returns a token for `reset_correlation_id`."""
    return _correlation_id.set(value or new_correlation_id())


def reset_correlation_id(token) -> None:
    _correlation_id.reset(token)
