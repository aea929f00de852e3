"""Who a user is, for any user, logged in or not: the one place pages, the API and services ask.

The rules themselves are the User model's (`User.is_reviewer`, `User.is_official_of`); these
functions add that an anonymous visitor is none of them.
"""


def is_reviewer(user) -> bool:
    """A Committee expert or an administrator: reviews every matrix, handles every request."""
    return bool(user and user.is_authenticated and user.is_reviewer)


def is_official_of(user, state_id) -> bool:
    """An official of the State `state_id`."""
    return bool(user and user.is_authenticated and user.is_official_of(state_id))
